extension Rule {
    /// A copy whose compiled expressions (key, `where`, `until`, alert title and
    /// fields) are new objects compiled again from their text, shared with no other
    /// copy. Each worker thread matches with its own copy: evaluating an expression
    /// touches its reference counts, and a count that two cores update is a cache line
    /// moving between them on every event. An expression that does not compile again
    /// (it always does: it compiled once) keeps the shared object.
    public func withPrivateExpressions() -> Rule {
        let steps = ExpressionCompiler(stepNames: pattern.map(\.name))
        let eventOnly = ExpressionCompiler(stepNames: [])
        func again(_ expression: CompiledExpression, _ compiler: ExpressionCompiler) -> CompiledExpression {
            (try? compiler.compile(expression.text)) ?? expression
        }
        var copy = self
        copy.key = key?.map { again($0, eventOnly) }
        copy.pattern = pattern.map { step in
            var step = step
            step.condition = step.condition.map { again($0, steps) }
            step.until = step.until.map { again($0, steps) }
            return step
        }
        copy.alert.fields = alert.fields.map { ($0.0, again($0.1, steps)) }
        if let title = alert.title { copy.alert.title = (try? Template.parse(title.text, compiler: steps)) ?? title }
        return copy
    }
}
