import CepheusCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows one JSON Lines input — a file like `tail -F`, or standard input — and turns
/// each complete line into an ingest record with its position: the byte offset where
/// the next line starts, and the line number (counted on across rotations, so default
/// event ids stay unique). A file that is rotated (a new inode at the path) is read to
/// its end, then the new file from its start; a file that shrinks (truncated) is read
/// again from its start. Lines over 1 MiB are skipped and reported.
final class LineFollower {
    /// What the followed lines are.
    enum Kind {
        /// Events (and `{"$control": R}` lines, as in replay input).
        case events
        /// The control stream: each line is a control record R (rules.md section 7).
        case control
    }

    let name: String
    let kind: Kind
    let path: String?
    private var descriptor: Int32 = -1
    private var inode: UInt64 = 0
    private(set) var offset: Int64
    private(set) var line: Int64
    private var pending: [UInt8] = []
    private var skipping = false
    private var finished = false
    private let report: (String) -> Void
    static let maxLineBytes = 1 << 20

    /// Follows the file at `path` from `offset` (the start when the file is now shorter).
    init(file path: String, name: String, kind: Kind = .events, offset: Int64, line: Int64, report: @escaping (String) -> Void) {
        self.path = path
        self.kind = kind
        self.name = name
        self.offset = offset
        self.line = line
        self.report = report
    }

    /// Reads standard input.
    init(standardInput report: @escaping (String) -> Void) {
        path = nil
        name = "stdin"
        kind = .events
        offset = 0
        line = 0
        descriptor = 0
        self.report = report
    }

    deinit {
        if descriptor > 0 { close(descriptor) }
    }

    /// Reads what is new; returns the records of the complete lines (empty when none).
    func poll() -> [IngestRecord] {
        if finished { return [] }
        if descriptor < 0 && !open() { return [] }
        var records: [IngestRecord] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while records.count < 8192 {
            if path == nil {
                // Standard input: read only when something is there.
                var waiting = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&waiting, 1, 0) > 0 else { break }
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                report("cannot read \(path ?? "stdin"): \(String(cString: strerror(errno)))")
                break
            }
            if count == 0 {
                if path == nil {
                    // The end of stdin is not the end of input: nothing more comes from it.
                    finished = true
                    break
                }
                checkRotation(&records)
                break
            }
            split(chunk[0..<count], into: &records)
        }
        return records
    }

    private func split(_ bytes: ArraySlice<UInt8>, into records: inout [IngestRecord]) {
        var start = bytes.startIndex
        var position = offset + Int64(pending.count)
        for index in bytes.indices where bytes[index] == 0x0A {
            let piece = bytes[start..<index]
            position += Int64(index - start + 1)
            if skipping {
                skipping = false
                pending.removeAll(keepingCapacity: true)
            } else {
                pending += piece
                if pending.last == 0x0D { pending.removeLast() }
                line += 1
                if let record = record(offset: position, bytes: pending) { records.append(record) }
                pending.removeAll(keepingCapacity: true)
            }
            offset = position
            start = index + 1
        }
        let rest = bytes[start...]
        if skipping { offset += Int64(rest.count); return }
        pending += rest
        if pending.count > Self.maxLineBytes {
            line += 1
            report("\(name): line \(line) is over \(Self.maxLineBytes) bytes; skipped")
            offset += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
            skipping = true
        }
    }

    /// The ingest record of the line just counted, ending at `offset`. A control
    /// stream's line R goes into the log as `{"$control": R}`; one that is not JSON as
    /// `{"$control": "<the line>"}`, which the runtime rejects, counts and reports at
    /// its position like any other invalid control record.
    /// Blank control lines are skipped (nil).
    private func record(offset: Int64, bytes: [UInt8]) -> IngestRecord? {
        switch kind {
        case .events:
            return .event(source: name, offset: offset, line: line, bytes: bytes)
        case .control:
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
            var wrapped = Array(#"{"$control":"#.utf8)
            if (try? JSONReader.parse(bytes)) != nil {
                wrapped += bytes
            } else {
                wrapped += Array(Value.string(String(decoding: bytes, as: UTF8.self)).jsonString.utf8)
            }
            wrapped.append(0x7D)
            return .control(source: name, offset: offset, line: line, bytes: wrapped)
        }
    }

    private func open() -> Bool {
        guard let path else { return false }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        var info = stat()
        fstat(fd, &info)
        if Int64(info.st_size) < offset {
            report("\(name): the file is shorter than the recorded offset \(offset); reading it from the start")
            offset = 0
        }
        lseek(fd, off_t(offset), SEEK_SET)
        descriptor = fd
        inode = UInt64(info.st_ino)
        pending.removeAll(keepingCapacity: true)
        return true
    }

    /// At the end of the file: a new file at the path (rotation) or a shorter one
    /// (truncation) is read from its start.
    private func checkRotation(_ records: inout [IngestRecord]) {
        guard let path else { return }
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if UInt64(info.st_ino) != inode {
            if !pending.isEmpty {
                // The rotated file ended without a newline: its last line is complete.
                line += 1
                offset += Int64(pending.count)
                if let record = record(offset: offset, bytes: pending) { records.append(record) }
            }
            close(descriptor)
            descriptor = -1
            offset = 0
            report("\(name): \(path) was rotated; following the new file")
            _ = open()
        } else if Int64(info.st_size) < offset + Int64(pending.count) {
            report("\(name): \(path) was truncated; reading it from the start")
            offset = 0
            pending.removeAll(keepingCapacity: true)
            lseek(descriptor, 0, SEEK_SET)
        }
    }
}
