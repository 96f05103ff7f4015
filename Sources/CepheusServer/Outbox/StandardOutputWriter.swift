import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output shared by the daemon's workers: each write goes out whole (alert
/// lines are never interleaved).
final class StandardOutputWriter: Sendable {
    private let lock = Mutex(())

    func write(_ bytes: [UInt8], report: (String) -> Void) {
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
                if count < 0 {
                    if errno == EINTR { continue }
                    report("cannot write alerts to standard output: \(String(cString: strerror(errno)))")
                    return
                }
                offset += count
            }
        }
    }
}
