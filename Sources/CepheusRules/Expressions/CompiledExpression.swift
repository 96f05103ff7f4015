import CepheusCore

/// An expression compiled once by `ExpressionCompiler`, ready to evaluate any number of
/// times from any thread (rules.md section 4). Evaluation never parses anything.
public struct CompiledExpression: Sendable {
    /// The source text.
    public let text: String
    /// True when the expression names any step (the matcher then has to materialize the
    /// partial match).
    public let referencesSteps: Bool
    let evaluator: ExpressionEvaluator
    /// The expression's value when it does not depend on the scope (e.g. `true`).
    let constant: Value?

    init(text: String, referencesSteps: Bool, evaluator: @escaping ExpressionEvaluator, constant: Value?) {
        self.text = text
        self.referencesSteps = referencesSteps
        self.evaluator = evaluator
        self.constant = constant
    }

    /// The expression's value in `scope`; throws on a type error.
    public func evaluate(_ scope: EvaluationScope) throws(EvaluationError) -> Value {
        try evaluator(scope)
    }

    /// For `where`/`until`: true -> .matched; false or null -> .notMatched; a type error
    /// anywhere or a non-bool result -> .typeError (which counts as false).
    public func test(_ scope: EvaluationScope) -> ConditionOutcome {
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
