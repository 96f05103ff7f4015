import CepheusCore
import CepheusMatcher
import CepheusRules

/// One loaded rule version with its matcher and the state of every key it has seen.
final class RuleSlot {
    var rule: Rule
    var version: Int
    var matcher: PatternMatcher
    var states: [Value: KeyState] = [:]
    var stats = MatcherStats()

    init(rule: Rule, version: Int) {
        self.rule = rule
        self.version = version
        self.matcher = PatternMatcher(rule: rule)
    }

    /// Live partial matches over all keys.
    var partialMatchCount: Int { states.values.reduce(0) { $0 + $1.matcher.partialMatchCount } }
}
