/// Compact JSON serialization of `Value`s as UTF-8 bytes.
///
/// Strings escape `"`, `\` and control characters (`\n` `\r` `\t` `\b` `\f`, others as
/// `\u00XX`) and keep all other Unicode as UTF-8. Objects keep their stored key order.
/// `.int` prints as an integer; `.double` in shortest round-trip form (`0.1`, `3.0`,
/// `1e+20`), and non-finite doubles print as `null`. With `canonicalNumbers` (the key
/// form of alert ids, rules.md section 5) an integral double within ±2^53 prints as an
/// integer (`3.0` -> `3`, `-0.0` -> `0`).
public struct JSONWriter: Sendable {
    /// Print integral doubles within ±2^53 as integers.
    public var canonicalNumbers: Bool

    public init(canonicalNumbers: Bool = false) {
        self.canonicalNumbers = canonicalNumbers
    }

    /// Appends the compact JSON text of `value` to `output`.
    @inlinable
    public func write<Sink: JSONSink>(_ value: Value, into output: inout Sink) {
        switch value {
        case .null:
            Self.appendASCII("null", to: &output)
        case .bool(let flag):
            Self.appendASCII(flag ? "true" : "false", to: &output)
        case .int(let integer):
            Self.writeInteger(integer, into: &output)
        case .double(let double):
            writeDouble(double, into: &output)
        case .string(let text):
            Self.writeString(text, into: &output)
        case .array(let elements):
            output.write(byte: UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.write(byte: UInt8(ascii: ",")) }
                first = false
                write(element, into: &output)
            }
            output.write(byte: UInt8(ascii: "]"))
        case .object(let object):
            output.write(byte: UInt8(ascii: "{"))
            for index in object.keys.indices {
                if index > 0 { output.write(byte: UInt8(ascii: ",")) }
                Self.writeString(object.keys[index], into: &output)
                output.write(byte: UInt8(ascii: ":"))
                write(object.values[index], into: &output)
            }
            output.write(byte: UInt8(ascii: "}"))
        }
    }

    /// The compact JSON text of `value`.
    public func string(_ value: Value) -> String {
        var output: [UInt8] = []
        write(value, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact JSON text of `value` to `output`.
    @inlinable
    public static func write<Sink: JSONSink>(_ value: Value, into output: inout Sink, canonicalNumbers: Bool = false) {
        JSONWriter(canonicalNumbers: canonicalNumbers).write(value, into: &output)
    }

    /// Appends `text` as a quoted, escaped JSON string to `output`.
    @inlinable
    public static func writeString<Sink: JSONSink>(_ text: String, into output: inout Sink) {
        var text = text
        text.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0), into: &output) }
    }

    /// Appends the string whose (valid) UTF-8 is `utf8` as a quoted, escaped JSON string.
    @inlinable
    public static func writeString<Sink: JSONSink>(utf8: UnsafeRawBufferPointer, into output: inout Sink) {
        output.write(byte: UInt8(ascii: "\""))
        let plain = plainPrefixLength(utf8)
        if plain == utf8.count {
            // Nothing to escape (the usual case): one copy.
            output.write(bytes: utf8)
            output.write(byte: UInt8(ascii: "\""))
            return
        }
        do {
            var run = 0
            for index in plain..<utf8.count {
                let byte = utf8[index]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") { continue }
                if run < index { output.write(bytes: UnsafeRawBufferPointer(rebasing: utf8[run..<index])) }
                run = index + 1
                output.write(byte: UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.write(byte: byte)
                case 0x0A: output.write(byte: UInt8(ascii: "n"))
                case 0x0D: output.write(byte: UInt8(ascii: "r"))
                case 0x09: output.write(byte: UInt8(ascii: "t"))
                case 0x08: output.write(byte: UInt8(ascii: "b"))
                case 0x0C: output.write(byte: UInt8(ascii: "f"))
                default:
                    output.write(byte: UInt8(ascii: "u"))
                    output.write(byte: UInt8(ascii: "0"))
                    output.write(byte: UInt8(ascii: "0"))
                    output.write(byte: hexDigit(byte >> 4))
                    output.write(byte: hexDigit(byte & 0x0F))
                }
            }
            if run < utf8.count { output.write(bytes: UnsafeRawBufferPointer(rebasing: utf8[run...])) }
        }
        output.write(byte: UInt8(ascii: "\""))
    }

    /// How many leading bytes of `utf8` need no escape (no `"`, backslash or control
    /// character), eight at a time.
    @inlinable
    static func plainPrefixLength(_ utf8: UnsafeRawBufferPointer) -> Int {
        let count = utf8.count
        var index = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        while index + 8 <= count {
            let word = UInt64(littleEndian: utf8.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // The high bit of (at least) the first byte that is `"`, a backslash or below
            // 0x20 (bytes from 0x80 up are never flagged: `~word` clears their bit).
            let flags = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) & ~word)
                & 0x8080_8080_8080_8080
            if flags != 0 { return index + flags.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return count
    }

    @inlinable
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Appends the decimal digits of `integer` to `output`.
    @inlinable
    public static func writeInteger<Sink: JSONSink>(_ integer: Int64, into output: inout Sink) {
        if integer < 0 { output.write(byte: UInt8(ascii: "-")) }
        var magnitude = integer.magnitude
        // Digits are produced backwards into a small buffer, then appended at once.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output.write(bytes: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Appends the compact JSON text of the tape entry at `index` (the same bytes as
    /// writing `tape.value(at: index)`), straight from the tape.
    @inlinable
    public func write<Sink: JSONSink>(_ tape: TapeView, at index: Int, into output: inout Sink) {
        let entry = tape[index]
        switch entry.kind {
        case .null, .memberName:
            Self.appendASCII("null", to: &output)
        case .bool:
            Self.appendASCII(entry.payload != 0 ? "true" : "false", to: &output)
        case .int:
            Self.writeInteger(Int64(bitPattern: entry.payload), into: &output)
        case .double:
            writeDouble(Double(bitPattern: entry.payload), into: &output)
        case .string:
            Self.writeString(utf8: tape.bytes(at: index), into: &output)
        case .array:
            output.write(byte: UInt8(ascii: "["))
            var child = index + 1
            let end = Int(entry.start)
            while child < end {
                if child > index + 1 { output.write(byte: UInt8(ascii: ",")) }
                write(tape, at: child, into: &output)
                child = tape[child].next(after: child)
            }
            output.write(byte: UInt8(ascii: "]"))
        case .object:
            if entry.flags & TapeEntry.hasDuplicatesFlag != 0 {
                // Repeated names collapse as in `JSONObject`: write the materialized object.
                write(tape.value(at: index), into: &output)
                return
            }
            output.write(byte: UInt8(ascii: "{"))
            var child = index + 1
            let end = Int(entry.start)
            var first = true
            while child < end {
                if tape[child].kind == .memberName { child += 1 }
                if !first { output.write(byte: UInt8(ascii: ",")) }
                first = false
                let name = tape[child].name
                if name >= 0 {
                    FieldNames.shared.withJSONKey(of: name) { output.write(bytes: UnsafeRawBufferPointer($0)) }
                } else {
                    Self.writeString(utf8: tape.bytes(at: child - 1), into: &output)
                    output.write(byte: UInt8(ascii: ":"))
                }
                write(tape, at: child, into: &output)
                child = tape[child].next(after: child)
            }
            output.write(byte: UInt8(ascii: "}"))
        }
    }

    @inlinable
    func writeDouble<Sink: JSONSink>(_ double: Double, into output: inout Sink) {
        guard double.isFinite else {
            Self.appendASCII("null", to: &output)
            return
        }
        if canonicalNumbers, double.rounded(.towardZero) == double, double.magnitude <= 9_007_199_254_740_992 {
            Self.writeInteger(Int64(double), into: &output)
            return
        }
        // Swift's description is the shortest round-trip form and always valid JSON
        // for finite values: `0.1`, `3.0`, `1e+20`, `5e-324`.
        var text = double.description
        text.withUTF8 { output.write(bytes: UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    static func appendASCII<Sink: JSONSink>(_ text: StaticString, to output: inout Sink) {
        output.write(bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
