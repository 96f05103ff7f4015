#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CepheusCore

/// A rule's key for the event being dispatched, found without building it when it is a
/// plain string field: its hash and its bytes in the event's tape (valid while the
/// event's tape is lent, that is during `RuntimeEngine.dispatch`), or else the key value.
struct KeyProbe {
    var hash: UInt64
    /// The key's UTF-8, when it is a string read in place.
    var bytes: UnsafeRawBufferPointer?
    /// The key, when it is anything else. Boxed: probes are copied on the hot path, and
    /// one reference is cheaper to copy than two values.
    private var boxed: KeyValues?

    /// A non-string key as first seen and normalized.
    private final class KeyValues {
        /// As first seen (what alerts show): `3.0` stays `3.0`.
        let raw: Value
        /// Normalized: `3.0` is `3`.
        let normalized: Value

        init(raw: Value, normalized: Value) {
            self.raw = raw
            self.normalized = normalized
        }
    }

    init(bytes: UnsafeRawBufferPointer) {
        hash = KeyHash.ofString(bytes)
        self.bytes = bytes
    }

    init(value: Value) {
        let normalized = KeyHash.normalize(value)
        hash = KeyHash.of(normalized)
        boxed = KeyValues(raw: value, normalized: normalized)
    }

    /// The key, normalized, when it is not a string read in place.
    var value: Value? { boxed?.normalized }

    /// The key as a value (built from the bytes for a string key).
    func materialize() -> Value {
        if let boxed { return boxed.raw }
        return .string(TapeView.string(bytes!))
    }

    /// Whether `state` is this key's state.
    @inline(__always)
    func matches(_ state: KeyState) -> Bool { matches(key: state.key) }

    /// Whether `key` (a state's key as first seen) is this key.
    func matches(key: Value) -> Bool {
        if let bytes {
            guard case .string(let text) = key else { return false }
            return text.utf8.withContiguousStorageIfAvailable { utf8 in
                utf8.count == bytes.count && (bytes.count == 0 || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            } ?? text.utf8.elementsEqual(bytes)
        }
        if case .string = key, case .string = value { return key == value! }
        return KeyHash.normalize(key) == value!
    }

    /// The key group (`StableHash.keyGroup`) for sharding.
    var keyGroup: Int {
        if let bytes, let group = StableHash.keyGroup(ofPlainString: bytes) { return group }
        return StableHash.keyGroup(of: materialize())
    }
}

/// One event's key per distinct key expression, computed on first use (see `RuntimeEngine.dispatch`).
struct KeyCacheEntry {
    var epoch: Int64 = -1
    /// With sharding: whether this engine owns the key's key group.
    var owned = true
    /// The key, when present (not null, no type error).
    var probe: KeyProbe?
}
