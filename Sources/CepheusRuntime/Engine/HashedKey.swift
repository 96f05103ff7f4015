import CepheusCore

/// A key value with its hash computed once: rules that key by the same expression
/// share one evaluation and one hash per event, and dictionary lookups hash one word.
struct HashedKey: Hashable {
    let value: Value
    let hash: Int

    /// `key` with integral floats as integers (so `3` and `3.0` are one key), hashed.
    init(_ key: Value) {
        let normalized = Self.normalize(key)
        value = normalized
        hash = normalized.hashValue
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool {
        lhs.hash == rhs.hash && lhs.value == rhs.value
    }

    private static func normalize(_ key: Value) -> Value {
        switch key {
        case .double(let d) where d.rounded() == d && Swift.abs(d) < 9.007_199_254_740_992e15:
            return .int(Int64(d))
        case .array(let parts) where parts.contains(where: { if case .double = $0 { return true }; return false }):
            return .array(parts.map(normalize))
        default:
            return key
        }
    }
}

/// One event's key per distinct key expression, computed on first use (see `RuntimeEngine.dispatch`).
struct KeyCacheEntry {
    var epoch: Int64 = -1
    /// `false` when the key was null or failed.
    var present = false
    /// With sharding: whether this engine owns the key's key group.
    var owned = true
    /// The key and its hash, when present and owned (only owned keys are hashed).
    var key: (value: Value, hashed: HashedKey)?
}
