import CepheusCore

/// An expression compiled once by `ExpressionCompiler`, ready to evaluate any number of
/// times from any thread (rules.md section 4). Evaluation never parses anything.
/// A class: passing one around on the hot path costs one reference count, not a copy
/// of each of its fields.
public final class CompiledExpression: Sendable {
    /// The source text.
    public let text: String
    /// True when the expression names any step (the matcher then has to materialize the
    /// partial match).
    public let referencesSteps: Bool
    let evaluator: ExpressionEvaluator
    /// The expression's value when it does not depend on the scope (e.g. `true`).
    let constant: Value?
    /// For an expression that names steps: its leading `&&` operands that name none
    /// (`type == "login" && ok` in `type == "login" && ok && ip != last(a).ip`).
    let prefilter: ExpressionEvaluator?
    /// For an expression that is just an event field path (`user`, `geo.country`): the
    /// interned names along it, so callers can read the field from the tape in place.
    public let fieldPath: [Int32]?
    /// When the expression is `FIELD == "text"` or an `&&` chain that starts with one
    /// (`type == "login" && ok == false`): the field's interned path and the text's
    /// UTF-8. Whenever the field does not hold exactly that string the expression is
    /// false, with no type error (`==` never raises one and `&&` stops at a false
    /// operand), so a caller can rule an event out from the tape alone.
    public let leadingEquality: (path: [Int32], utf8: [UInt8])?

    init(
        text: String, referencesSteps: Bool, evaluator: @escaping ExpressionEvaluator, constant: Value?,
        prefilter: ExpressionEvaluator? = nil, fieldPath: [Int32]? = nil, leadingEquality: (path: [Int32], utf8: [UInt8])? = nil
    ) {
        self.text = text
        self.fieldPath = fieldPath
        self.leadingEquality = leadingEquality
        self.referencesSteps = referencesSteps
        self.evaluator = evaluator
        self.constant = constant
        self.prefilter = prefilter
    }

    /// `true` when the expression has a step-free prefilter (see `testPrefilter`).
    public var hasPrefilter: Bool { prefilter != nil }

    /// The outcome of the leading step-free `&&` operands alone, or `nil` when there are
    /// none. When it is `.notMatched` the whole condition is too, for every partial
    /// match: the matcher evaluates it once per event instead of once per partial match.
    /// (Evaluation order is kept: those operands come first, and `&&` short-circuits.)
    public func testPrefilter(_ scope: EvaluationScope) -> ConditionOutcome? {
        guard let prefilter else { return nil }
        return Self.outcome(of: prefilter, in: scope)
    }

    /// The expression's value in `scope`; throws on a type error.
    public func evaluate(_ scope: EvaluationScope) throws(EvaluationError) -> Value {
        try evaluator(scope)
    }

    /// For `where`/`until`: true -> .matched; false or null -> .notMatched; a type error
    /// anywhere or a non-bool result -> .typeError (which counts as false).
    public func test(_ scope: EvaluationScope) -> ConditionOutcome {
        Self.outcome(of: evaluator, in: scope)
    }

    private static func outcome(of evaluator: ExpressionEvaluator, in scope: EvaluationScope) -> ConditionOutcome {
        do {
            switch try evaluator(scope) {
            case .bool(true): return .matched
            case .bool(false), .null: return .notMatched
            default: return .typeError
            }
        } catch {
            return .typeError
        }
    }
}
