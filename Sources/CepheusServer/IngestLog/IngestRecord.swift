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
    /// The watermark advanced to this event time without an event (idle sources).
    case watermark(Int64)

    private enum Kind: UInt8 { case event = 1, control = 2, watermark = 3 }

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
        }
        try reader.expectEnd()
        return record
    }

    private var isEvent: Bool {
        if case .event = self { return true }
        return false
    }

    private var bytes: [UInt8]? {
        switch self {
        case .event(_, _, _, let bytes), .control(_, _, _, let bytes): return bytes
        case .watermark: return nil
        }
    }
}
