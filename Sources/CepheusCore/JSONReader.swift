/// A strict RFC 8259 JSON parser producing `Value`s in a single pass over UTF-8 bytes.
///
/// Rejects invalid UTF-8 (overlong forms, UTF-8-encoded surrogates, truncated
/// sequences, bytes above 0xF4), invalid and unpaired-surrogate `\u` escapes, raw
/// control characters in strings, leading zeros, `NaN`/`Infinity`, numbers that
/// overflow `Double`, nesting deeper than `maxDepth`, and anything but whitespace after
/// the value. Integers that fit `Int64` become `.int` (so `-0` is `.int(0)`); every other
/// number becomes a correctly rounded `.double`. A repeated object key keeps the
/// position of its first occurrence and the value of its last (`JSONObject`'s
/// subscript semantics). Error offsets are 0-based byte offsets.
public struct JSONReader {
    /// The deepest nesting of arrays and objects accepted (a top-level `[]` is depth 1).
    public static let maxDepth = 64

    /// Parses one JSON text.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> Value {
        var reader = JSONReader(bytes)
        return try reader.document()
    }

    /// Parses one JSON text and also returns the source text of the number under
    /// `capturingNumberOf` in the top-level object, if there is one (event ids keep a
    /// numeric id exactly as written, rules.md section 1).
    public static func parse(_ bytes: ArraySlice<UInt8>, capturingNumberOf key: String) throws(JSONError) -> (Value, String?) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> (Value, String?) in
                var reader = JSONReader(raw)
                reader.captureKey = key
                let value = try reader.document()
                return (value, reader.capturedNumber)
            }
        }.get()
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> Value {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> Value in try parse(raw) }
        }.get()
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> Value {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> Value in try parse(raw) }
        }.get()
    }

    /// Parses one JSON text from the string's UTF-8 (without copying a native string).
    public static func parse(_ text: String) throws(JSONError) -> Value {
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(JSONError) -> Value in try parse(UnsafeRawBufferPointer(utf8)) }
        }.get()
    }

    // MARK: - State

    private let bytes: UnsafeRawBufferPointer
    private let count: Int
    private var index = 0
    /// Reused for strings that contain escapes.
    private var scratch: [UInt8] = []
    /// A top-level key whose number value's source text is kept.
    private var captureKey: String?
    private var capturedNumber: String?

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.count = bytes.count
    }

    // MARK: - Grammar

    private mutating func document() throws(JSONError) -> Value {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < count { throw JSONError(message: JSONError.trailingCharacters, offset: index) }
        return value
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> Value {
        guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpectedCharacter(at: index)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in text {
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            guard bytes[index] == expected else { throw unexpectedCharacter(at: index) }
            index += 1
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> Value {
        if depth > Self.maxDepth { throw JSONError(message: JSONError.tooDeep, offset: index) }
        index += 1
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        var elements: [Value] = []
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> Value {
        if depth > Self.maxDepth { throw JSONError(message: JSONError.tooDeep, offset: index) }
        index += 1
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        var keys: [String] = []
        var values: [Value] = []
        keys.reserveCapacity(12)
        values.reserveCapacity(12)
        // A 256-bit filter of the keys: only when two keys land on the same
        // bit is the object checked for duplicates (most objects never are).
        var filter: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var mayHaveDuplicates = false
        while true {
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw unexpectedCharacter(at: index) }
            let key = try parseString()
            // Hash the decoded key: "\u0061" and "a" are the same key.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            let bit = UInt64(1) << (hash & 63)
            switch (hash >> 6) & 3 {
            case 0: mayHaveDuplicates = mayHaveDuplicates || filter.0 & bit != 0; filter.0 |= bit
            case 1: mayHaveDuplicates = mayHaveDuplicates || filter.1 & bit != 0; filter.1 |= bit
            case 2: mayHaveDuplicates = mayHaveDuplicates || filter.2 & bit != 0; filter.2 |= bit
            default: mayHaveDuplicates = mayHaveDuplicates || filter.3 & bit != 0; filter.3 |= bit
            }
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            guard bytes[index] == UInt8(ascii: ":") else { throw unexpectedCharacter(at: index) }
            index += 1
            skipWhitespace()
            let valueStart = index
            let value = try parseValue(depth: depth)
            if depth == 1, let captureKey, key == captureKey {
                switch value {
                case .int, .double:
                    capturedNumber = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<index]), as: UTF8.self)
                default:
                    capturedNumber = nil
                }
            }
            keys.append(key)
            values.append(value)
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                if mayHaveDuplicates && Self.hasDuplicates(keys) {
                    var object = JSONObject()
                    for (key, value) in zip(keys, values) { object[key] = value }
                    return .object(object)
                }
                return .object(JSONObject(keys: keys, values: values))
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    /// Whether a key repeats (by `String` equality, as `JSONObject`'s subscript compares).
    /// Pairwise for small objects, a set for larger ones: linear overall.
    private static func hasDuplicates(_ keys: [String]) -> Bool {
        let n = keys.count
        if n < 2 { return false }
        // Pairwise up to 24 keys: short keys compare as raw small-string bits, far
        // cheaper than hashing every key into a set.
        if n <= 24 {
            for i in 1..<n {
                for j in 0..<i where keys[i] == keys[j] { return true }
            }
            return false
        }
        var seen = Set<String>(minimumCapacity: n)
        for key in keys where !seen.insert(key).inserted { return true }
        return false
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote.
    private mutating func parseString() throws(JSONError) -> String {
        let quote = index
        index += 1
        let start = index
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(quote: quote, start: start) }
            if byte < 0x20 { throw JSONError(message: JSONError.controlCharacter, offset: index) }
            if byte < 0x80 { index += 1 } else { try skipUTF8Sequence() }
        }
        throw JSONError(message: JSONError.unterminatedString, offset: quote)
    }

    /// The slow path: the string has an escape at `index`; `start...` is already valid.
    private mutating func parseEscapedString(quote: Int, start: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var run = start
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                try decodeEscape(quote: quote)
                run = index
                continue
            }
            if byte < 0x20 { throw JSONError(message: JSONError.controlCharacter, offset: index) }
            if byte < 0x80 { index += 1 } else { try skipUTF8Sequence() }
        }
        throw JSONError(message: JSONError.unterminatedString, offset: quote)
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`.
    private mutating func decodeEscape(quote: Int) throws(JSONError) {
        let backslash = index
        index += 1
        guard index < count else { throw JSONError(message: JSONError.unterminatedString, offset: quote) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4(backslash: backslash, quote: quote)
            var scalar = unit
            if unit >= 0xD800, unit <= 0xDBFF {
                guard index + 1 < count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw JSONError(message: JSONError.unpairedSurrogate, offset: backslash)
                }
                let lowBackslash = index
                index += 2
                let low = try hex4(backslash: lowBackslash, quote: quote)
                guard low >= 0xDC00, low <= 0xDFFF else {
                    throw JSONError(message: JSONError.unpairedSurrogate, offset: backslash)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if unit >= 0xDC00, unit <= 0xDFFF {
                throw JSONError(message: JSONError.unpairedSurrogate, offset: backslash)
            }
            appendUTF8(scalar)
        default:
            throw JSONError(message: JSONError.invalidEscape, offset: backslash)
        }
    }

    private mutating func hex4(backslash: Int, quote: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < count else { throw JSONError(message: JSONError.unterminatedString, offset: quote) }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw JSONError(message: JSONError.invalidEscape, offset: backslash)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence starting at `index` and moves past it.
    @inline(__always)
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let length = Self.utf8SequenceLength(bytes, at: index)
        if length == 0 { throw JSONError(message: JSONError.invalidUTF8, offset: index) }
        index += length
    }

    /// The length of the well-formed UTF-8 sequence at `i` (which starts with a byte
    /// `>= 0x80`), or 0 when it is ill-formed or truncated (Unicode table 3-7).
    private static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
        @inline(__always) func inRange(_ j: Int, _ low: UInt8, _ high: UInt8) -> Bool {
            j < bytes.count && bytes[j] >= low && bytes[j] <= high
        }
        switch bytes[i] {
        case 0xC2...0xDF:
            return inRange(i + 1, 0x80, 0xBF) ? 2 : 0
        case 0xE0:
            return inRange(i + 1, 0xA0, 0xBF) && inRange(i + 2, 0x80, 0xBF) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return inRange(i + 1, 0x80, 0xBF) && inRange(i + 2, 0x80, 0xBF) ? 3 : 0
        case 0xED:
            return inRange(i + 1, 0x80, 0x9F) && inRange(i + 2, 0x80, 0xBF) ? 3 : 0
        case 0xF0:
            return inRange(i + 1, 0x90, 0xBF) && inRange(i + 2, 0x80, 0xBF) && inRange(i + 3, 0x80, 0xBF) ? 4 : 0
        case 0xF1...0xF3:
            return inRange(i + 1, 0x80, 0xBF) && inRange(i + 2, 0x80, 0xBF) && inRange(i + 3, 0x80, 0xBF) ? 4 : 0
        case 0xF4:
            return inRange(i + 1, 0x80, 0x8F) && inRange(i + 2, 0x80, 0xBF) && inRange(i + 3, 0x80, 0xBF) ? 4 : 0
        default:
            return 0
        }
    }

    /// A `String` from bytes already validated as UTF-8 (one copy, no intermediate array).
    @inline(__always)
    private static func makeString(_ utf8: UnsafeRawBufferPointer) -> String {
        if utf8.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: utf8)
            return utf8.count
        }
    }

    // MARK: - Numbers

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Reads a run of decimal digits into `value` (times ten per digit, noting
    /// overflow); returns how many digits there were.
    private mutating func accumulateDigits(into value: inout UInt64, overflow: inout Bool) -> Int {
        var digits = 0
        while index < count, Self.isDigit(bytes[index]) {
            let (product, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = product.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            index += 1
        }
        return digits
    }

    private mutating func parseNumber() throws(JSONError) -> Value {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < count, Self.isDigit(bytes[index]) else {
            throw JSONError(message: JSONError.invalidNumber, offset: start)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < count, Self.isDigit(bytes[index]) {
                throw JSONError(message: JSONError.invalidNumber, offset: start)
            }
        } else {
            _ = accumulateDigits(into: &magnitude, overflow: &overflow)
        }
        var integral = true
        var fractionDigits = 0
        var mantissa = magnitude
        if index < count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard index < count, Self.isDigit(bytes[index]) else {
                throw JSONError(message: JSONError.invalidNumber, offset: start)
            }
            fractionDigits = accumulateDigits(into: &mantissa, overflow: &overflow)
        }
        var hasExponent = false
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            hasExponent = true
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, Self.isDigit(bytes[index]) else {
                throw JSONError(message: JSONError.invalidNumber, offset: start)
            }
            while index < count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if integral, !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= Int64.min.magnitude { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        // Clinger's fast path: a mantissa below 2^53 divided by an exact power of ten
        // (at most 10^22) is correctly rounded, like the slow path below.
        if !hasExponent, !overflow, mantissa < (1 << 53), fractionDigits <= 22 {
            let value = Double(mantissa) / Self.powersOfTen[fractionDigits]
            return .double(negative ? -value : value)
        }
        // The grammar is checked above, so Swift's (correctly rounded) parser sees only
        // plain decimal syntax.
        let text = Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        guard let double = Double(text), double.isFinite else {
            throw JSONError(message: JSONError.numberOutOfRange, offset: start)
        }
        return .double(double)
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - Errors

    /// `unexpected character 'x'` for the character at `offset` (or `invalid UTF-8`).
    private func unexpectedCharacter(at offset: Int) -> JSONError {
        let byte = bytes[offset]
        let shown: String
        switch byte {
        case 0x21...0x7E:
            shown = "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x80:
            shown = "U+" + Self.hex4String(UInt32(byte))
        default:
            let length = Self.utf8SequenceLength(bytes, at: offset)
            if length == 0 { return JSONError(message: JSONError.invalidUTF8, offset: offset) }
            let text = Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
            let scalar = text.unicodeScalars.first!.value
            shown = "'\(text)' (U+\(Self.hex4String(scalar)))"
        }
        return JSONError(message: JSONError.unexpectedCharacter(shown), offset: offset)
    }

    private static func hex4String(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
