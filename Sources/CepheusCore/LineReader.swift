#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads lines from a file descriptor in big chunks (`read(2)`, 1 MiB by default).
///
/// Lines end at `\n`; a `\r` before it is stripped, and a last line without `\n` is
/// still returned. A line longer than `maxLineBytes` (not counting the terminator) is
/// returned as `.tooLong` and skipped to its end without being buffered whole, so
/// memory stays bounded by about `maxLineBytes + readSize`. Line numbers are the
/// caller's to count (each `.line` and `.tooLong` is one line). Copies of a reader
/// share its file descriptor (closed with the last copy when owned): read from one.
///
/// ```swift
/// var reader = try LineReader.open(path: "events.jsonl")
/// while let item = try reader.next() {
///     switch item {
///     case .line(let bytes): ...        // valid until the next call to next()
///     case .tooLong(let count): ...
///     }
/// }
/// ```
public struct LineReader: Sendable {
    /// Lines longer than this many bytes are reported as `.tooLong`.
    public let maxLineBytes: Int
    /// The name used in error messages: the path, `stdin`, or `fd N`.
    public let name: String

    private let file: OwnedFileDescriptor
    private let readSize: Int
    private var buffer: [UInt8] = []
    /// Unconsumed bytes are `buffer[start..<end]`; `buffer[start..<scanned]` has no `\n`.
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var atEOF = false
    /// Bytes read from the descriptor so far, plus the offset reading started at.
    private var bytesRead: Int64 = 0
    /// Discarding the rest of an over-long line.
    private var skipping = false
    private var skippedBytes = 0
    private var lastSkippedByte: UInt8 = 0

    /// A reader of `fileDescriptor`, which it closes when the last copy of the reader
    /// goes away only if `closeWhenDone`.
    public init(
        fileDescriptor: Int32, maxLineBytes: Int = 1 << 20, readSize: Int = 1 << 20,
        closeWhenDone: Bool = false, name: String? = nil
    ) {
        precondition(maxLineBytes >= 0 && readSize > 0)
        self.file = OwnedFileDescriptor(fileDescriptor, closeOnDeinit: closeWhenDone)
        self.maxLineBytes = maxLineBytes
        self.readSize = readSize
        self.name = name ?? "fd \(fileDescriptor)"
    }

    /// Opens `path` for reading; the reader owns (and closes) the descriptor.
    /// Throws `cannot open PATH: No such file or directory` and the like.
    public static func open(path: String, maxLineBytes: Int = 1 << 20) throws(IOError) -> LineReader {
        var fd: Int32
        repeat {
            fd = systemOpen(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw IOError("open", path, code: errno) }
        return LineReader(fileDescriptor: fd, maxLineBytes: maxLineBytes, closeWhenDone: true, name: path)
    }

    /// A reader of standard input (not closed by the reader), named `stdin`.
    public static func standardInput(maxLineBytes: Int = 1 << 20) -> LineReader {
        LineReader(fileDescriptor: STDIN_FILENO, maxLineBytes: maxLineBytes, name: "stdin")
    }

    /// The byte offset, in the input, of the first byte not yet returned: after a line,
    /// where the next one starts (what a checkpoint records to resume from).
    public var offset: Int64 { bytesRead - Int64(end - start) }

    /// Repositions a seekable input at `offset` (resuming from a checkpoint); throws
    /// for a pipe or terminal.
    public mutating func seek(to offset: Int64) throws(IOError) {
        let result = lseek(file.rawValue, off_t(offset), SEEK_SET)
        guard result >= 0 else { throw IOError("seek in", name, code: errno) }
        start = 0
        end = 0
        scanned = 0
        atEOF = false
        skipping = false
        skippedBytes = 0
        bytesRead = offset
    }

    /// The next line, `nil` at the end of the input. Throws `cannot read NAME: …` when
    /// `read(2)` fails.
    public mutating func next() throws(IOError) -> Line? {
        while true {
            if let newline = findNewline() {
                let lineStart = start
                start = newline + 1
                scanned = start
                var lineEnd = newline
                if skipping {
                    let last = lineEnd > lineStart ? buffer[lineEnd - 1] : lastSkippedByte
                    var total = skippedBytes + (lineEnd - lineStart)
                    if total > 0, last == UInt8(ascii: "\r") { total -= 1 }
                    skipping = false
                    skippedBytes = 0
                    return .tooLong(byteCount: total)
                }
                if lineEnd > lineStart, buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd - lineStart > maxLineBytes { return .tooLong(byteCount: lineEnd - lineStart) }
                return .line(buffer[lineStart..<lineEnd])
            }
            scanned = end
            // No newline buffered: once the pending bytes are surely too long for a
            // line (the +1 leaves room for a `\r`), stop keeping them.
            if skipping || end - start > maxLineBytes + 1 {
                if end > start {
                    skippedBytes += end - start
                    lastSkippedByte = buffer[end - 1]
                }
                skipping = true
                start = 0
                end = 0
                scanned = 0
            }
            if atEOF {
                if skipping {
                    var total = skippedBytes
                    if total > 0, lastSkippedByte == UInt8(ascii: "\r") { total -= 1 }
                    skipping = false
                    skippedBytes = 0
                    return .tooLong(byteCount: total)
                }
                guard start < end else { return nil }
                let lineStart = start
                var lineEnd = end
                start = end
                scanned = end
                if buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd - lineStart > maxLineBytes { return .tooLong(byteCount: lineEnd - lineStart) }
                return .line(buffer[lineStart..<lineEnd])
            }
            try fill()
        }
    }

    // MARK: - Private

    /// The index of the first `\n` in `buffer[scanned..<end]`.
    private func findNewline() -> Int? {
        let from = max(scanned, start)
        guard from < end else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress,
                  let found = memchr(base + from, Int32(UInt8(ascii: "\n")), end - from)
            else { return nil }
            return UnsafeRawPointer(found) - base
        }
    }

    /// Reads once into the free space after `end` (moving pending bytes to the front
    /// or growing the buffer when less than `readSize` is free).
    private mutating func fill() throws(IOError) {
        if start == end {
            start = 0
            end = 0
            scanned = 0
        } else if start > 0, buffer.count - end < readSize {
            let pending = end - start
            let from = start
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + from, pending)
            }
            scanned -= start
            start = 0
            end = pending
        }
        if buffer.count - end < readSize {
            buffer.append(contentsOf: repeatElement(0, count: readSize - (buffer.count - end)))
        }
        let fd = file.rawValue
        let offset = end
        let size = readSize
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + offset, size) }
        } while count < 0 && errno == EINTR
        guard count >= 0 else { throw IOError("read", name, code: errno) }
        if count == 0 { atEOF = true } else {
            end += count
            bytesRead += Int64(count)
        }
    }
}

/// `open(2)`, under a name that does not clash with `LineReader.open(path:)`.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
    open(path, flags)
}
