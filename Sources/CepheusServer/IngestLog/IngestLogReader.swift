import CepheusState

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows an ingest log from a position: the daemon's runtime consumes the log through
/// one. Not thread-safe; the writer may append concurrently (a frame not yet complete
/// is read again on a later call, from its start). The caller reads only up to the
/// writer's synced position: records past it may still be rolled back.
public final class IngestLogReader {
    public let directory: String
    /// The position of the next record to return.
    public private(set) var position: Int64
    private var segmentStart: Int64 = -1
    private var descriptor: Int32 = -1
    private var fileOffset: Int64 = 0
    /// Bytes read from the segment; those before `bufferStart` are consumed.
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// A reader whose first record is the one at `position`.
    public init(directory: String, position: Int64) {
        self.directory = directory
        self.position = position
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    private func segmentStarts() -> [Int64] { (try? IngestLog.segmentStarts(in: directory)) ?? [] }

    private func path(_ start: Int64) -> String { IngestLog.segmentPath(directory, start) }

    /// Up to `limit` records from the current position (fewer, or none, when the log
    /// has no more yet).
    public func next(limit: Int) throws -> [(Int64, IngestRecord)] {
        var result: [(Int64, IngestRecord)] = []
        if descriptor < 0 {
            let starts = segmentStarts()
            guard let start = starts.last(where: { $0 <= position }) ?? starts.first else { return [] }
            try open(segment: start)
            // Skip to `position` within the segment.
            var current = start
            while current < position {
                guard try nextPayload() != nil else {
                    // Not there yet: skip from the segment's start again next time.
                    close(descriptor)
                    descriptor = -1
                    return []
                }
                current += 1
            }
        }
        while result.count < limit {
            if let payload = try nextPayload() {
                do {
                    result.append((position, try IngestRecord.decode(Array(payload))))
                } catch {
                    throw IngestLog.Failure("ingest log record \(position) is damaged: \(error)")
                }
                position += 1
                continue
            }
            // The segment may be complete: move on when the next one starts here.
            let starts = segmentStarts()
            guard let next = starts.first(where: { $0 > segmentStart }), next <= position else { break }
            try open(segment: next)
        }
        forgetUnconsumed()
        return result
    }

    /// Drops the bytes read past the last record returned, to read them again next
    /// time: they may be a frame still being written, or a batch the writer rolls back
    /// (a full disk) and writes over — bytes kept from before would never form a valid
    /// frame again, and the reader would stall there.
    private func forgetUnconsumed() {
        guard descriptor >= 0 else { return }
        fileOffset -= Int64(buffer.count - bufferStart)
        buffer.removeAll(keepingCapacity: true)
        bufferStart = 0
    }

    private func open(segment start: Int64) throws {
        if descriptor >= 0 { close(descriptor) }
        let file = path(start)
        descriptor = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IngestLog.Failure("cannot open \(file): \(String(cString: strerror(errno)))") }
        segmentStart = start
        fileOffset = 0
        buffer.removeAll(keepingCapacity: true)
        bufferStart = 0
    }

    /// The next complete frame's payload, reading more of the file when needed.
    private func nextPayload() throws -> ArraySlice<UInt8>? {
        while true {
            if let payload = IngestLog.frame(in: buffer, at: bufferStart) {
                bufferStart += IngestLog.frameHeader + payload.count
                return payload
            }
            // Drop what was consumed (once per read, not once per record), then read on.
            if bufferStart > 0 {
                buffer.removeFirst(bufferStart)
                bufferStart = 0
            }
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(fileOffset)) }
            guard count > 0 else { return nil }
            fileOffset += Int64(count)
            buffer += chunk[0..<count]
        }
    }
}
