import CepheusCore
import CepheusRules

/// Computes a rule's key for an event (rules.md 3.6): one expression, a composite list,
/// or none (the global key, null). A class, so the hot path holds one reference instead
/// of copying the compiled expressions.
final class KeyExtractor {
    private let expressions: [CompiledExpression]?
    private let composite: Bool

    init(expressions: [CompiledExpression]?, composite: Bool) {
        self.expressions = expressions
        self.composite = composite
    }

    /// The key, or `nil` when it (or any part of a composite key) is null or fails.
    func key(of event: Event) -> Value? {
        guard let expressions else { return .null }
        let scope = EvaluationScope(event: event, key: .null)
        if composite {
            var parts: [Value] = []
            parts.reserveCapacity(expressions.count)
            for expression in expressions {
                guard let value = try? expression.evaluate(scope), !value.isNull else { return nil }
                parts.append(value)
            }
            return .array(parts)
        }
        guard let value = try? expressions[0].evaluate(scope), !value.isNull else { return nil }
        return value
    }
}
