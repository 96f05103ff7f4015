import CepheusCore
import CepheusState

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's ingest log (DESIGN.md, Ingest): an append-only, segmented file of
/// `IngestRecord`s in the order the daemon took them. Every source is sequenced into
/// it; the runtime consumes only the log; checkpoints record a log position, and
/// segments wholly behind the oldest retained checkpoint are deleted.
///
/// A record's position is its index since the log began. Segments are files named by
/// the position of their first record (`00000000000000000000.log`), rolled at
/// `segmentBytes`. A frame is `[length u32][crc32c u32][payload]`, little-endian. After a
/// crash, opening the log cuts a torn or damaged tail off the last segment (reported);
/// records up to the last `sync()` are never lost.
public final class IngestLog {
    /// A failed log operation, with the path and reason.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let directory: String
    public let segmentBytes: Int
    /// The position the next appended record gets.
    public private(set) var nextPosition: Int64 = 0
    /// First positions of the segments, oldest first.
    public private(set) var segmentStarts: [Int64] = []
    private var descriptor: Int32 = -1
    private var segmentSize = 0
    private var pending: [UInt8] = []

    public static let frameHeader = 8
    static let maxRecordBytes = 64 << 20

    /// Opens (creating if needed) the log in `directory`; `report` hears about a tail
    /// that was cut off.
    public init(directory: String, segmentBytes: Int = 64 << 20, report: (String) -> Void = { _ in }) throws(Failure) {
        self.directory = directory
        self.segmentBytes = max(segmentBytes, 4096)
        do {
            try FileSystem.createDirectories(directory)
            segmentStarts = try Self.segmentStarts(in: directory)
        } catch {
            throw Failure("cannot open the ingest log in \(directory): \(error)")
        }
        if segmentStarts.isEmpty {
            try openSegment(startingAt: 0)
            return
        }
        let last = segmentStarts.last!
        let path = segmentPath(last)
        let (count, validBytes, fileBytes) = try Self.scan(path)
        if validBytes < fileBytes {
            report("ingest log \(path): cut off a torn or damaged tail of \(fileBytes - validBytes) bytes after record \(last + Int64(count) - 1)")
            guard truncate(path, off_t(validBytes)) == 0 else { throw Failure("cannot truncate \(path): \(String(cString: strerror(errno)))") }
        }
        descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        segmentSize = validBytes
        nextPosition = last + Int64(count)
    }

    deinit {
        try? sync()
        if descriptor >= 0 { close(descriptor) }
    }

    private func segmentPath(_ start: Int64) -> String { Self.segmentPath(directory, start) }

    /// The file of the segment whose first record is at `start`.
    static func segmentPath(_ directory: String, _ start: Int64) -> String {
        let digits = String(start)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The first positions of the segments in `directory`, oldest first.
    static func segmentStarts(in directory: String) throws(StateStoreError) -> [Int64] {
        try FileSystem.list(directory).compactMap { name in name.hasSuffix(".log") ? Int64(name.dropLast(4)) : nil }.sorted()
    }

    private func openSegment(startingAt start: Int64) throws(Failure) {
        if descriptor >= 0 {
            try sync()
            close(descriptor)
        }
        let path = segmentPath(start)
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure("cannot create \(path): \(String(cString: strerror(errno)))") }
        if segmentStarts.last != start { segmentStarts.append(start) }
        segmentSize = 0
        do { try FileSystem.syncDirectory(directory) } catch { throw Failure("\(error)") }
    }

    /// Where the log stood before a batch of appends (see `rollBack(to:)`).
    public struct Mark: Sendable {
        let nextPosition: Int64
        let segments: Int
        let segmentSize: Int
        let pending: Int
    }

    /// The log's state now, to roll a failed batch back to.
    public func mark() -> Mark {
        Mark(nextPosition: nextPosition, segments: segmentStarts.count, segmentSize: segmentSize, pending: pending.count)
    }

    /// Undoes every append since `mark` — a batch whose write or sync failed (a full
    /// disk, say) — so the log holds no part of it and later batches follow the last
    /// good record: the segment is truncated back, segments opened since are deleted.
    public func rollBack(to mark: Mark) throws(Failure) {
        pending.removeSubrange(min(mark.pending, pending.count)...)
        nextPosition = mark.nextPosition
        while segmentStarts.count > mark.segments {
            let start = segmentStarts.removeLast()
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            unlink(segmentPath(start))
        }
        guard let start = segmentStarts.last else { return }
        let path = segmentPath(start)
        if descriptor < 0 {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard descriptor >= 0 else { throw Failure("cannot reopen \(path): \(String(cString: strerror(errno)))") }
        }
        guard ftruncate(descriptor, off_t(mark.segmentSize)) == 0 else {
            throw Failure("cannot truncate \(path) back to \(mark.segmentSize) bytes: \(String(cString: strerror(errno)))")
        }
        segmentSize = mark.segmentSize
        _ = fsync(descriptor)
    }

