#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CepheusCore

/// What the built-in functions compute (rules.md section 4). `has` and `matches` with a
/// literal pattern are compiled specially by `ExpressionCodeGenerator`; everything
/// else goes through `apply`.
extension ExpressionBuiltin {
    private static func typeError(_ message: String) -> EvaluationError {
        EvaluationError(message: message)
    }

    /// Applies the function to its evaluated arguments (`arguments.count == arity`).
    func apply(_ arguments: [Value]) throws(EvaluationError) -> Value {
        switch arguments.count {
        case 1: return try apply(arguments[0])
        case 2: return try apply(arguments[0], arguments[1])
        default: return try Self.distanceKm(arguments)
        }
    }

    /// Applies a one-argument function.
    func apply(_ a: Value) throws(EvaluationError) -> Value {
        switch self {
        case .has: return .bool(!a.isNull)
        case .count, .size: return try Self.count(a, name: rawValue)
        case .first: return try Self.endElement(a, first: true)
        case .last: return try Self.endElement(a, first: false)
        case .sum: return try Self.sum(a)
        case .avg: return try Self.average(a)
        case .min: return try Self.extreme(a, name: "min", wantSign: -1)
        case .max: return try Self.extreme(a, name: "max", wantSign: 1)
        case .lower: return try Self.mapString(a, name: "lower") { $0.lowercased() }
        case .upper: return try Self.mapString(a, name: "upper") { $0.uppercased() }
        case .len: return try Self.length(a)
        case .abs: return try Self.absolute(a)
        case .int: return try Self.toInt(a)
        case .float: return try Self.toFloat(a)
        case .string: return Self.toString(a)
        case .contains, .startsWith, .endsWith, .matches, .distanceKm:
            throw Self.typeError("\(arityDescription)")
        }
    }

    /// Applies a two-argument function.
    func apply(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch self {
        case .contains: return try Self.contains(a, b)
        case .startsWith: return try Self.stringTest(a, b, name: "startsWith", ExpressionOperations.hasPrefixScalars)
        case .endsWith: return try Self.stringTest(a, b, name: "endsWith", ExpressionOperations.hasSuffixScalars)
        case .matches: return try Self.matches(a, b, regex: nil)
        default: throw Self.typeError("\(arityDescription)")
        }
    }

