import CepheusCore

/// The syntax tree of an expression (rules.md section 4), as `ExpressionParser`
/// builds it. Every node carries a 0-based `Character` offset into the expression
/// text: where a literal, list or name starts; the member name of `a.b`; the `[` of an
/// index; the function name of a call; the operator of a unary or binary operation;
/// the `?` of a conditional. The method form `x.f(y)` is parsed as `f(x, y)`, and
/// `a not in b` as `not (a in b)`.
public indirect enum ExpressionNode: Sendable, Equatable {
    /// `null`, `true`, `false`, a number, a string or a duration (an int of milliseconds).
    case literal(Value, offset: Int)
    /// `[a, b, …]`.
    case list([ExpressionNode], offset: Int)
    /// A bare name: a step, `event`, `key`, or a field of the current event.
    case name(String, offset: Int)
    /// `base.name`.
    case member(ExpressionNode, name: String, offset: Int)
    /// `base[index]`.
    case index(ExpressionNode, ExpressionNode, offset: Int)
    /// `name(arguments…)`, or the method form `arguments[0].name(arguments[1…])`.
    case call(name: String, arguments: [ExpressionNode], offset: Int)
    /// `!x` / `not x`, `-x`.
    case unary(ExpressionUnaryOperator, ExpressionNode, offset: Int)
    /// `left OP right`.
    case binary(ExpressionBinaryOperator, ExpressionNode, ExpressionNode, offset: Int)
    /// `condition ? then : else`.
    case conditional(ExpressionNode, ExpressionNode, ExpressionNode, offset: Int)

    /// The node's offset (see the type's documentation).
    public var offset: Int {
        switch self {
        case .literal(_, let offset), .list(_, let offset), .name(_, let offset),
             .member(_, _, let offset), .index(_, _, let offset), .call(_, _, let offset),
             .unary(_, _, let offset), .binary(_, _, _, let offset), .conditional(_, _, _, let offset):
            return offset
        }
    }
}
