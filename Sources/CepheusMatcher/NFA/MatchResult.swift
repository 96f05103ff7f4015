import CepheusCore

/// A completed match or a timed-out partial match, as the matcher reports it.
public struct MatchResult: Sendable {
    public enum Kind: String, Sendable {
        case match, timeout
    }

    public var kind: Kind
    /// Matched events per pattern step index, in match order (empty for steps that
    /// took nothing).
    public var events: [[Event]]
    /// The first matched event's timestamp.
    public var start: Int64
    /// The last matched event's timestamp, or the window end for a timeout and for a
    /// match completed by a relaxed absent step at the end.
    public var end: Int64

    /// The last matched event (by timestamp, then input order).
    public var lastEvent: Event? {
        var best: Event?
        for list in events {
            for event in list {
                if let current = best {
                    if event.timestamp > current.timestamp || (event.timestamp == current.timestamp && event.sequence > current.sequence) {
                        best = event
                    }
                } else {
                    best = event
                }
            }
        }
        return best
    }
}

/// Counters the matcher keeps per rule.
public struct MatcherStats: Sendable {
    /// `where`/`until` evaluations that hit a type error (counted as false).
    public var conditionTypeErrors: Int = 0
    /// Partial matches dropped because the per-key cap was reached.
    public var droppedPartialMatches: Int = 0
    /// Partial-match steps taken (one per live partial match per event): the matcher's work.
    public var steps: Int = 0

    public init() {}
}
