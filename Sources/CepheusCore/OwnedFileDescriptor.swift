#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor that is closed when the last reference goes away (when
/// `closeOnDeinit`), so value types such as `LineReader` can own one.
final class OwnedFileDescriptor: Sendable {
    let rawValue: Int32
    let closeOnDeinit: Bool

    init(_ rawValue: Int32, closeOnDeinit: Bool) {
        self.rawValue = rawValue
        self.closeOnDeinit = closeOnDeinit
    }

    deinit {
        if closeOnDeinit { _ = close(rawValue) }
    }
}
