/// Hashes that are the same in every process and on every machine (unlike Swift's
/// `Hasher`, which is seeded per process): for sharding keys across workers.
public enum StableHash {
    /// Key groups (Flink's max parallelism): the unit that workers own and that
    /// savepoints move between worker counts.
    public static let keyGroupCount = 128

    /// FNV-1a offset basis (64-bit).
    public static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a prime (64-bit).
    public static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// The 64-bit FNV-1a hash of `bytes`.
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        if let hash = bytes.withContiguousStorageIfAvailable({ fnv1a64Contiguous($0) }) {
            return hash
        }
        var hash = fnvOffsetBasis
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        return hash
    }

    /// The group (`0..<groups`) of a key: FNV-1a over the key's compact JSON with
    /// canonical numbers, so `3` and `3.0` land in the same group, modulo `groups`.
    public static func keyGroup(of key: Value, groups: Int = 128) -> Int {
        precondition(groups > 0, "groups must be positive")
        // Fast path for the commonest key, a string that needs no escaping: its
        // canonical JSON is the bytes between two quotes.
        if case .string(var text) = key {
            let group = text.withUTF8 { keyGroup(ofPlainString: UnsafeRawBufferPointer($0), groups: groups) }
            if let group { return group }
        }
        var bytes: [UInt8] = []
        JSONWriter(canonicalNumbers: true).write(key, into: &bytes)
        return Int(fnv1a64(bytes) % UInt64(groups))
    }

    /// `keyGroup(of: .string(...))` straight from a string's UTF-8 bytes, or `nil` when
    /// the string needs escaping in JSON (then use `keyGroup(of:)`).
    public static func keyGroup(ofPlainString utf8: UnsafeRawBufferPointer, groups: Int = 128) -> Int? {
        var hash = fnvOffsetBasis
        hash = (hash ^ 0x22) &* fnvPrime
        for byte in utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return nil }
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        hash = (hash ^ 0x22) &* fnvPrime
        return Int(hash % UInt64(groups))
    }

    private static func fnv1a64Contiguous(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = fnvOffsetBasis
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        return hash
    }
}
