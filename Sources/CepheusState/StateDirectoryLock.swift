#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a state directory (`flock` on `DIR/LOCK`), held for the life
/// of the process that writes there: a second writer is refused at start, before it
/// touches anything. The lock file records the holder's pid for the message.
public final class StateDirectoryLock: Sendable {
    private let descriptor: Int32
    public let path: String

    public init(directory: String) throws(StateStoreError) {
        path = directory + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.failure("open", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? FileSystem.read(path)).flatMap { String(validating: $0, as: UTF8.self) }?
                .filter { !$0.isWhitespace }
            close(fd)
            let who = holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? ""
            throw StateStoreError("state directory \(directory) is in use by another process\(who); only one writer may use it at a time")
        }
        descriptor = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
