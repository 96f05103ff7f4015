/// A strict RFC 8259 JSON parser that writes a flat tape (`TapeEntry`s plus a string
/// area) instead of a tree: one pass over the bytes, no allocation per field once its
/// scratch buffers have grown, member names interned through a lock-free local cache.
/// `Event`s are built from its output; `JSONReader` materializes `Value`s from it.
///
/// Rejects invalid UTF-8 (overlong forms, UTF-8-encoded surrogates, truncated
/// sequences, bytes above 0xF4), invalid and unpaired-surrogate `\u` escapes, raw
/// control characters in strings, leading zeros, `NaN`/`Infinity`, numbers that
/// overflow `Double`, nesting deeper than `maxDepth`, and anything but whitespace after
/// the value. Integers that fit `Int64` are `int` (so `-0` is `int 0`); every other
/// number is a correctly rounded `double`. Error offsets are 0-based byte offsets.
public struct TapeParser {
    /// The deepest nesting of arrays and objects accepted (a top-level `[]` is depth 1).
    public static let maxDepth = 64

    /// The entries of the last text parsed (entry 0 is its root).
    public private(set) var entries: [TapeEntry] = []
    /// The bytes of its strings and member names (decoded), and of kept number texts.
    public private(set) var strings: [UInt8] = []
    /// A top-level member whose number keeps its source text (event ids).
    public var keptNumberName: Int32?

    private var names: FieldNameCache
    private var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    private var count = 0
    private var index = 0
    private var rootFlags: UInt8 = 0

    public init(keepingNumberTextOf name: Int32? = nil) {
        self.init(keepingNumberTextOf: name, names: .shared)
    }

    /// A parser that interns member names in `names` (tests use a full table).
    init(keepingNumberTextOf name: Int32? = nil, names table: FieldNames) {
        names = FieldNameCache(table: table)
        keptNumberName = name
        entries.reserveCapacity(32)
        strings.reserveCapacity(256)
    }

    /// Parses one JSON text into `entries` and `strings` (replacing what was there).
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(JSONError) {
        entries.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
        rootFlags = 0
        bytes = input
        count = input.count
        index = 0
        defer { bytes = UnsafeRawBufferPointer(start: nil, count: 0) }
        skipWhitespace()
        try parseValue(name: TapeEntry.noName, depth: 0)
        skipWhitespace()
        if index < count { throw JSONError(message: JSONError.trailingCharacters, offset: index) }
        entries[0].flags |= rootFlags
    }

    /// Appends bytes to the string area (after a parse) and returns their offset.
    public mutating func appendString(_ text: UnsafeRawBufferPointer) -> UInt32 {
        let start = UInt32(strings.count)
        strings.append(contentsOf: text)
        return start
    }

    /// Runs `body` over the tape of the last text parsed.
    public func withTape<Result>(_ body: (TapeView) throws -> Result) rethrows -> Result {
        try entries.withUnsafeBufferPointer { entryBuffer in
            try strings.withUnsafeBytes { stringBytes in
                try body(TapeView(entries: entryBuffer.baseAddress!, count: entryBuffer.count, strings: stringBytes.baseAddress))
            }
        }
    }

