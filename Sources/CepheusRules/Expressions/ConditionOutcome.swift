/// The outcome of testing a `where`/`until` condition against an event.
public enum ConditionOutcome: Sendable, Equatable {
    /// The condition evaluated to `true`.
    case matched
    /// The condition evaluated to `false` or `null`.
    case notMatched
    /// A type error, or a result that is neither a boolean nor null; counts as false.
    case typeError
}
