import CepheusCore

/// What an expression can see while it is evaluated (rules.md section 4): the current
/// event, the rule's key, and the events matched so far to each step of the pattern.
public struct EvaluationScope {
    /// The current event (`event`, and bare field names); `nil` when there is none.
    /// Field paths are read from its tape in place.
    public var event: Event?
    /// The rule's key value (`key`).
    public var key: Value
    /// The events matched so far to each step, asked only by expressions that name a
    /// step; `nil` reads as no events.
    public var steps: (any MatchedSteps)?

    public init(event: Event?, key: Value, steps: (any MatchedSteps)? = nil) {
        self.event = event
        self.key = key
        self.steps = steps
    }
}

/// The events matched to each step of a partial or complete match, by pattern index,
/// in match order. The matcher implements it over its shared buffer, reading a
/// partial match's events only when an expression asks.
public protocol MatchedSteps: AnyObject {
    /// Every event matched to `step`.
    func events(ofStep step: Int) -> [Event]
    /// The first (or last) event matched to `step`, without building the list.
    func event(ofStep step: Int, first: Bool) -> Event?
}

/// `MatchedSteps` over lists built beforehand (alerts, tests).
public final class MatchedStepLists: MatchedSteps {
    public let lists: [[Event]]

    public init(_ lists: [[Event]]) { self.lists = lists }

    public func events(ofStep step: Int) -> [Event] { step < lists.count ? lists[step] : [] }

    public func event(ofStep step: Int, first: Bool) -> Event? {
        guard step < lists.count else { return nil }
        return first ? lists[step].first : lists[step].last
    }
}
