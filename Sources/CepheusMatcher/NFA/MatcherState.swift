import CepheusCore

/// Everything one (rule, key) pair remembers between events: its partial matches,
/// completed matches held back by an earlier partial match (skip strategies), and the
/// shared buffer their events live in. Stands alone, so it can be encoded, spilled or
/// expired without touching any other key.
public struct MatcherState: Sendable {
    var partialMatches = FlinkPriorityQueue()
    var completedMatches = FlinkPriorityQueue()
    public internal(set) var buffer = SharedBuffer()

    /// An empty state (decoding fills it).
    init() {}

    /// A state with nothing in it, not even a start state: what a forgotten key keeps
    /// (it allocates nothing).
    public static var empty: MatcherState { MatcherState() }

    /// A state holding only the start state of `matcher`'s NFA.
    public init(matcher: PatternMatcher) {
        partialMatches.add(.start(matcher.nfa.start, version: DeweyNumber(1)))
    }

    /// Live partial matches, not counting the start state.
    public var partialMatchCount: Int {
        partialMatches.elements.withUnsafeBufferPointer { elements in
            var live = 0
            for index in elements.indices where elements[index].startEvent != nil { live += 1 }
            return live
        }
    }

    /// Bytes this state's own storage takes (queues and shared buffer); the events it
    /// holds go to `events`/`eventBytes` (see `SharedBuffer.footprint`).
    public func footprint(events: inout Set<ObjectIdentifier>, eventBytes: inout Int) -> Int {
        AllocationSize.ofArray(partialMatches.elements) + AllocationSize.ofArray(completedMatches.elements)
            + buffer.footprint(events: &events, eventBytes: &eventBytes)
    }

    /// Completed matches waiting behind an earlier partial match.
    public var heldMatchCount: Int { completedMatches.count }

    /// `true` when nothing but the start state is left: the key can be forgotten.
    public var isIdle: Bool { partialMatchCount == 0 && completedMatches.isEmpty }

    /// The earliest event time at which a partial match's window closes, if any.
    public func nextWindowEnd(window: Int64?) -> Int64? {
        // The queue is ordered by start event, the start state last: its head is the
        // partial match that started first.
        guard let window, let first = partialMatches.first, first.startEvent != nil else { return nil }
        let (end, overflow) = first.startTimestamp.addingReportingOverflow(window)
        return overflow ? Int64.max : end
    }
}
