import CepheusCore

/// Hashes of key values for the engine's state tables: the same for a string key read
/// from an event's bytes and for the same key as a `Value`, and the same for `3` and
/// `3.0` (keys compare as numbers). Seeded per process, so crafted keys cannot force
/// collisions; sharding uses `StableHash`, which is the same everywhere.
enum KeyHash {
    private static let seed: UInt64 = UInt64.random(in: 1...UInt64.max)

    /// The hash of a string key from its UTF-8 bytes.
    @inline(__always)
    static func ofString(_ utf8: UnsafeRawBufferPointer) -> UInt64 {
        mix(bytes: utf8, seed: seed)
    }

    /// The hash of any key.
    static func of(_ key: Value) -> UInt64 {
        if case .string(var text) = key {
            return text.withUTF8 { ofString(UnsafeRawBufferPointer($0)) }
        }
        var bytes: [UInt8] = []
        JSONWriter(canonicalNumbers: true).write(key, into: &bytes)
        return bytes.withUnsafeBytes { mix(bytes: $0, seed: seed ^ 0x9E37_79B9_7F4A_7C15) }
    }

    /// `key` with integral floats as integers, so equal keys compare equal as `Value`s.
    static func normalize(_ key: Value) -> Value {
        switch key {
        case .double(let d) where d.rounded() == d && Swift.abs(d) < 9.007_199_254_740_992e15:
            return .int(Int64(d))
        case .array(let parts) where parts.contains(where: { if case .double = $0 { return true }; return false }):
            return .array(parts.map(normalize))
        default:
            return key
        }
    }

    /// Eight bytes at a time, multiply-xorshift, then a MurmurHash3-style finish.
    @inline(__always)
    private static func mix(bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var hash = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        let count = bytes.count
        while offset + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash = hash &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}
