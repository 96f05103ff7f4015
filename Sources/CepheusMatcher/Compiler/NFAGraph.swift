import CepheusRules

/// What a transition does with the current event (Flink's `StateTransitionAction`).
public enum TransitionAction: Sendable {
    /// Consume the event into the source state's step and move to the target.
    case take
    /// Skip the event and move to the target (often the source itself).
    case ignore
    /// Move to the target without consuming the event (an epsilon edge).
    case proceed
}

/// A transition guard: a step's `where` or `until`, combined with `not`/`and` the way
/// Flink's NFACompiler combines `IterativeCondition`s.
public indirect enum TransitionCondition: Sendable {
    case always
    case stepWhere(Int)
    case stepUntil(Int)
    case not(TransitionCondition)
    case and(TransitionCondition, TransitionCondition)
}

/// Kinds of NFA states, as in Flink's `State.StateType`.
public enum NFAStateKind: Sendable {
    case start, normal, final, stop, pending
}

/// One edge of the compiled NFA.
public struct NFATransition: Sendable {
    public var action: TransitionAction
    public var target: Int
    public var condition: TransitionCondition
}

/// One state of the compiled NFA. `step` is the pattern step whose events the state
/// takes (the shared buffer's page), or -1 for the final state.
public struct NFAStateNode: Sendable {
    public var id: Int
    public var step: Int
    public var kind: NFAStateKind
    public var transitions: [NFATransition]
}
