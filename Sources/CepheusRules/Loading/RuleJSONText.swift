import CepheusCore

/// Compact JSON text of a `Value`. With `sortKeys`, object keys are written in
/// Unicode scalar order, which makes the text canonical (signatures). The text is
/// also valid YAML (every character YAML would not take raw is escaped), so a rule
/// given as JSON can go through the YAML loader.
enum RuleJSONText {
    static func write(_ value: Value, sortKeys: Bool) -> String {
        var output = ""
        write(value, sortKeys: sortKeys, into: &output)
        return output
    }

    private static func write(_ value: Value, sortKeys: Bool, into output: inout String) {
        switch value {
        case .null:
            output += "null"
        case .bool(let bool):
            output += bool ? "true" : "false"
        case .int(let int):
            output += String(int)
        case .double(let double):
            if double.isFinite {
                // Shortest round-trip form (`1.0`, `0.25`, `1e+20`): valid JSON and a YAML float.
                output += "\(double)"
            } else {
                output += "null"
            }
        case .string(let string):
            writeString(string, into: &output)
        case .array(let array):
            output += "["
            for (index, element) in array.enumerated() {
                if index > 0 { output += "," }
                write(element, sortKeys: sortKeys, into: &output)
            }
            output += "]"
        case .object(let object):
            var pairs = Array(object.pairs)
            if sortKeys {
                pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
            }
            output += "{"
            for (index, (key, element)) in pairs.enumerated() {
                if index > 0 { output += "," }
                writeString(key, into: &output)
                output += ":"
                write(element, sortKeys: sortKeys, into: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ string: String, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                let v = scalar.value
                // Controls, DEL, C1 controls (and NEL), line/paragraph separators, BOM and
                // non-characters: escaped, since YAML takes none of them raw.
                if v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF {
                    output += "\\u"
                    let hex = String(v, radix: 16)
                    output += String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
