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
    public func write(_ value: Value, into output: inout [UInt8]) {
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
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for index in object.keys.indices {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(object.keys[index], into: &output)
                output.append(UInt8(ascii: ":"))
                write(object.values[index], into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The compact JSON text of `value`.
    public func string(_ value: Value) -> String {
        var output: [UInt8] = []
        write(value, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact JSON text of `value` to `output`.
    public static func write(_ value: Value, into output: inout [UInt8], canonicalNumbers: Bool = false) {
        JSONWriter(canonicalNumbers: canonicalNumbers).write(value, into: &output)
    }

    /// Appends `text` as a quoted, escaped JSON string to `output`.
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0), into: &output) }
    }

    /// Appends the string whose (valid) UTF-8 is `utf8` as a quoted, escaped JSON string.
    public static func writeString(utf8: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        do {
            var run = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") { continue }
                if run < index { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[run..<index])) }
                run = index + 1
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                default:
                    output.append(UInt8(ascii: "u"))
                    output.append(UInt8(ascii: "0"))
                    output.append(UInt8(ascii: "0"))
                    output.append(hexDigit(byte >> 4))
                    output.append(hexDigit(byte & 0x0F))
                }
            }
            if run < utf8.count { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[run...])) }
        }
        output.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Appends the decimal digits of `integer` to `output`.
    public static func writeInteger(_ integer: Int64, into output: inout [UInt8]) {
        if integer < 0 { output.append(UInt8(ascii: "-")) }
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
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Appends the compact JSON text of the tape entry at `index` (the same bytes as
    /// writing `tape.value(at: index)`), straight from the tape.
    public func write(_ tape: TapeView, at index: Int, into output: inout [UInt8]) {
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
            output.append(UInt8(ascii: "["))
            var child = index + 1
            let end = Int(entry.start)
            while child < end {
                if child > index + 1 { output.append(UInt8(ascii: ",")) }
                write(tape, at: child, into: &output)
                child = tape[child].next(after: child)
            }
            output.append(UInt8(ascii: "]"))
        case .object:
            if entry.flags & TapeEntry.hasDuplicatesFlag != 0 {
                // Repeated names collapse as in `JSONObject`: write the materialized object.
                write(tape.value(at: index), into: &output)
                return
            }
            output.append(UInt8(ascii: "{"))
            var child = index + 1
            let end = Int(entry.start)
            var first = true
            while child < end {
                if tape[child].kind == .memberName { child += 1 }
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                let name = tape[child].name
                if name >= 0 {
                    FieldNames.shared.withJSONKey(of: name) { output.append(contentsOf: $0) }
                } else {
                    Self.writeString(utf8: tape.bytes(at: child - 1), into: &output)
                    output.append(UInt8(ascii: ":"))
                }
                write(tape, at: child, into: &output)
                child = tape[child].next(after: child)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private func writeDouble(_ double: Double, into output: inout [UInt8]) {
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
        output.append(contentsOf: double.description.utf8)
    }

    @inline(__always)
    private static func appendASCII(_ text: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
