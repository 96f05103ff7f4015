import CepheusCore

/// The operators of the expression language over `Value`s (rules.md section 4):
/// member access and indexing, equality, ordering, arithmetic, logic and `in`.
/// Strings compare by Unicode scalar values; numbers by value, an `Int64` against a
/// `Double` exactly (no rounding of large integers).
enum ExpressionOperations {
    static func typeError(_ message: String) -> EvaluationError {
        EvaluationError(message: message)
    }

    /// The name of a value's type for messages.
    static func typeName(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "string"
        case .array: return "list"
        case .object: return "object"
        }
    }

    // MARK: Member access and indexing

    /// `value.name`: the field of an object (null when missing); over a list, the field
    /// of each element (null for a missing field or a non-object element); null on
    /// anything else.
    static func member(_ value: Value, _ name: String) -> Value {
        switch value {
        case .object(let object):
            return object[name] ?? .null
        case .array(let elements):
            return .array(elements.map { element in
                if case .object(let object) = element { return object[name] ?? .null }
                return .null
            })
        default:
            return .null
        }
    }

    /// `value[index]`: list by int (negative counts from the end), object by string,
    /// string by int (the Unicode scalar there, as a string). Out of range, a null base
    /// or a null index: null. An index of the wrong type, or indexing a bool or number:
    /// a type error.
    static func index(_ value: Value, _ index: Value) throws(EvaluationError) -> Value {
        if case .null = value { return .null }
        if case .null = index { return .null }
        switch value {
        case .array(let elements):
            let position = try integerIndex(index, of: value)
            guard let resolved = resolve(position, count: elements.count) else { return .null }
            return elements[resolved]
        case .object(let object):
            guard case .string(let key) = index else {
                throw typeError("cannot index an object with \(typeName(index)); use a string key")
            }
            return object[key] ?? .null
        case .string(let string):
            let position = try integerIndex(index, of: value)
            let scalars = string.unicodeScalars
            guard let resolved = resolve(position, count: scalars.count) else { return .null }
            return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: resolved)]))
        default:
            throw typeError("cannot index \(typeName(value))")
        }
    }

    private static func integerIndex(_ index: Value, of value: Value) throws(EvaluationError) -> Int64 {
        switch index {
        case .int(let i):
            return i
        case .double(let d) where d.rounded(.towardZero) == d && Swift.abs(d) < 9.0e15:
            return Int64(d)
        default:
            throw typeError("cannot index a \(typeName(value)) with \(typeName(index)); use an integer")
        }
    }

    private static func resolve(_ position: Int64, count: Int) -> Int? {
        let count64 = Int64(count)
        let resolved = position < 0 ? position + count64 : position
        guard resolved >= 0, resolved < count64 else { return nil }
        return Int(resolved)
    }

    // MARK: Equality and ordering

    /// `a == b`: both null, or equal; numbers by value, lists and objects deeply
    /// (object key order ignored); values of different types are not equal.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null):
            return true
        case (.bool(let x), .bool(let y)):
            return x == y
        case (.int(let x), .int(let y)):
            return x == y
        case (.double(let x), .double(let y)):
            return x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
            return compare(x, y) == 0
        case (.string(let x), .string(let y)):
            return sameScalars(x, y)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for (left, right) in zip(x, y) where !equal(left, right) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, left) in x.pairs {
                guard let right = y[key], equal(left, right) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Strings equal by Unicode scalars (not by Swift's canonical equivalence).
    static func sameScalars(_ x: String, _ y: String) -> Bool {
        // Same scalars means same UTF-8 bytes: compare lengths, then the bytes.
        guard x.utf8.count == y.utf8.count else { return false }
        var x = x, y = y
        return x.withUTF8 { a in
            y.withUTF8 { b in
                for i in 0..<a.count where a[i] != b[i] { return false }
                return true
            }
        }
    }

    /// The sign of `i - d` computed exactly: -1, 0 or 1; `nil` when `d` is NaN.
    static func compare(_ i: Int64, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let floor = d.rounded(.down)
        let floorInt = Int64(floor)
        if i < floorInt { return -1 }
        if i > floorInt { return 1 }
        return d > floor ? -1 : 0
    }

    /// The sign of `a - b` for two numbers; `nil` when either is not a number or NaN.
    static func compareNumbers(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.int(let x), .double(let y)):
            return compare(x, y)
        case (.double(let x), .int(let y)):
            return compare(y, x).map { -$0 }
        default:
            return nil
        }
    }

    /// `<` `<=` `>` `>=`: `true` when the sign of `a - b` is accepted by `accept`. A
    /// null side gives false; numbers by value; strings by Unicode scalars; anything
    /// else is a type error.
    @inline(__always)
    static func ordered(_ a: Value, _ b: Value, _ symbol: String, _ accept: (Int) -> Bool) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null):
            return .bool(false)
        case (.string(let x), .string(let y)):
            return .bool(accept(compareScalars(x, y)))
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            guard let sign = compareNumbers(a, b) else { return .bool(false) }
            return .bool(accept(sign))
        default:
            throw typeError("cannot compare \(typeName(a)) \(symbol) \(typeName(b))")
        }
    }

    /// Lexicographic comparison by Unicode scalar values (UTF-8 byte order is the same).
    static func compareScalars(_ x: String, _ y: String) -> Int {
        var left = x.utf8.makeIterator()
        var right = y.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let l?, let r?):
                if l != r { return l < r ? -1 : 1 }
            }
        }
    }

    // MARK: Arithmetic

    @inline(__always)
    private static func finite(_ d: Double, _ symbol: String) throws(EvaluationError) -> Value {
        guard d.isFinite else { throw typeError("float overflow in '\(symbol)'") }
        return .double(d)
    }

    /// `a + b`: numbers, string concatenation, list concatenation; null with null.
    static func add(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            if overflow { throw typeError("integer overflow in '+'") }
            return .int(sum)
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.array(let x), .array(let y)): return .array(x + y)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw typeError("cannot add \(typeName(a)) and \(typeName(b))")
            }
            return try finite(x + y, "+")
        }
    }

    static func subtract(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)):
            let (difference, overflow) = x.subtractingReportingOverflow(y)
            if overflow { throw typeError("integer overflow in '-'") }
            return .int(difference)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw typeError("cannot subtract \(typeName(b)) from \(typeName(a))")
            }
            return try finite(x - y, "-")
        }
    }

    static func multiply(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)):
            let (product, overflow) = x.multipliedReportingOverflow(by: y)
            if overflow { throw typeError("integer overflow in '*'") }
            return .int(product)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw typeError("cannot multiply \(typeName(a)) by \(typeName(b))")
            }
            return try finite(x * y, "*")
        }
    }

    /// `a / b`: integer division truncating toward zero for two ints; a zero divisor is
    /// a type error.
    static func divide(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)):
            if y == 0 { throw typeError("division by zero") }
            let (quotient, overflow) = x.dividedReportingOverflow(by: y)
            if overflow { throw typeError("integer overflow in '/'") }
            return .int(quotient)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw typeError("cannot divide \(typeName(a)) by \(typeName(b))")
            }
            if y == 0 { throw typeError("division by zero") }
            return try finite(x / y, "/")
        }
    }

    /// `a % b`: Swift's `%` (sign of the dividend) for ints, `truncatingRemainder` for
    /// floats; a zero divisor is a type error.
    static func remainder(_ a: Value, _ b: Value) throws(EvaluationError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)):
            if y == 0 { throw typeError("modulo by zero") }
            let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
            if overflow { return .int(0) }  // Int64.min % -1 is mathematically 0
            return .int(remainder)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw typeError("cannot take \(typeName(a)) modulo \(typeName(b))")
            }
            if y == 0 { throw typeError("modulo by zero") }
            return try finite(x.truncatingRemainder(dividingBy: y), "%")
        }
    }

    /// Unary `-`: negates a number; null stays null.
    static func negate(_ a: Value) throws(EvaluationError) -> Value {
        switch a {
        case .null: return .null
        case .int(let x):
            guard x != Int64.min else { throw typeError("integer overflow in unary '-'") }
            return .int(-x)
        case .double(let x): return .double(-x)
        default: throw typeError("cannot negate \(typeName(a))")
        }
    }

    /// `!` / `not`: negates a bool; `!null` is null (a null condition is false either way).
    static func not(_ a: Value) throws(EvaluationError) -> Value {
        switch a {
        case .null: return .null
        case .bool(let x): return .bool(!x)
        default: throw typeError("'!' needs a bool, not \(typeName(a))")
        }
    }

    /// The operand of `&&`, `||` or `!` as a three-valued bool: `nil` for null.
    @inline(__always)
    static func logical(_ a: Value, _ symbol: String) throws(EvaluationError) -> Bool? {
        switch a {
        case .bool(let x): return x
        case .null: return nil
        default: throw typeError("'\(symbol)' needs bool operands, not \(typeName(a))")
        }
    }

    // MARK: Membership

    /// `element in container`: list membership by `==`; object key membership (a
    /// non-string element is not a key); substring of a string (a null element gives
    /// false, another non-string a type error); a null container gives false.
    static func isMember(_ element: Value, of container: Value) throws(EvaluationError) -> Bool {
        switch container {
        case .null:
            return false
        case .array(let elements):
            return elements.contains { equal($0, element) }
        case .object(let object):
            guard case .string(let key) = element else { return false }
            return object.keys.contains { sameScalars($0, key) }
        case .string(let string):
            switch element {
            case .string(let part): return containsScalars(string, part)
            case .null: return false
            default: throw typeError("cannot look for \(typeName(element)) in a string")
            }
        default:
            throw typeError("'in' needs a list, object or string on the right, not \(typeName(container))")
        }
    }

    // MARK: Strings by Unicode scalars

    /// `true` when `part` occurs in `string`, comparing Unicode scalars.
    static func containsScalars(_ string: String, _ part: String) -> Bool {
        let needle = Array(part.utf8)
        if needle.isEmpty { return true }
        let haystack = Array(string.utf8)
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var matched = true
                var offset = 1
                while offset < needle.count {
                    if haystack[start + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    offset += 1
                }
                if matched { return true }
            }
            start += 1
        }
        return false
    }

    static func hasPrefixScalars(_ string: String, _ prefix: String) -> Bool {
        string.utf8.starts(with: prefix.utf8)
    }

    static func hasSuffixScalars(_ string: String, _ suffix: String) -> Bool {
        let count = suffix.utf8.count
        guard string.utf8.count >= count else { return false }
        return string.utf8.suffix(count).elementsEqual(suffix.utf8)
    }
}