    /// `count(x)` / `size(x)`: elements of a list, Unicode scalars of a string, keys of
    /// an object; null counts 0.
    static func count(_ value: Value, name: String) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .int(0)
        case .array(let elements): return .int(Int64(elements.count))
        case .string(let string): return .int(Int64(string.unicodeScalars.count))
        case .object(let object): return .int(Int64(object.count))
        default: throw typeError("\(name)() needs a list, string or object, not \(ExpressionOperations.typeName(value))")
        }
    }

    /// `len(x)`: as `count`, but null stays null.
    static func length(_ value: Value) throws(EvaluationError) -> Value {
        if case .null = value { return .null }
        return try count(value, name: "len")
    }

    /// `first(list)` / `last(list)`: null for an empty list or null.
    static func endElement(_ value: Value, first: Bool) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .null
        case .array(let elements): return (first ? elements.first : elements.last) ?? .null
        default: throw typeError("\(first ? "first" : "last")() needs a list, not \(ExpressionOperations.typeName(value))")
        }
    }

    /// The numbers of a list argument, null elements skipped; `nil` for a null argument.
    private static func numbers(_ value: Value, name: String) throws(EvaluationError) -> [Value]? {
        switch value {
        case .null: return nil
        case .array(let elements):
            var numbers: [Value] = []
            numbers.reserveCapacity(elements.count)
            for element in elements {
                switch element {
                case .null: continue
                case .int, .double: numbers.append(element)
                default: throw typeError("\(name)() needs numbers, found \(ExpressionOperations.typeName(element))")
                }
            }
            return numbers
        default:
            throw typeError("\(name)() needs a list, not \(ExpressionOperations.typeName(value))")
        }
    }

    /// `sum(list)`: 0 for `[]`; ints stay int (overflow is a type error), any float makes
    /// the sum a float.
    static func sum(_ value: Value) throws(EvaluationError) -> Value {
        guard let numbers = try numbers(value, name: "sum") else { return .null }
        var total: Value = .int(0)
        for number in numbers {
            total = try ExpressionOperations.add(total, number)
        }
        return total
    }

    /// `avg(list)`: always a float; null for a list without numbers.
    static func average(_ value: Value) throws(EvaluationError) -> Value {
        guard let numbers = try numbers(value, name: "avg"), !numbers.isEmpty else { return .null }
        var total = 0.0
        for number in numbers { total += number.doubleValue ?? 0 }
        let mean = total / Double(numbers.count)
        guard mean.isFinite else { throw typeError("float overflow in avg()") }
        return .double(mean)
    }

    /// `min(list)` / `max(list)`: the extreme element itself (first of equals); null for
    /// a list without numbers.
    static func extreme(_ value: Value, name: String, wantSign: Int) throws(EvaluationError) -> Value {
        guard let numbers = try numbers(value, name: name), var best = numbers.first else { return .null }
        for number in numbers.dropFirst() {
            if ExpressionOperations.compareNumbers(number, best) == wantSign { best = number }
        }
        return best
    }

    static func mapString(_ value: Value, name: String, _ transform: (String) -> String) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .null
        case .string(let string): return .string(transform(string))
        default: throw typeError("\(name)() needs a string, not \(ExpressionOperations.typeName(value))")
        }
    }

    /// `contains(s, sub)`: substring of a string (by Unicode scalars), or membership in a
    /// list (by `==`) or among an object's keys; null arguments give null.
    static func contains(_ container: Value, _ element: Value) throws(EvaluationError) -> Value {
        switch container {
        case .null: return .null
        case .string(let string):
            switch element {
            case .null: return .null
            case .string(let part): return .bool(ExpressionOperations.containsScalars(string, part))
            default: throw typeError("contains() on a string needs a string, not \(ExpressionOperations.typeName(element))")
            }
        case .array, .object:
            return .bool(try ExpressionOperations.isMember(element, of: container))
        default:
            throw typeError("contains() needs a string, list or object, not \(ExpressionOperations.typeName(container))")
        }
    }

    /// `startsWith` / `endsWith`: null arguments give null; non-strings are a type error.
    static func stringTest(_ a: Value, _ b: Value, name: String, _ test: (String, String) -> Bool) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.string(let x), .string(let y)): return .bool(test(x, y))
        default:
            throw typeError("\(name)() needs strings, not \(ExpressionOperations.typeName(a)) and \(ExpressionOperations.typeName(b))")
        }
    }

    /// `matches(s, regex)`: unanchored search. `regex` is the pattern compiled at compile
    /// time, or `nil` to compile `pattern` now (through the shared cache).
    static func matches(_ subject: Value, _ pattern: Value, regex: ExpressionRegex?) throws(EvaluationError) -> Value {
        let compiled: ExpressionRegex
        if let regex {
            compiled = regex
        } else {
            switch pattern {
            case .null: return .null
            case .string(let text):
                guard let dynamic = ExpressionRegexCache.shared.regex(text) else {
                    throw typeError("matches(): invalid regular expression '\(text)'")
                }
                compiled = dynamic
            default:
                throw typeError("matches() needs a string pattern, not \(ExpressionOperations.typeName(pattern))")
            }
        }
        switch subject {
        case .null: return .null
        case .string(let string): return .bool(compiled.matches(string))
        default: throw typeError("matches() needs a string, not \(ExpressionOperations.typeName(subject))")
        }
    }

    static func absolute(_ value: Value) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .null
        case .int(let x):
            guard x != Int64.min else { throw typeError("integer overflow in abs()") }
            return .int(Swift.abs(x))
        case .double(let x): return .double(Swift.abs(x))
        default: throw typeError("abs() needs a number, not \(ExpressionOperations.typeName(value))")
        }
    }

    /// A float truncated toward zero, if it fits in an `Int64`.
    private static func truncated(_ d: Double) -> Int64? {
        guard d.isFinite else { return nil }
        let t = d.rounded(.towardZero)
        guard t >= -9_223_372_036_854_775_808.0, t < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(t)
    }

    /// `int(x)`: numbers truncate toward zero; strings parse as an integer, else as a
    /// float then truncate; bools give 0/1; null stays null; anything unrepresentable is a
    /// type error.
    static func toInt(_ value: Value) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .null
        case .int: return value
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d):
            guard let i = truncated(d) else { throw typeError("int(): \(d) is out of range") }
            return .int(i)
        case .string(let s):
            if let i = Int64(s) { return .int(i) }
            guard let d = Double(s), let i = truncated(d) else { throw typeError("int(): cannot convert '\(s)'") }
            return .int(i)
        default:
            throw typeError("int() cannot convert \(ExpressionOperations.typeName(value))")
        }
    }

    /// `float(x)`: numbers and numeric strings become floats; null stays null.
    static func toFloat(_ value: Value) throws(EvaluationError) -> Value {
        switch value {
        case .null: return .null
        case .int(let i): return .double(Double(i))
        case .double: return value
        case .string(let s):
            guard let d = Double(s), d.isFinite else { throw typeError("float(): cannot convert '\(s)'") }
            return .double(d)
        default:
            throw typeError("float() cannot convert \(ExpressionOperations.typeName(value))")
        }
    }

    /// `string(x)`: null stays null, strings unchanged, anything else rendered as in
    /// templates (`Value.renderedForTemplate()`).
    static func toString(_ value: Value) -> Value {
        switch value {
        case .null, .string: return value
        default: return .string(value.renderedForTemplate())
        }
    }

    /// Mean Earth radius (IUGG), in kilometres.
    static let earthRadiusKm = 6371.0088

    /// `distance_km(lat1, lon1, lat2, lon2)`: great-circle distance by the haversine
    /// formula, in km; degrees in. Any null argument gives null.
    static func distanceKm(_ arguments: [Value]) throws(EvaluationError) -> Value {
        var degrees: [Double] = []
        degrees.reserveCapacity(4)
        var sawNull = false
        for argument in arguments {
            switch argument {
            case .null: sawNull = true
            case .int, .double: degrees.append(argument.doubleValue ?? 0)
            default: throw typeError("distance_km() needs numbers, not \(ExpressionOperations.typeName(argument))")
            }
        }
        if sawNull { return .null }
        let toRadians = Double.pi / 180
        let lat1 = degrees[0] * toRadians, lon1 = degrees[1] * toRadians
        let lat2 = degrees[2] * toRadians, lon2 = degrees[3] * toRadians
        let sinLat = sin((lat2 - lat1) / 2)
        let sinLon = sin((lon2 - lon1) / 2)
        let h = sinLat * sinLat + cos(lat1) * cos(lat2) * sinLon * sinLon
        let distance = 2 * earthRadiusKm * asin(Swift.min(1, h.squareRoot()))
        guard distance.isFinite else { throw typeError("distance_km(): coordinates out of range") }
        return .double(distance)
    }
}
