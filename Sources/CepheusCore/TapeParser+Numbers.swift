extension TapeParser {
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
        // Eight digits at a time while the value cannot overflow (at most 19 digits fit:
        // 10^11 * 10^8 is far below 2^64 only while the value has at most 11 digits).
        while index + 8 <= count, value < 100_000_000_000 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            guard Self.allDigits(word) else { break }
            value = value &* 100_000_000 &+ Self.eightDigitsValue(word)
            digits += 8
            index += 8
        }
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

    mutating func parseNumber(name: Int32, keepText: Bool) throws(JSONError) {
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
            entry.start = UInt32(text.count)
            entry.length = UInt32(index - start)
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        }
        tape.append(entry)
    }

    /// Whether all eight bytes of `word` are ASCII digits.
    @inline(__always)
    static func allDigits(_ word: UInt64) -> Bool {
        // Each byte is 0x30...0x39: its high nibble is 3, and adding 6 keeps it 3.
        (word & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030
            && ((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030
    }

    /// The value of eight ASCII digits (the first in the lowest byte): pairs, then
    /// fours, then all eight combined by multiplication.
    @inline(__always)
    static func eightDigitsValue(_ word: UInt64) -> UInt64 {
        var value = word &- 0x3030_3030_3030_3030
        value = ((value &* 10) &+ (value >> 8)) & 0x00FF_00FF_00FF_00FF
        value = ((value &* 100) &+ (value >> 16)) & 0x0000_FFFF_0000_FFFF
        return ((value &* 10000) &+ (value >> 32)) & 0xFFFF_FFFF
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - Errors

    /// `unexpected character 'x'` for the character at `offset` (or `invalid UTF-8`).
    func unexpectedCharacter(at offset: Int) -> JSONError {
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
