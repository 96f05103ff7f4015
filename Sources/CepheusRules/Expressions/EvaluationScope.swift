import CepheusCore

/// What an expression can see while it is evaluated (rules.md section 4): the current
/// event, the rule's key, and the events matched so far to each step of the pattern.
public struct EvaluationScope {
    /// The current event (`event`, and bare field names); `nil` when there is none.
    /// Field paths are read from its tape in place.
    public var event: Event?
    /// The rule's key value (`key`).
    public var key: Value
    /// Events matched so far to the step at a pattern index, in match order. Called
    /// lazily, only by expressions that name a step.
    public var stepEvents: (Int) -> [Event]

    public init(event: Event?, key: Value, stepEvents: @escaping (Int) -> [Event] = { _ in [] }) {
        self.event = event
        self.key = key
        self.stepEvents = stepEvents
    }
}
