import CepheusCore
import CepheusRules

/// Computes a rule's key for an event (rules.md 3.6): one expression, a composite list,
/// or none (the global key, null). A class, so the hot path holds one reference instead
/// of copying the compiled expressions.
final class KeyExtractor {
    private let expressions: [CompiledExpression]?
    private let composite: Bool
    /// The field path of a key that is one plain field (`user`, `geo.country`), else
    /// nil; pinned (the hot path reads it without reference counting).
    let pinnedPlainPath: PinnedPath?

    init(expressions: [CompiledExpression]?, composite: Bool) {
        self.expressions = expressions
        self.composite = composite
        if let expressions, !composite, let path = expressions[0].fieldPath {
            pinnedPlainPath = Pinned.path(path)
        } else {
            pinnedPlainPath = nil
        }
    }

    /// The key group (`StableHash.keyGroup`, 128 groups) of the event's key, or `nil`
    /// when it has none. A key that is a plain field holding a string is hashed from
    /// the tape's bytes, without building the key.
    func keyGroup(of event: Event) -> Int? {
        if let path = pinnedPlainPath, let group = event.withTape({ Self.plainKeyGroup(path, in: $0) }) { return group }
        return key(of: event).map { StableHash.keyGroup(of: $0) }
    }

    /// The key group of a plain-field key read from `tape`: `.some(nil)` when the field
    /// is absent or null (no key), `nil` when it holds something other than a plain
    /// string (the key has to be built and hashed as a value).
    static func plainKeyGroup(_ path: PinnedPath, in tape: TapeView) -> Int?? {
        guard let index = tape.path(path) else { return .some(nil) }
        switch tape[index].kind {
        case .null: return .some(nil)
        case .string: return StableHash.keyGroup(ofPlainString: tape.bytes(at: index)).map { .some($0) }
        default: return nil
        }
    }

    /// The key of the event whose tape is `tape`, as a probe for the state tables
    /// (a plain string field is hashed in place), or `nil` when it has none.
    func probe(of event: Event, tape: TapeView) -> KeyProbe? {
        if let path = pinnedPlainPath {
            guard let index = tape.path(path) else { return nil }
            switch tape[index].kind {
            case .null: return nil
            case .string: return KeyProbe(bytes: tape.bytes(at: index))
            default: return KeyProbe(value: tape.value(at: index))
            }
        }
        return key(of: event).map { KeyProbe(value: $0) }
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

    /// Equal signatures compute equal keys (the expressions' source texts).
    static func signature(expressions: [CompiledExpression]?, composite: Bool) -> String {
        guard let expressions else { return "" }
        return (composite ? "[" : "") + expressions.map(\.text).joined(separator: "\u{1F}")
    }
}
