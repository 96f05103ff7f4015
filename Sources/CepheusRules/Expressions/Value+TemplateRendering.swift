import CepheusCore

extension Value {
    /// The text of this value in a template (rules.md section 4): null is empty,
    /// strings raw, bools `true`/`false`, ints plain, floats in Swift's shortest
    /// round-trip form (`2.5`, `5.0`, `1e-07`), lists and objects as compact JSON.
    public func renderedForTemplate() -> String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.description
        case .string(let s): return s
        case .array, .object:
            var text = ""
            ExpressionJSONText.append(self, to: &text)
            return text
        }
    }
}