    // MARK: - Grammar

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(name: Int32, depth: Int) throws(JSONError) {
        guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let (start, length) = try parseString()
            entries.append(TapeEntry(name: name, kind: .string, start: start, length: length))
        case UInt8(ascii: "{"): try parseObject(name: name, depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(name: name, depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber(name: name, keepText: depth == 1 && name == keptNumberName && name >= 0)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            entries.append(TapeEntry(name: name, kind: .bool, payload: 1))
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            entries.append(TapeEntry(name: name, kind: .bool, payload: 0))
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            entries.append(TapeEntry(name: name, kind: .null))
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

    private mutating func parseArray(name: Int32, depth: Int) throws(JSONError) {
        if depth > Self.maxDepth { throw JSONError(message: JSONError.tooDeep, offset: index) }
        index += 1
        let container = entries.count
        entries.append(TapeEntry(name: name, kind: .array))
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            entries[container].start = UInt32(entries.count)
            return
        }
        var children: UInt32 = 0
        while true {
            try parseValue(name: TapeEntry.noName, depth: depth)
            children += 1
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                entries[container].start = UInt32(entries.count)
                entries[container].length = children
                return
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    private mutating func parseObject(name: Int32, depth: Int) throws(JSONError) {
        if depth > Self.maxDepth { throw JSONError(message: JSONError.tooDeep, offset: index) }
        index += 1
        let container = entries.count
        entries.append(TapeEntry(name: name, kind: .object))
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            entries[container].start = UInt32(entries.count)
            return
        }
        // A 256-bit filter of the member names: only when two land on the same bit is
        // the object checked for duplicates (most objects never are).
        var filter: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var mayHaveDuplicates = false
        var children: UInt32 = 0
        while true {
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw unexpectedCharacter(at: index) }
            let memberName = try parseMemberName()
            let bits = memberName >= 0 ? UInt64(memberName) : lastNameHash
            let bit = UInt64(1) << (bits & 63)
            switch (bits >> 6) & 3 {
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
            try parseValue(name: memberName, depth: depth)
            children += 1
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                entries[container].start = UInt32(entries.count)
                entries[container].length = children
                if mayHaveDuplicates && hasDuplicateMembers(container) {
                    entries[container].flags |= TapeEntry.hasDuplicatesFlag
                }
                return
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    /// FNV-1a hash of the last member name parsed (for the duplicate filter).
    private var lastNameHash: UInt64 = 0

    /// Parses a member name: its interned id, or `uninternedName` after appending a
    /// `.memberName` entry with its bytes. A name without escapes is looked up straight
    /// from the input bytes.
    private mutating func parseMemberName() throws(JSONError) -> Int32 {
        let quote = index
        var scan = index + 1
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        while scan < count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                let name = UnsafeRawBufferPointer(rebasing: bytes[(quote + 1)..<scan])
                index = scan + 1
                lastNameHash = hash
                if let id = names.id(for: name, hash: hash) { return id }
                let start = UInt32(strings.count)
                strings.append(contentsOf: name)
                return uninterned(start: start, length: UInt32(name.count))
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            scan += 1
        }
        // Escapes, non-ASCII or malformed: the full string parser (and its errors).
        let (start, length) = try parseString()
        var decodedHash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in strings[Int(start)...] { decodedHash = (decodedHash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        lastNameHash = decodedHash
        let id = strings.withUnsafeBytes { area in
            names.id(for: UnsafeRawBufferPointer(rebasing: area[Int(start)..<Int(start + length)]), hash: decodedHash)
        }
        if let id {
            strings.removeLast(Int(length))
            return id
        }
        return uninterned(start: start, length: length)
    }

    private mutating func uninterned(start: UInt32, length: UInt32) -> Int32 {
        rootFlags |= TapeEntry.hasUninternedFlag
        entries.append(TapeEntry(name: TapeEntry.noName, kind: .memberName, start: start, length: length))
        return TapeEntry.uninternedName
    }

    /// Whether the object at `container` has a repeated member name.
    private func hasDuplicateMembers(_ container: Int) -> Bool {
        var members: [Int] = []
        var i = container + 1
        let end = Int(entries[container].start)
        while i < end {
            if entries[i].kind == .memberName { i += 1 }
            members.append(i)
            i = entries[i].next(after: i)
        }
        for a in 1..<max(1, members.count) {
            for b in 0..<a where sameName(members[a], members[b]) { return true }
        }
        return false
    }

    private func sameName(_ a: Int, _ b: Int) -> Bool {
        let nameA = entries[a].name, nameB = entries[b].name
        if nameA >= 0 || nameB >= 0 { return nameA == nameB }
        let x = entries[a - 1], y = entries[b - 1]
        return x.length == y.length && strings[Int(x.start)..<Int(x.start + x.length)] == strings[Int(y.start)..<Int(y.start + y.length)]
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote into the string area; returns its
    /// offset and length.
    private mutating func parseString() throws(JSONError) -> (UInt32, UInt32) {
        let quote = index
        index += 1
        let start = index
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let offset = UInt32(strings.count)
                strings.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return (offset, UInt32(index - 1 - start))
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(quote: quote, start: start) }
            if byte < 0x20 { throw JSONError(message: JSONError.controlCharacter, offset: index) }
            if byte < 0x80 { index += 1 } else { try skipUTF8Sequence() }
        }
        throw JSONError(message: JSONError.unterminatedString, offset: quote)
    }

    /// The slow path: the string has an escape at `index`; `start...` is already valid.
    private mutating func parseEscapedString(quote: Int, start: Int) throws(JSONError) -> (UInt32, UInt32) {
        let offset = strings.count
        var run = start
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                strings.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                return (UInt32(offset), UInt32(strings.count - offset))
            }
            if byte == UInt8(ascii: "\\") {
                strings.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                try decodeEscape(quote: quote)
                run = index
                continue
            }
            if byte < 0x20 { throw JSONError(message: JSONError.controlCharacter, offset: index) }
            if byte < 0x80 { index += 1 } else { try skipUTF8Sequence() }
        }
        throw JSONError(message: JSONError.unterminatedString, offset: quote)
    }

    /// Decodes the escape at `index` (a backslash) into the string area.
    private mutating func decodeEscape(quote: Int) throws(JSONError) {
        let backslash = index
        index += 1
        guard index < count else { throw JSONError(message: JSONError.unterminatedString, offset: quote) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): strings.append(byte)
        case UInt8(ascii: "b"): strings.append(0x08)
        case UInt8(ascii: "f"): strings.append(0x0C)
        case UInt8(ascii: "n"): strings.append(0x0A)
        case UInt8(ascii: "r"): strings.append(0x0D)
        case UInt8(ascii: "t"): strings.append(0x09)
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
            strings.append(UInt8(scalar))
        case 0x80..<0x800:
            strings.append(UInt8(0xC0 | scalar >> 6))
            strings.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            strings.append(UInt8(0xE0 | scalar >> 12))
            strings.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            strings.append(UInt8(0x80 | scalar & 0x3F))
        default:
            strings.append(UInt8(0xF0 | scalar >> 18))
            strings.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            strings.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            strings.append(UInt8(0x80 | scalar & 0x3F))
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
    static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
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

    // MARK: - Numbers

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Reads a run of decimal digits into `value` (times ten per digit, noting
    /// overflow); returns how many digits there were.
    @inline(__always)
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

    private mutating func parseNumber(name: Int32, keepText: Bool) throws(JSONError) {
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
        var entry: TapeEntry
        if integral, !overflow, !negative, magnitude <= UInt64(Int64.max) {
            entry = TapeEntry(name: name, kind: .int, payload: magnitude)
        } else if integral, !overflow, negative, magnitude <= Int64.min.magnitude {
            entry = TapeEntry(name: name, kind: .int, payload: UInt64(bitPattern: Int64(truncatingIfNeeded: 0 &- magnitude)))
        } else if !hasExponent, !overflow, mantissa < (1 << 53), fractionDigits <= 22 {
            // Clinger's fast path: a mantissa below 2^53 divided by an exact power of
            // ten (at most 10^22) is correctly rounded, like the slow path below.
            let value = Double(mantissa) / Self.powersOfTen[fractionDigits]
            entry = TapeEntry(name: name, kind: .double, payload: (negative ? -value : value).bitPattern)
        } else {
            // The grammar is checked above, so Swift's (correctly rounded) parser sees
            // only plain decimal syntax.
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let double = Double(text), double.isFinite else {
                throw JSONError(message: JSONError.numberOutOfRange, offset: start)
            }
            entry = TapeEntry(name: name, kind: .double, payload: double.bitPattern)
        }
        if keepText {
            entry.start = UInt32(strings.count)
            entry.length = UInt32(index - start)
            strings.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        }
        entries.append(entry)
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
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
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
