import CepheusCore

/// Turns one input line into an event, a control record, or a rejection with its
/// reason (rules.md sections 1 and 6). Shared by replay and the daemon's sources.
///
/// The line is parsed once, into the event's flat tape (`TapeParser`); only control
/// records are materialized as `Value`s. Keeps its parser's scratch buffers between
/// lines, so decoding allocates nothing but the event itself.
public struct EventDecoder {
    /// The event-time field (`ts` unless `--time-field` says otherwise).
    public let timeField: String
    /// The source name used in default event ids (`<source>:<line>`).
    public let sourceName: String
    private let timeFieldName: Int32
    private let idName: Int32
    private let controlName: Int32
    private let sourcePrefix: [UInt8]
    private var parser: TapeParser
    /// The `idSource` of the last line that had one, and its `<source>:` bytes.
    private var lastIDSource: String?
    private var lastIDPrefix: [UInt8] = []

    public init(timeField: String = "ts", sourceName: String) {
        self.timeField = timeField
        self.sourceName = sourceName
        timeFieldName = FieldNames.shared.intern(timeField)
        idName = FieldNames.shared.intern("id")
        controlName = FieldNames.shared.intern("$control")
        sourcePrefix = Array(sourceName.utf8) + [UInt8(ascii: ":")]
        parser = TapeParser(keepingNumberTextOf: idName)
        parser.watchedNames = (timeFieldName, idName, controlName)
    }

    /// What a line turned out to be.
    public enum Decoded: Sendable {
        case event(Event)
        case control(Value)
        case blank
        case rejected(reason: String)
    }

    /// Decodes one line; `line` is its 1-based number, also the event's sequence.
    public mutating func decode(_ bytes: ArraySlice<UInt8>, line: Int64) -> Decoded {
        decode(bytes, sequence: line, idSource: nil, idLine: line)
    }

    /// Decodes one line whose sequence (input order) is `sequence`; an event without an
    /// `id` gets `<idSource>:<idLine>` (the decoder's source name when `idSource` is nil).
    /// With `processingTime` (the daemon's processing-time mode) the event's time is
    /// that, and the time field is neither needed nor read.
    public mutating func decode(
        _ bytes: ArraySlice<UInt8>, sequence: Int64, idSource: String?, idLine: Int64, processingTime: Int64? = nil
    ) -> Decoded {
        let line = idLine
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parser.parse(raw) }
        }
        if case .failure(let error) = parsed { return .rejected(reason: error.description) }
        let summary = parser.rootSummary()
        guard summary.root.kind == .object else { return .rejected(reason: "not a JSON object") }
        if summary.root.length == 1, let control = summary.third {
            return .control(parser.withTape { $0.value(at: control.index) })
        }
        let timestamp: Int64
        if let processingTime {
            timestamp = processingTime
        } else if let time = summary.first, time.entry.kind == .int {
            timestamp = Int64(bitPattern: time.entry.payload)
        } else {
            let timeValue = summary.first.map { time in parser.withTape { $0.value(at: time.index) } } ?? .null
            if timeValue.isNull {
                return .rejected(reason: "missing timestamp field '\(timeField)'")
            }
            guard let parsed = Timestamp.milliseconds(from: timeValue) else {
                return .rejected(reason: "invalid timestamp in '\(timeField)': \(timeValue.jsonString) (expected epoch milliseconds or an RFC 3339 string)")
            }
            timestamp = parsed
        }
        var idStart: UInt32 = 0
        var idLength: UInt32 = 0
        if let id = summary.second, Self.isIDKind(id.entry.kind) {
            // A string id's bytes, or a number's source text (kept by the parser).
            idStart = id.entry.start
            idLength = id.entry.length
        } else {
            // `<source>:<line>`, written straight into the parser's string area.
            if let idSource, idSource != lastIDSource {
                lastIDSource = idSource
                lastIDPrefix = Array(idSource.utf8) + [UInt8(ascii: ":")]
            }
            let prefix = idSource == nil ? sourcePrefix : lastIDPrefix
            idStart = prefix.withUnsafeBytes { parser.appendString($0) }
            idLength = UInt32(prefix.count) + Self.appendDecimal(line, to: &parser)
        }
        return .event(parser.makeEvent(idStart: idStart, idLength: idLength, timestamp: timestamp, sequence: sequence))
    }

    @inline(__always)
    private static func isIDKind(_ kind: TapeEntry.Kind) -> Bool {
        kind == .string || kind == .int || kind == .double
    }

    /// Appends `number` in decimal to the parser's string area; returns its length.
    private static func appendDecimal(_ number: Int64, to parser: inout TapeParser) -> UInt32 {
        if number < 0 {
            let text = Array(String(number).utf8)
            _ = text.withUnsafeBytes { parser.appendString($0) }
            return UInt32(text.count)
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var remaining = UInt64(number)
        var count = 0
        return withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            _ = parser.appendString(UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
            return UInt32(count)
        }
    }
}
