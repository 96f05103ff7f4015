import CepheusCore
import CepheusMatcher
import CepheusRules

/// One loaded rule version with its matcher and the state of every key it has seen.
final class RuleSlot {
    let rule: Rule
    let version: Int
    let matcher: PatternMatcher
    var states = KeyStateTable()
    /// Keys whose state is spilled to the store (`RuntimeEngine.evictColdStates`).
    var spilled = SpilledKeyIndex()
    /// Live partial matches of the spilled states.
    var spilledPartialMatches = 0
    /// Cold states kept encoded in memory (`RuntimeEngine.compactColdStates`), their
    /// live partial matches and their timers' wake-ups.
    var compacted = CompactStateTable()
    var compactedPartialMatches = 0
    var wakeUps = WakeUpQueue()
    /// Index of this rule's key expression among the engine's distinct ones.
    var keyCacheIndex = 0
    var stats = MatcherStats()
    /// The slot that took this one's key states over (a new version of the rule).
    var successor: RuleSlot?
    /// Set when the rule was deleted or replaced without keeping state.
    var retired = false

    // Copies of the rule's hot fields: reading them through `rule` copies the struct.
    let enabled: Bool
    let keyExpressions: [CompiledExpression]?
    let keyExtractor: KeyExtractor
    let keyIsComposite: Bool
    let window: Int64?
    let throttle: Int64?

    init(rule: Rule, version: Int) {
        self.rule = rule
        self.version = version
        self.matcher = PatternMatcher(rule: rule)
        enabled = rule.enabled
        keyExpressions = rule.key
        keyExtractor = KeyExtractor(expressions: rule.key, composite: rule.keyIsComposite)
        keyIsComposite = rule.keyIsComposite
        window = rule.within
        throttle = rule.alert.throttle
    }

    /// Rules with equal signatures compute equal keys.
    var keySignature: String { KeyExtractor.signature(expressions: keyExpressions, composite: keyIsComposite) }

    /// The slot now in charge of this slot's keys, or `nil` if the rule is gone.
    var current: RuleSlot? {
        var slot = self
        while let next = slot.successor { slot = next }
        return slot.retired ? nil : slot
    }

    /// Hands the compacted states over to `successor` (a new version of the rule).
    func moveCompactedStates(to successor: RuleSlot) {
        swap(&compacted, &successor.compacted)
        swap(&wakeUps, &successor.wakeUps)
        successor.compactedPartialMatches = compactedPartialMatches
        compactedPartialMatches = 0
    }

    /// Drops the compacted states (the rule's states were discarded).
    func dropCompactedStates() {
        compacted.removeAll()
        wakeUps.removeAll()
        compactedPartialMatches = 0
    }

    /// Live partial matches over all keys.
    var partialMatchCount: Int {
        var total = spilledPartialMatches + compactedPartialMatches
        for index in 0..<states.capacity {
            if let state = states.state(atSlot: index) { total += state.partialMatches }
        }
        return total
    }
}
