#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads what `ByteWriter` wrote. Every read checks its bounds and throws
/// `ByteReader.Malformed` instead of trapping: stored state can be damaged.
public struct ByteReader: Sendable {
    /// Damaged or truncated input.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    private let bytes: [UInt8]
    public private(set) var position: Int

    public init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { bytes.count - position }

    public mutating func byte() throws(Malformed) -> UInt8 {
        guard position < bytes.count else { throw Malformed("truncated at byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func bool() throws(Malformed) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw Malformed("invalid boolean byte \(other) at \(position - 1)")
        }
    }

    public mutating func unsigned() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw Malformed("varint too long at byte \(position)") }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    /// An unsigned varint that must fit `limit` (counts and indices).
    public mutating func count(limit: Int = Int(Int32.max)) throws(Malformed) -> Int {
        let value = try unsigned()
        guard value <= UInt64(limit) else { throw Malformed("count \(value) over its limit \(limit) at byte \(position)") }
        return Int(value)
    }

    public mutating func signed() throws(Malformed) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func optionalSigned() throws(Malformed) -> Int64? {
        try bool() ? try signed() : nil
    }

    public mutating func fixed64() throws(Malformed) -> UInt64 {
        guard remaining >= 8 else { throw Malformed("truncated at byte \(position)") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return value
    }

    public mutating func fixed32() throws(Malformed) -> UInt32 {
        guard remaining >= 4 else { throw Malformed("truncated at byte \(position)") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * UInt32(index)) }
        position += 4
        return value
    }

    public mutating func double() throws(Malformed) -> Double { Double(bitPattern: try fixed64()) }

    public mutating func data() throws(Malformed) -> ArraySlice<UInt8> {
        let length = try count()
        guard length <= remaining else { throw Malformed("a \(length)-byte string runs past the end at byte \(position)") }
        defer { position += length }
        return bytes[position..<position + length]
    }

    public mutating func string() throws(Malformed) -> String {
        let slice = try data()
        // Decoded on the fast path (which replaces invalid UTF-8), then compared with
        // the bytes: a replacement shows as a difference. (`String(validating:)` is
        // several times slower.)
        guard let text = slice.withUnsafeBufferPointer({ buffer -> String? in
            var text = String(decoding: buffer, as: UTF8.self)
            let same = text.withUTF8 { decoded in
                decoded.count == buffer.count && (buffer.isEmpty || memcmp(decoded.baseAddress!, buffer.baseAddress!, buffer.count) == 0)
            }
            return same ? text : nil
        }) else {
            throw Malformed("invalid UTF-8 in a string at byte \(position - slice.count)")
        }
        return text
    }

    /// Fails unless every byte was read.
    public func expectEnd() throws(Malformed) {
        guard isAtEnd else { throw Malformed("\(remaining) unexpected trailing bytes") }
    }
}
