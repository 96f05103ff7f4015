import CepheusCore
import CepheusMatcher

/// The state of one (rule, key): the matcher's partial matches and the throttle.
final class KeyState {
    /// The key as first seen (alerts show it).
    let key: Value
    /// `KeyHash` of the key: where the rule's state table keeps it.
    let hash: UInt64
    /// The key as canonical compact JSON (alert ids), computed on first use.
    lazy var canonicalKey: String = key.canonicalJSONString
    /// The key group (stable FNV-1a of the canonical key): what sharding and savepoints use.
    var keyGroup: Int { StableHash.keyGroup(of: key) }
    var matcher: MatcherState
    /// `end` of the last alert emitted for this (rule, key), for `throttle`.
    var lastAlertEnd: Int64?
    /// Every partial match waits in a quiet state (see `PatternMatcher.isQuiet`).
    var quiet = false
    /// The earliest window end of the key's partial matches (kept by `settle`).
    var windowEnd: Int64?
    /// Event time of the timer queued for this key, if any.
    var scheduledTimer: Int64?
    /// Changed since the last checkpoint (listed in the engine's dirty states).
    var dirty = false
    /// A version of this state is in the store (removing the key must delete it).
    var persisted = false
    /// Touched since the eviction sweep last passed (the CLOCK bit of `evictColdStates`).
    var referenced = true
    /// Spilled to the store: this object is no longer the key's state.
    var evicted = false
    /// Removed (idle or expired): this object is no longer the key's state.
    var forgotten = false
    /// Live partial matches, as of the last `settle` (sums without walking matchers).
    var partialMatches = 0

    init(key: Value, hash: UInt64, matcher: MatcherState) {
        self.key = key
        self.hash = hash
        self.matcher = matcher
    }
}

