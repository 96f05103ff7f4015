import CepheusCore

/// An alert (rules.md section 5): a completed match or a timed-out partial match,
/// with the id that receivers de-duplicate by.
public struct Alert: Sendable {
    public enum Kind: String, Sendable {
        case match, timeout
    }

    public var id: String
    public var rule: String
    public var ruleVersion: Int
    public var kind: Kind
    public var key: Value
    public var severity: String
    public var labels: [(String, String)]
    public var title: String
    public var fields: [(String, Value)]
    public var start: Int64
    public var end: Int64
    /// Step name -> matched events, in pattern order; steps without events left out.
    public var events: [(String, [Event])]
    /// Receiver names from the rule (`alert.notify`).
    public var notify: [String]

    /// The alert as a JSON object, fields in the documented order.
    public var jsonValue: Value {
        var object = JSONObject()
        object["id"] = .string(id)
        object["rule"] = .string(rule)
        object["rule_version"] = .int(Int64(ruleVersion))
        object["kind"] = .string(kind.rawValue)
        object["key"] = key
        object["severity"] = .string(severity)
        object["labels"] = .object(JSONObject(labels.map { ($0.0, Value.string($0.1)) }))
        object["title"] = .string(title)
        object["fields"] = .object(JSONObject(fields))
        object["start"] = .int(start)
        object["end"] = .int(end)
        object["events"] = .object(JSONObject(events.map { ($0.0, Value.array($0.1.map(\.value))) }))
        return .object(object)
    }

    /// One compact JSON line (without the newline).
    public var jsonLine: String {
        var bytes: [UInt8] = []
        writeJSON(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
