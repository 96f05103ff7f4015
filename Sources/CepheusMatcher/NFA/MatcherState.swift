import CepheusCore

/// Everything one (rule, key) pair remembers between events: its partial matches,
/// completed matches held back by an earlier partial match (skip strategies), and the
/// shared buffer their events live in. Stands alone, so it can be encoded, spilled or
/// expired without touching any other key.
public struct MatcherState: Sendable {
    var partialMatches = FlinkPriorityQueue<ComputationState>(compare: ComputationState.compare)
    var completedMatches = FlinkPriorityQueue<ComputationState>(compare: ComputationState.compare)
    public internal(set) var buffer = SharedBuffer()

    /// A state holding only the start state of `matcher`'s NFA.
    public init(matcher: PatternMatcher) {
        partialMatches.add(.start(matcher.nfa.start, version: DeweyNumber(1)))
    }

    /// Live partial matches, not counting the start state.
    public var partialMatchCount: Int {
        partialMatches.elements.reduce(0) { $0 + ($1.startEvent == nil ? 0 : 1) }
    }

    /// Completed matches waiting behind an earlier partial match.
    public var heldMatchCount: Int { completedMatches.count }

    /// `true` when nothing but the start state is left: the key can be forgotten.
    public var isIdle: Bool { partialMatchCount == 0 && completedMatches.isEmpty }

    /// The earliest event time at which a partial match's window closes, if any.
    public func nextWindowEnd(window: Int64?) -> Int64? {
        guard let window else { return nil }
        var earliest: Int64?
        for state in partialMatches.elements where state.startEvent != nil {
            let (end, overflow) = state.startTimestamp.addingReportingOverflow(window)
            let value = overflow ? Int64.max : end
            if earliest == nil || value < earliest! { earliest = value }
        }
        return earliest
    }
}
