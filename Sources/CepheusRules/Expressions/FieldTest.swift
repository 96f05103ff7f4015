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

    /// Tests read without reference counting: `tests` keeps them alive.
    struct Unretained: @unchecked Sendable {
        let tests: [FieldTest]
        let references: [Unmanaged<FieldTest>]

        init(_ tests: [FieldTest]) {
            self.tests = tests
            references = tests.map { Unmanaged.passUnretained($0) }
        }
    }

    /// What an expression sees when there is no event: an empty object.
    static let emptyEvent = Event.make(value: .object(JSONObject()), timestamp: 0, id: "", sequence: 0)

    /// What `evaluate` does, without payload (switching over `comparison` would copy
    /// and retain its payload on every evaluation).
    private enum Kind {
        case equalText, equalValue, member, ordered
    }

    /// Interned names along the field path, pinned (read without reference counting).
    let path: PinnedPath
    let comparison: Comparison
    let constant: Value
    private let kind: Kind
    /// `==` (true) or `!=` (false); for `member`, not negated (true) or negated.
    private let wanted: Bool
    /// For a string constant compared for (in)equality: its UTF-8, compared in place.
    private let utf8: PinnedBytes
    /// For `member`: the texts.
    private let texts: PinnedByteList
    /// Whether a missing (null) field equals the constant.
    let nullEquals: Bool

    init(path: [Int32], comparison: Comparison, constant: Value) {
        self.path = Pinned.path(path)
        self.comparison = comparison
        self.constant = constant
        var utf8: [UInt8] = []
        var texts: [[UInt8]] = []
        switch comparison {
        case .ordered:
            kind = .ordered
            wanted = true
        case .member(let list, let negated):
            kind = .member
            wanted = !negated
            texts = list
        case .equal, .notEqual:
            if case .equal = comparison { wanted = true } else { wanted = false }
            if case .string(let text) = constant {
                kind = .equalText
                utf8 = Array(text.utf8)
            } else {
                kind = .equalValue
            }
        }
        self.utf8 = Pinned.bytes(utf8)
        self.texts = Pinned.byteList(texts)
        nullEquals = ExpressionOperations.equal(.null, constant)
    }

    /// The comparison's outcome on the event whose tape is `tape`.
    @inline(__always)
    func evaluate(_ tape: TapeView) throws(EvaluationError) -> Bool {
        let index = tape.path(path)
        switch kind {
        case .equalText:
            guard let index else { return nullEquals == wanted }
            return tape.string(at: index, equals: utf8.bytes) == wanted
        case .equalValue:
            guard let index else { return nullEquals == wanted }
            return ExpressionOperations.equal(tape.value(at: index), constant) == wanted
        case .member:
            guard let index, tape[index].kind == .string else { return !wanted }
            for text in texts.items where tape.string(at: index, equals: text.bytes) { return wanted }
            return !wanted
        case .ordered:
            guard case .ordered(let symbol, let accept) = comparison else { return false }
            let value = index.map { tape.value(at: $0) } ?? .null
            let result = try ExpressionOperations.ordered(value, constant, symbol, accept)
            if case .bool(let flag) = result { return flag }
            return false
        }
    }
}
