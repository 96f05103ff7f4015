import CepheusCore
import CepheusMatcher

/// The state of one (rule, key): the matcher's partial matches and the throttle.
final class KeyState {
    let key: Value
    let canonicalKey: String
    var matcher: MatcherState
    /// `end` of the last alert emitted for this (rule, key), for `throttle`.
    var lastAlertEnd: Int64?
    /// Event time of the timer queued for this key, if any.
    var scheduledTimer: Int64?

    init(key: Value, canonicalKey: String, matcher: MatcherState) {
        self.key = key
        self.canonicalKey = canonicalKey
        self.matcher = matcher
    }
}
