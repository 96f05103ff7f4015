import CepheusCore

/// Compact JSON text of a `Value`, for rendering lists and objects in templates and
/// `string()`. (Deliberately local to the expression code: no dependency on the
/// CepheusCore JSON writer.) Non-finite floats, which JSON cannot hold, become `null`.
enum ExpressionJSONText {
    static func append(_ value: Value, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let b): text += b ? "true" : "false"
        case .int(let i): text += String(i)
        case .double(let d): text += d.isFinite ? d.description : "null"
        case .string(let s): appendString(s, to: &text)
        case .array(let elements):
            text += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { text += "," }
                append(element, to: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (position, (key, element)) in object.pairs.enumerated() {
                if position > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                append(element, to: &text)
            }
            text += "}"
        }
    }

    private static let hexDigits: [Character] = Array("0123456789abcdef")

    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            default:
                if scalar.value < 0x20 {
                    text += "\\u00"
                    text.append(hexDigits[Int(scalar.value >> 4)])
                    text.append(hexDigits[Int(scalar.value & 0xF)])
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}
