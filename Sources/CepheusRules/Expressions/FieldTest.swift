import CepheusCore

/// One `field OP constant` comparison read straight from an event's tape: the operands
/// of a fused `&&` chain (`type == "login" && ok == false && amount > 100`), evaluated in
/// one pass over the event with the same results, type errors included, as the
/// general evaluator.
final class FieldTest: Sendable {
    enum Comparison {
        case equal, notEqual
        case ordered(symbol: String, accept: @Sendable (Int) -> Bool)
        /// `FIELD in ["a", "b"]` (a list of strings only), or `!(FIELD in [...])` when
        /// negated: membership is `==` per element, true only for a string field equal
        /// to one of them, and never a type error.
        case member(texts: [[UInt8]], negated: Bool)
    }

    /// What an expression sees when there is no event: an empty object.
    static let emptyEvent = Event.make(value: .object(JSONObject()), timestamp: 0, id: "", sequence: 0)

    /// Interned names along the field path.
    let path: [Int32]
    let comparison: Comparison
    let constant: Value
    /// For a string constant compared for (in)equality: its UTF-8, compared in place.
    let utf8: [UInt8]?
    /// Whether a missing (null) field equals the constant.
    let nullEquals: Bool

    init(path: [Int32], comparison: Comparison, constant: Value) {
        self.path = path
        self.comparison = comparison
        self.constant = constant
        if case .ordered = comparison {
            utf8 = nil
        } else if case .member = comparison {
            utf8 = nil
        } else if case .string(let text) = constant {
            utf8 = Array(text.utf8)
        } else {
            utf8 = nil
        }
        nullEquals = ExpressionOperations.equal(.null, constant)
    }

    /// The comparison's outcome on the event whose tape is `tape`.
    @inline(__always)
    func evaluate(_ tape: TapeView) throws(EvaluationError) -> Bool {
        let index = tape.path(path)
        switch comparison {
        case .equal, .notEqual:
            let wanted: Bool
            if case .equal = comparison { wanted = true } else { wanted = false }
            guard let index else { return nullEquals == wanted }
            if let utf8 {
                return utf8.withUnsafeBytes { tape.string(at: index, equals: $0) } == wanted
            }
            return ExpressionOperations.equal(tape.value(at: index), constant) == wanted
        case .member(let texts, let negated):
            guard let index, tape[index].kind == .string else { return negated }
            for text in texts where text.withUnsafeBytes({ tape.string(at: index, equals: $0) }) { return !negated }
            return negated
        case .ordered(let symbol, let accept):
            let value = index.map { tape.value(at: $0) } ?? .null
            let result = try ExpressionOperations.ordered(value, constant, symbol, accept)
            if case .bool(let flag) = result { return flag }
            return false
        }
    }
}
