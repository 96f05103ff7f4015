import CepheusCore

/// Turns one input line into an event, a control record, or a rejection with its
/// reason (rules.md sections 1 and 6). Shared by replay and the daemon's sources.
public struct EventDecoder: Sendable {
    /// The event-time field (`ts` unless `--time-field` says otherwise).
    public var timeField: String
    /// The source name used in default event ids (`<source>:<line>`).
    public var sourceName: String

    public init(timeField: String = "ts", sourceName: String) {
        self.timeField = timeField
        self.sourceName = sourceName
    }

    /// What a line turned out to be.
    public enum Decoded: Sendable {
        case event(value: Value, timestamp: Int64, id: String)
        case control(Value)
        case blank
        case rejected(reason: String)
    }

    public func decode(_ bytes: ArraySlice<UInt8>, line: Int64) -> Decoded {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        let value: Value
        let rawNumericId: String?
        do {
            (value, rawNumericId) = try JSONReader.parse(bytes, capturingNumberOf: "id")
        } catch {
            return .rejected(reason: error.description)
        }
        guard case .object(let object) = value else {
            return .rejected(reason: "not a JSON object")
        }
        if object.count == 1, object.keys[0] == "$control" {
            return .control(object.values[0])
        }
        guard let raw = object[timeField], !raw.isNull else {
            return .rejected(reason: "missing timestamp field '\(timeField)'")
        }
        guard let timestamp = Timestamp.milliseconds(from: raw) else {
            return .rejected(reason: "invalid timestamp in '\(timeField)': \(raw.jsonString) (expected epoch milliseconds or an RFC 3339 string)")
        }
        let id: String
        switch object["id"] {
        case .string(let text)?: id = text
        case .int?, .double?: id = rawNumericId ?? object["id"]!.jsonString
        default: id = "\(sourceName):\(line)"
        }
        return .event(value: value, timestamp: timestamp, id: id)
    }
}
