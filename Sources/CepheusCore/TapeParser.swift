/// A strict RFC 8259 JSON parser that writes a flat tape (`TapeEntry`s plus a string
/// area) instead of a tree: one pass over the bytes, no allocation per field once its
/// scratch buffers have grown, member names interned through a lock-free local cache.
/// `Event`s are built from its output; `JSONReader` materializes `Value`s from it.
/// Its scratch buffers are objects: copies of a parser share them, so a parser must
/// be used by one thread (each worker keeps its own).
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
    let tape = GrowableBuffer<TapeEntry>(capacity: 32)
    /// The bytes of its strings and member names (decoded), and of kept number texts.
    let text = GrowableBuffer<UInt8>(capacity: 256)

    /// A copy of the entries of the last text parsed (entry 0 is its root).
    public var entries: [TapeEntry] { Array(tape.buffer) }
    /// A copy of its string area.
    public var strings: [UInt8] { Array(text.buffer) }
    /// How many entries the last text has.
    public var entryCount: Int { tape.count }
    /// Entry `index` of the last text parsed.
    @inline(__always)
    public func entry(_ index: Int) -> TapeEntry { tape[index] }
    /// A top-level member whose number keeps its source text (event ids).
    public var keptNumberName: Int32?
    /// Up to three top-level member names whose value entries `parse` notes in
    /// `watchedEntries` (an event decoder's time, id and control fields).
    public var watchedNames: (Int32, Int32, Int32) = (TapeEntry.noName, TapeEntry.noName, TapeEntry.noName)
    /// The value entries of the `watchedNames` in the last text (-1: absent; the last
    /// one when a name repeats, as `TapeView.member` finds).
    public internal(set) var watchedEntries: (Int, Int, Int) = (-1, -1, -1)

    private var names: FieldNameCache
    var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    var count = 0
    var index = 0
    private var rootFlags: UInt8 = 0

    public init(keepingNumberTextOf name: Int32? = nil) {
        self.init(keepingNumberTextOf: name, names: .shared)
    }

    /// A parser that interns member names in `names` (tests use a full table).
    init(keepingNumberTextOf name: Int32? = nil, names table: FieldNames) {
        names = FieldNameCache(table: table)
        keptNumberName = name
    }

    /// Parses one JSON text into `entries` and `strings` (replacing what was there).
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(JSONError) {
        tape.removeAll()
        text.removeAll()
        rootFlags = 0
        watchedEntries = (-1, -1, -1)
        bytes = input
        count = input.count
        index = 0
        defer { bytes = UnsafeRawBufferPointer(start: nil, count: 0) }
        skipWhitespace()
        try parseValue(name: TapeEntry.noName, depth: 0)
        skipWhitespace()
        if index < count { throw JSONError(message: JSONError.trailingCharacters, offset: index) }
        tape[0].flags |= rootFlags
    }

    /// Appends bytes to the string area (after a parse) and returns their offset.
    public mutating func appendString(_ text: UnsafeRawBufferPointer) -> UInt32 {
        let start = UInt32(self.text.count)
        self.text.append(contentsOf: text)
        return start
    }

    /// An event holding the last text parsed (an object), whose id is the `idLength`
    /// bytes at `idStart` of the string area.
    public func makeEvent(idStart: UInt32, idLength: UInt32, timestamp: Int64, sequence: Int64) -> Event {
        Event.make(
            entries: tape.buffer, strings: UnsafeRawBufferPointer(text.buffer), idStart: idStart, idLength: idLength,
            timestamp: timestamp, sequence: sequence)
    }

    /// Runs `body` over the tape of the last text parsed.
    public func withTape<Result>(_ body: (TapeView) throws -> Result) rethrows -> Result {
        try body(TapeView(entries: tape.base, count: tape.count, strings: UnsafeRawPointer(text.base)))
    }

    // MARK: - Grammar

    @inline(__always)
    private mutating func skipWhitespace() {
        // Compact JSON has none: one comparison says so (every token byte is above 0x20).
        while index < count, bytes[index] <= 0x20 {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(name: Int32, depth: Int) throws(JSONError) {
        guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
        let first = bytes[index]
        // Strings and numbers first, by plain comparisons (most values are one of them).
        if first == UInt8(ascii: "\"") {
            let (start, length) = try parseString()
            tape.append(TapeEntry(name: name, kind: .string, start: start, length: length))
            return
        }
        if first &- UInt8(ascii: "0") < 10 {
            try parseNumber(name: name, keepText: depth == 1 && name == keptNumberName && name >= 0)
            return
        }
        switch first {
        case UInt8(ascii: "{"): try parseObject(name: name, depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(name: name, depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber(name: name, keepText: depth == 1 && name == keptNumberName && name >= 0)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            tape.append(TapeEntry(name: name, kind: .bool, payload: 1))
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            tape.append(TapeEntry(name: name, kind: .bool, payload: 0))
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            tape.append(TapeEntry(name: name, kind: .null))
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
        let container = tape.count
        tape.append(TapeEntry(name: name, kind: .array))
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            tape[container].start = UInt32(tape.count)
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
                tape[container].start = UInt32(tape.count)
                tape[container].length = children
                return
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    private mutating func parseObject(name: Int32, depth: Int) throws(JSONError) {
        if depth > Self.maxDepth { throw JSONError(message: JSONError.tooDeep, offset: index) }
        index += 1
        let container = tape.count
        tape.append(TapeEntry(name: name, kind: .object))
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            tape[container].start = UInt32(tape.count)
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
            let memberName = try parseMemberName(position: depth == 1 ? Int(children) : -1)
            let bits = memberName >= 0 ? UInt64(memberName) : lastNameHash
            let bit = UInt64(1) << (bits & 63)
            // The filter's word is picked by index, not by a branch on it.
            withUnsafeMutableBytes(of: &filter) { words in
                let offset = Int((bits >> 6) & 3) &* 8
                let word = words.load(fromByteOffset: offset, as: UInt64.self)
                if word & bit != 0 { mayHaveDuplicates = true }
                words.storeBytes(of: word | bit, toByteOffset: offset, as: UInt64.self)
            }
            skipWhitespace()
            guard index < count else { throw JSONError(message: JSONError.unexpectedEnd, offset: index) }
            guard bytes[index] == UInt8(ascii: ":") else { throw unexpectedCharacter(at: index) }
            index += 1
            skipWhitespace()
            if depth == 1 {
                let valueIndex = tape.count
                if memberName == watchedNames.0 { watchedEntries.0 = valueIndex }
                if memberName == watchedNames.1 { watchedEntries.1 = valueIndex }
                if memberName == watchedNames.2 { watchedEntries.2 = valueIndex }
            }
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
                tape[container].start = UInt32(tape.count)
                tape[container].length = children
                if mayHaveDuplicates && hasDuplicateMembers(container) {
                    tape[container].flags |= TapeEntry.hasDuplicatesFlag
                }
                return
            default:
                throw unexpectedCharacter(at: index)
            }
        }
    }

    /// FNV-1a hash of the last member name parsed (for the duplicate filter).
    private var lastNameHash: UInt64 = 0

    /// The last few names seen at each top-level member position (most recent first):
    /// events of one stream mostly repeat their member order, or one of a few orders
    /// (a login's fourth member is `ok`, a payment's `amount`), so a name is usually
    /// recognised by one or two word comparisons per candidate, before any hashing.
    private struct PredictedName {
        var length = -1
        var low: UInt64 = 0
        var high: UInt64 = 0
        /// Which bits of the two words hold the name's bytes.
        var lowMask: UInt64 = 0
        var highMask: UInt64 = 0
        var id: Int32 = 0
    }

    /// The (up to) 16 bytes from `start` as two little-endian words, zero-padded past
    /// the end of the input.
    @inline(__always)
    private func wordsAt(_ start: Int) -> (UInt64, UInt64) {
        if start + 16 <= count {
            return (UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self)),
                    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)))
        }
        var words: (UInt64, UInt64) = (0, 0)
        let available = max(0, count - start)
        if available > 0 {
            withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: available) }
        }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1))
    }

    /// The mask of the first `length` bytes of a word (0...8).
    @inline(__always)
    private static func byteMask(_ length: Int) -> UInt64 {
        length >= 8 ? .max : (1 << UInt64(length * 8)) &- 1
    }

    private static let predictedPositions = 32
    private static let predictionWays = 4
    private var predictions = [PredictedName](repeating: PredictedName(), count: predictedPositions * predictionWays)

    /// Parses a member name: its interned id, or `uninternedName` after appending a
    /// `.memberName` entry with its bytes. A name without escapes is looked up straight
    /// from the input bytes; at a top-level `position`, first against the name the
    /// previous event had there.
    private mutating func parseMemberName(position: Int) throws(JSONError) -> Int32 {
        let start = index + 1
        if position >= 0, position < Self.predictedPositions {
            // The names seen at this position, compared before the name's end is even
            // looked for: their bytes and the closing quote after them. (A predicted
            // name was plain when it was recorded, so equal bytes are plain too.)
            let words = wordsAt(start)
            let base = position &* Self.predictionWays
            for way in 0..<Self.predictionWays {
                let predicted = predictions[base &+ way]
                if predicted.length < 0 { break }
                let end = start &+ predicted.length
                if words.0 & predicted.lowMask == predicted.low, words.1 & predicted.highMask == predicted.high,
                    end < count, bytes[end] == UInt8(ascii: "\"")
                {
                    index = end + 1
                    return predicted.id
                }
            }
        }
        let end = plainRunEnd(from: start)
        if end < count, bytes[end] == UInt8(ascii: "\"") {
            let length = end - start
            index = end + 1
            let name = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            lastNameHash = hash
            if let id = names.id(for: name, hash: hash) {
                if position >= 0, position < Self.predictedPositions, length <= 16 {
                    let base = position &* Self.predictionWays
                    for way in stride(from: Self.predictionWays - 1, to: 0, by: -1) {
                        predictions[base &+ way] = predictions[base &+ way &- 1]
                    }
                    let lowMask = Self.byteMask(min(length, 8))
                    let highMask = Self.byteMask(max(0, length - 8))
                    let words = wordsAt(start)
                    predictions[base] = PredictedName(
                        length: length, low: words.0 & lowMask, high: words.1 & highMask, lowMask: lowMask,
                        highMask: highMask, id: id)
                }
                return id
            }
            let offset = UInt32(text.count)
            text.append(contentsOf: name)
            return uninterned(start: offset, length: UInt32(name.count))
        }
        // Escapes, non-ASCII or malformed: the full string parser (and its errors).
        let (decodedStart, decodedLength) = try parseString()
        let decoded = text.bytes(Int(decodedStart), Int(decodedLength))
        var decodedHash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in decoded { decodedHash = (decodedHash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        lastNameHash = decodedHash
        if let id = names.id(for: decoded, hash: decodedHash) {
            text.removeLast(Int(decodedLength))
            return id
        }
        return uninterned(start: decodedStart, length: decodedLength)
    }

    private mutating func uninterned(start: UInt32, length: UInt32) -> Int32 {
        rootFlags |= TapeEntry.hasUninternedFlag
        tape.append(TapeEntry(name: TapeEntry.noName, kind: .memberName, start: start, length: length))
        return TapeEntry.uninternedName
    }

    /// Whether the object at `container` has a repeated member name.
    private func hasDuplicateMembers(_ container: Int) -> Bool {
        var members: [Int] = []
        var i = container + 1
        let end = Int(tape[container].start)
        while i < end {
            if tape[i].kind == .memberName { i += 1 }
            members.append(i)
            i = tape[i].next(after: i)
        }
        for a in 1..<max(1, members.count) {
            for b in 0..<a where sameName(members[a], members[b]) { return true }
        }
        return false
    }

    private func sameName(_ a: Int, _ b: Int) -> Bool {
        let nameA = tape[a].name, nameB = tape[b].name
        if nameA >= 0 || nameB >= 0 { return nameA == nameB }
        let x = tape[a - 1], y = tape[b - 1]
        guard x.length == y.length else { return false }
        let first: UnsafeRawBufferPointer = text.bytes(Int(x.start), Int(x.length))
        let second: UnsafeRawBufferPointer = text.bytes(Int(y.start), Int(y.length))
        return first.elementsEqual(second)
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote into the string area; returns its
    /// offset and length.
    private mutating func parseString() throws(JSONError) -> (UInt32, UInt32) {
        let quote = index
        let start = index + 1
        var scan = plainRunEnd(from: start)
        while scan < count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                let offset = UInt32(text.count)
                text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<scan]))
                index = scan + 1
                return (offset, UInt32(scan - start))
            }
            index = scan
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(quote: quote, start: start) }
            if byte < 0x20 { throw JSONError(message: JSONError.controlCharacter, offset: index) }
            try skipUTF8Sequence()
            scan = plainRunEnd(from: index)
        }
        throw JSONError(message: JSONError.unterminatedString, offset: quote)
    }

    /// The first index at or after `start` holding `"`, a backslash, a control
    /// character or a byte outside ASCII (or `count`), eight bytes at a time.
    @inline(__always)
    private func plainRunEnd(from start: Int) -> Int {
        var scan = start
        while scan + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: scan, as: UInt64.self))
            let special = Self.specialBytes(word)
            if special != 0 { return scan + special.trailingZeroBitCount >> 3 }
            scan += 8
        }
        while scan < count {
            let byte = bytes[scan]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { return scan }
            scan += 1
        }
        return scan
    }

    /// A mask with the high bit set in (at least) the first byte of `word` that is
    /// `"`, a backslash, below 0x20 or at/above 0x80 (bytes after the first flagged one
    /// may be flagged spuriously; only the lowest flag is used).
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl | word) & highBits
    }

    /// The slow path: the string has an escape at `index`; `start...` is already valid.
    private mutating func parseEscapedString(quote: Int, start: Int) throws(JSONError) -> (UInt32, UInt32) {
        let offset = text.count
        var run = start
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                return (UInt32(offset), UInt32(text.count - offset))
            }
            if byte == UInt8(ascii: "\\") {
                text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
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
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
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
            text.append(UInt8(scalar))
        case 0x80..<0x800:
            text.append(UInt8(0xC0 | scalar >> 6))
            text.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            text.append(UInt8(0xE0 | scalar >> 12))
            text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            text.append(UInt8(0x80 | scalar & 0x3F))
        default:
            text.append(UInt8(0xF0 | scalar >> 18))
            text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            text.append(UInt8(0x80 | scalar & 0x3F))
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
}
