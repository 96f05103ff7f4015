#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `body` on a new POSIX thread and joins it on `join()`.
public final class WorkerThread: @unchecked Sendable {
    private var thread: pthread_t?
    private let body: @Sendable () -> Void

    public init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw!).takeRetainedValue()
            worker.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "cannot start a worker thread: error \(result)")
        thread = handle
    }

    public func join() {
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }
}
