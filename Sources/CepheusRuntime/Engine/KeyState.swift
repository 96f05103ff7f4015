import CepheusCore
import CepheusMatcher

/// The state of one (rule, key): the matcher's partial matches and the throttle.
final class KeyState {
    let key: Value
    /// `key` with integral floats as integers, so `3` and `3.0` are one key.
    let lookupKey: Value
    /// The key as canonical compact JSON (alert ids), computed on first use.
    lazy var canonicalKey: String = key.canonicalJSONString
    /// The key group (stable FNV-1a of the canonical key): what sharding and savepoints use.
    var keyGroup: Int { StableHash.keyGroup(of: key) }
    var matcher: MatcherState
    /// `end` of the last alert emitted for this (rule, key), for `throttle`.
    var lastAlertEnd: Int64?
    /// Every partial match waits in a quiet state (see `PatternMatcher.isQuiet`).
    var quiet = false
    /// Event time of the timer queued for this key, if any.
    var scheduledTimer: Int64?

    init(key: Value, lookupKey: Value, matcher: MatcherState) {
        self.key = key
        self.lookupKey = lookupKey
        self.matcher = matcher
    }
}

extension KeyState {
    /// The dictionary key for `key`: integral doubles become integers, recursively.
    static func lookupKey(_ key: Value) -> Value {
        switch key {
        case .double(let d) where d.rounded() == d && Swift.abs(d) < 9.007_199_254_740_992e15:
            return .int(Int64(d))
        case .array(let parts) where parts.contains(where: { if case .double = $0 { return true }; return false }):
            return .array(parts.map(lookupKey))
        default:
            return key
        }
    }
}
