import CepheusCore

/// One record of the ingest log (DESIGN.md, Ingest): what the daemon took, in the order
/// it took it. The runtime consumes only these, so matching is a pure function of the
/// log: replay, live and after-crash runs agree.
public enum IngestRecord: Sendable, Equatable {
    /// An input line from a source, with its position there (byte offset after the
    /// line, line number), as raw bytes: parsing happens when the log is consumed.
    case event(source: String, offset: Int64, line: Int64, bytes: [UInt8])
    /// A control record (rules.md section 7) as raw JSON, from a control stream, a
    /// rule file change or the HTTP API.
    case control(source: String, offset: Int64, line: Int64, bytes: [UInt8])
    /// The watermark advanced to this event time without an event (every source idle;
    /// in processing-time mode, the clock's ticks).
    case watermark(Int64)
    /// The source has had no event for `time.idle_timeout`: it stops holding the
    /// watermark back until its next event.
    case idle(source: String)
    /// Processing-time mode: the ingest clock (epoch ms) when the events after it were
    /// taken; their time.
    case clock(Int64)

    /// The event sources the daemon runs, recorded at each start: each holds the
    /// watermark back until its first event or its idle record; a source no longer
    /// configured stops holding it.
    case sources([String])

    private enum Kind: UInt8 { case event = 1, control = 2, watermark = 3, idle = 4, clock = 5, sources = 6 }

    /// The record's payload (the frame adds length and checksum).
    func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + (bytes?.count ?? 0))
        switch self {
        case .event(let source, let offset, let line, let bytes), .control(let source, let offset, let line, let bytes):
            writer.byte(isEvent ? Kind.event.rawValue : Kind.control.rawValue)
            writer.string(source)
            writer.signed(offset)
            writer.signed(line)
            writer.data(bytes)
        case .watermark(let time):
            writer.byte(Kind.watermark.rawValue)
            writer.signed(time)
        case .idle(let source):
            writer.byte(Kind.idle.rawValue)
            writer.string(source)
        case .clock(let time):
            writer.byte(Kind.clock.rawValue)
            writer.signed(time)
        case .sources(let names):
            writer.byte(Kind.sources.rawValue)
            writer.unsigned(UInt64(names.count))
            for name in names { writer.string(name) }
        }
        return writer.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(ByteReader.Malformed) -> IngestRecord {
        var reader = ByteReader(payload)
        let raw = try reader.byte()
        guard let kind = Kind(rawValue: raw) else { throw ByteReader.Malformed("unknown ingest record kind \(raw)") }
        let record: IngestRecord
        switch kind {
        case .event, .control:
            let source = try reader.string()
            let offset = try reader.signed()
            let line = try reader.signed()
            let bytes = Array(try reader.data())
            record = kind == .event
                ? .event(source: source, offset: offset, line: line, bytes: bytes)
                : .control(source: source, offset: offset, line: line, bytes: bytes)
        case .watermark:
            record = .watermark(try reader.signed())
        case .idle:
            record = .idle(source: try reader.string())
        case .clock:
            record = .clock(try reader.signed())
        case .sources:
            let count = try reader.unsigned()
            guard count <= UInt64(payload.count) else { throw ByteReader.Malformed("source count \(count) exceeds the record") }
            var names: [String] = []
            for _ in 0..<count { names.append(try reader.string()) }
            record = .sources(names)
        }
        try reader.expectEnd()
        return record
    }

    /// Sources that have no position to resume from: HTTP ingest, the rules API and
    /// rule files (their records carry offset and line 0).
    public static let unpositionedSources: Set<String> = ["http", "api"]

    /// The source position a followed input (file, stdin, control stream) reached with
    /// this record; nil for records of sources without positions.
    public var followedPosition: (source: String, offset: Int64, line: Int64)? {
        switch self {
        case .event(let source, let offset, let line, _), .control(let source, let offset, let line, _):
            guard line > 0, !Self.unpositionedSources.contains(source) else { return nil }
            return (source, offset, line)
        case .watermark, .idle, .clock, .sources:
            return nil
        }
    }

    private var isEvent: Bool {
        if case .event = self { return true }
        return false
    }

    private var bytes: [UInt8]? {
        switch self {
        case .event(_, _, _, let bytes), .control(_, _, _, let bytes): return bytes
        case .watermark, .idle, .clock, .sources: return nil
        }
    }
}