    /// Appends a record (buffered until `sync`) and returns its position.
    @discardableResult
    public func append(_ record: IngestRecord) throws(Failure) -> Int64 {
        let payload = record.encoded()
        guard payload.count <= Self.maxRecordBytes else { throw Failure("an ingest record of \(payload.count) bytes is over the limit") }
        if segmentSize + pending.count > 0 && segmentSize + pending.count + payload.count + Self.frameHeader > segmentBytes {
            try openSegment(startingAt: nextPosition)
        }
        var header = [UInt8](repeating: 0, count: Self.frameHeader)
        let length = UInt32(payload.count), crc = CRC32C.checksum(payload)
        for index in 0..<4 {
            header[index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index)))
            header[4 + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index)))
        }
        pending += header
        pending += payload
        let position = nextPosition
        nextPosition += 1
        if pending.count >= 1 << 20 { try flush() }
        return position
    }

    /// Writes buffered records to the segment file.
    private func flush() throws(Failure) {
        guard !pending.isEmpty else { return }
        var written = 0
        while written < pending.count {
            let count = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("cannot write the ingest log in \(directory): \(String(cString: strerror(errno)))")
            }
            written += count
        }
        segmentSize += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes and fsyncs everything appended so far (a group commit: call it once per
    /// batch of records, before acknowledging them).
    public func sync() throws(Failure) {
        try flush()
        if descriptor >= 0 && fsync(descriptor) != 0 {
            throw Failure("cannot sync the ingest log in \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// Calls `body` with each record from `position` on (what was synced or flushed),
    /// in order, until it returns `false`.
    public func read(from position: Int64, _ body: (Int64, IngestRecord) throws -> Bool) throws {
        try flush()
        guard let first = segmentStarts.lastIndex(where: { $0 <= position }) ?? (segmentStarts.isEmpty ? nil : 0) else { return }
        for index in first..<segmentStarts.count {
            var current = segmentStarts[index]
            let bytes = try FileSystem.read(segmentPath(current))
            var offset = 0
            while let payload = Self.frame(in: bytes, at: offset) {
                offset += Self.frameHeader + payload.count
                defer { current += 1 }
                guard current >= position else { continue }
                let record: IngestRecord
                do { record = try IngestRecord.decode(Array(payload)) } catch {
                    throw Failure("ingest log record \(current) is damaged: \(error)")
                }
                guard try body(current, record) else { return }
            }
        }
    }

    /// Deletes the segments whose records all lie before `position` (behind the oldest
    /// retained checkpoint). Returns how many were deleted.
    @discardableResult
    public func discard(before position: Int64) throws(Failure) -> Int {
        var deleted = 0
        while segmentStarts.count > 1, segmentStarts[1] <= position {
            do { try FileSystem.remove(segmentPath(segmentStarts[0])) } catch { throw Failure("\(error)") }
            segmentStarts.removeFirst()
            deleted += 1
        }
        return deleted
    }

    /// The payload of the frame at `offset`, or `nil` at the end or at a torn frame.
    public static func frame(in bytes: [UInt8], at offset: Int) -> ArraySlice<UInt8>? {
        guard offset + frameHeader <= bytes.count else { return nil }
        var length = 0, crc: UInt32 = 0
        for index in 0..<4 {
            length |= Int(bytes[offset + index]) << (8 * index)
            crc |= UInt32(bytes[offset + 4 + index]) << (8 * UInt32(index))
        }
        guard length <= maxRecordBytes, offset + frameHeader + length <= bytes.count else { return nil }
        let payload = bytes[(offset + frameHeader)..<(offset + frameHeader + length)]
        guard payload.withUnsafeBytes({ CRC32C.checksum($0) }) == crc else { return nil }
        return payload
    }

    /// Valid records, their bytes, and the file's bytes.
    static func scan(_ path: String) throws(Failure) -> (Int, Int, Int) {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch { throw Failure("\(error)") }
        var offset = 0, count = 0
        while let payload = frame(in: bytes, at: offset) {
            offset += frameHeader + payload.count
            count += 1
        }
        return (count, offset, bytes.count)
    }
}
