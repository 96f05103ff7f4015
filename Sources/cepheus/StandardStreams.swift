#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard error (logs, diagnostics, the summary line).
enum StandardError {
    static func write(_ text: String) {
        writeAll(Array(text.utf8), to: 2)
    }
}

/// Writes every byte to `descriptor` (retrying short writes and EINTR; gives up on an
/// error).
func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}

func exitProcess(_ code: Int32) -> Never {
    exit(code)
}

/// A buffered writer to a file descriptor (stdout or an opened file), flushed when
/// its buffer fills, on `flush()`, and when closed.
final class OutputWriter {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private let capacity: Int
    private(set) var failed = false

    init(fd: Int32, ownsDescriptor: Bool = false, capacity: Int = 1 << 16) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    /// Opens (creates or truncates) `path` for writing.
    static func create(path: String) -> OutputWriter? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        return OutputWriter(fd: fd, ownsDescriptor: true)
    }

    // The CLI writes stdout from one thread only.
    nonisolated(unsafe) static let standardOutput = OutputWriter(fd: 1)

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    func write<S: Sequence>(bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        if ownsDescriptor { _ = Glibc.close(fd) }
    }
}

/// Standard output, unbuffered: one write per line (a receiver's lines appear at once).
enum StandardOutput {
    static func writeLine(_ text: String) {
        writeAll(Array(text.utf8) + [0x0A], to: 1)
    }
}
