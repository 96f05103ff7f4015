import CepheusCore

/// A change to the rule set (rules.md section 7).
public enum ControlRecord: Sendable {
    /// Insert or replace a rule given as a JSON object.
    case upsertJSON(Value)
    /// Insert or replace the rule(s) of a YAML text.
    case upsertYAML(String)
    case delete(id: String)

    /// Parses `{"op": …}`; the error text says what is wrong.
    public static func parse(_ value: Value) -> Result<ControlRecord, ControlRecordError> {
        guard case .object(let object) = value else {
            return .failure(ControlRecordError("a control record must be a JSON object"))
        }
        guard case .string(let op)? = object["op"] else {
            return .failure(ControlRecordError("a control record needs \"op\": \"upsert\" or \"delete\""))
        }
        switch op {
        case "upsert":
            let rule = object["rule"], yaml = object["yaml"]
            switch (rule, yaml) {
            case (.some(let rule), nil):
                guard case .object = rule else { return .failure(ControlRecordError("\"rule\" must be a JSON object")) }
                return .success(.upsertJSON(rule))
            case (nil, .some(.string(let text))):
                return .success(.upsertYAML(text))
            case (nil, .some):
                return .failure(ControlRecordError("\"yaml\" must be a string"))
            default:
                return .failure(ControlRecordError("an upsert carries exactly one of \"rule\" and \"yaml\""))
            }
        case "delete":
            guard case .string(let id)? = object["id"] else {
                return .failure(ControlRecordError("a delete needs \"id\": the rule id"))
            }
            return .success(.delete(id: id))
        default:
            return .failure(ControlRecordError("unknown op '\(op)' (expected upsert or delete)"))
        }
    }
}

/// Why a control record was rejected.
public struct ControlRecordError: Error, Sendable, CustomStringConvertible {
    public var messages: [String]
    public init(_ message: String) { messages = [message] }
    public init(messages: [String]) { self.messages = messages }
    public var description: String { messages.joined(separator: "; ") }
}
