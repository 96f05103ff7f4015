/// Appends a compact binary encoding: LEB128 varints (zigzag for signed numbers),
/// length-prefixed byte strings, fixed little-endian words. What checkpoints and spilled
/// state are written in; `ByteReader` reads it back.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func unsigned(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    public mutating func unsigned(_ value: Int) {
        precondition(value >= 0, "unsigned varint of a negative number")
        unsigned(UInt64(value))
    }

    /// A signed number, zigzag-encoded (small magnitudes take few bytes).
    public mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func optionalSigned(_ value: Int64?) {
        bool(value != nil)
        if let value { signed(value) }
    }

    public mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func fixed32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func double(_ value: Double) { fixed64(value.bitPattern) }

    public mutating func data(_ value: some Collection<UInt8>) {
        unsigned(value.count)
        bytes.append(contentsOf: value)
    }

    public mutating func data(_ value: UnsafeRawBufferPointer) {
        unsigned(value.count)
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { data(UnsafeRawBufferPointer($0)) }
    }

    /// Raw bytes with no length prefix.
    public mutating func raw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }
}
