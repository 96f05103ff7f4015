/// A prefix operator of the expression language.
public enum ExpressionUnaryOperator: String, Sendable, Equatable {
    /// `!` / `not`: negates a bool; `!null` is null.
    case not = "!"
    /// `-`: negates a number; `-null` is null.
    case negate = "-"
}
