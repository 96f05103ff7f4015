/// A JSON value as Cepheus sees it: the parsed form of an event and of every
/// expression result. Objects keep their keys in input order.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal that fits in 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([Value])
    case object(JSONObject)
}

extension Value {
    /// The value of a field when `self` is an object, else `nil`.
    @inlinable
    public subscript(field name: String) -> Value? {
        if case .object(let object) = self { return object[name] }
        return nil
    }

    /// `true` for `.null`.
    @inlinable
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The numeric value as a `Double` for `.int` and `.double`, else `nil`.
    @inlinable
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The string payload for `.string`, else `nil`.
    @inlinable
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// A JSON object: its keys in input order and the value of each.
/// Lookups scan linearly, which beats hashing for the small objects events are.
public struct JSONObject: Sendable, Hashable {
    public var keys: [String]
    public var values: [Value]

    /// `keys` must be unique (use `init(_ pairs:)` or the subscript otherwise).
    @inlinable
    public init(keys: [String] = [], values: [Value] = []) {
        precondition(keys.count == values.count)
        self.keys = keys
        self.values = values
    }

    /// Builds an object from pairs, in order. A repeated key keeps its last value.
    public init(_ pairs: [(String, Value)]) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    @inlinable
    public var count: Int { keys.count }

    @inlinable
    public subscript(key: String) -> Value? {
        get {
            // Keys are unique (the reader and the setter keep them so), so the scan
            // can run forwards: the fields rules read most (`ts`, `type`, the key)
            // usually come first. Lengths first: most keys differ in length.
            let length = key.utf8.count
            var index = 0
            let count = keys.count
            while index < count {
                if keys[index].utf8.count == length && keys[index] == key { return values[index] }
                index += 1
            }
            return nil
        }
        set {
            if let index = keys.lastIndex(of: key) {
                if let newValue { values[index] = newValue } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// The pairs in order.
    public var pairs: Zip2Sequence<[String], [Value]> { zip(keys, values) }
}
