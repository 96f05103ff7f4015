import CepheusCore
import Yams

/// Turns Yams nodes into JSON `Value`s: mappings become objects (keys in order),
/// sequences arrays, and scalars are typed by the YAML 1.2 core schema — a quoted or
/// block scalar is always a string; a plain one is null, a bool, an int or a float
/// when it reads as one, else a string.
public enum YAMLValueConverter {
    static let stringTag = "tag:yaml.org,2002:str"

    /// The whole tree as a `Value`.
    public static func value(of node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            return value(of: scalar)
        case .sequence(let sequence):
            return .array(sequence.map { value(of: $0) })
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                object[keyText(key)] = self.value(of: value)
            }
            return .object(object)
        case .alias:
            return .null
        }
    }

    /// A mapping key as text (a non-scalar key is written as compact JSON).
    static func keyText(_ node: Node) -> String {
        if case .scalar(let scalar) = node { return scalar.string }
        return RuleJSONText.write(value(of: node), sortKeys: false)
    }

    /// A scalar typed as described above.
    static func value(of scalar: Node.Scalar) -> Value {
        let tag = scalar.tag.rawValue
        switch tag {
        case stringTag:
            return .string(scalar.string)
        case "", "!":
            return scalar.style == .plain || scalar.style == .any ? coreValue(scalar.string) : .string(scalar.string)
        case "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
            return coreValue(scalar.string)
        default:
            return .string(scalar.string)
        }
    }

    /// `true` when the scalar is a plain null (`~`, `null`, or nothing).
    public static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, case .null = value(of: scalar) { return true }
        return false
    }

    /// The YAML 1.2 core schema reading of a plain scalar.
    static func coreValue(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let bytes = Array(text.utf8)
        if isDecimalInteger(bytes) {
            if let int = Int64(text) { return .int(int) }
            if let double = Double(text) { return .double(double) }
        }
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            let digits = String(decoding: bytes[2...], as: UTF8.self)
            if bytes[1] == UInt8(ascii: "o"), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }), let int = Int64(digits, radix: 8) {
                return .int(int)
            }
            if bytes[1] == UInt8(ascii: "x"), digits.utf8.allSatisfy(isHexDigit), let int = Int64(digits, radix: 16) {
                return .int(int)
            }
        }
        if isCoreFloat(bytes), let double = Double(text) {
            return .double(double)
        }
        return .string(text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// `[-+]?[0-9]+`
    private static func isDecimalInteger(_ bytes: [UInt8]) -> Bool {
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        return index < bytes.count && bytes[index...].allSatisfy(isDigit)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isCoreFloat(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                _ = digits()
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
