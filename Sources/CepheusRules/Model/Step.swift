import CepheusCore

/// One step of a rule's pattern, with its quantifier already mapped to Flink's
/// terms (rules.md 3.1).
public struct Step: Sendable {
    public var name: String
    /// `where`; `nil` means always true.
    public var condition: CompiledExpression?
    public var quantifier: Quantifier
    /// Contiguity with the previous step (ignored for the first step, which Flink
    /// begins with relaxed contiguity).
    public var contiguity: Contiguity
    /// Contiguity between repetitions (`loop`).
    public var loop: Contiguity
    public var greedy: Bool
    public var until: CompiledExpression?
    /// `absent: true`: `notNext()` when strict, else `notFollowedBy()`.
    public var absent: Bool

    public init(
        name: String, condition: CompiledExpression? = nil, quantifier: Quantifier = .one,
        contiguity: Contiguity = .relaxed, loop: Contiguity = .relaxed, greedy: Bool = false,
        until: CompiledExpression? = nil, absent: Bool = false
    ) {
        self.name = name
        self.condition = condition
        self.quantifier = quantifier
        self.contiguity = contiguity
        self.loop = loop
        self.greedy = greedy
        self.until = until
        self.absent = absent
    }
}

/// A step's quantifier in Flink's terms: `times(from, to)` or a looping
/// `timesOrMore(from)`, optionally `.optional()`. YAML `times: 0..4` arrives here as
/// `from: 1, to: 4, optional: true`, and `0+` as `from: 1, looping, optional`.
public struct Quantifier: Sendable, Equatable {
    /// Minimum repetitions (at least 1).
    public var from: Int
    /// Maximum repetitions for a non-looping step (`from...to`); ignored when looping.
    public var to: Int
    /// `n+`: no upper bound.
    public var looping: Bool
    public var optional: Bool

    public init(from: Int, to: Int, looping: Bool, optional: Bool) {
        self.from = from
        self.to = to
        self.looping = looping
        self.optional = optional
    }

    /// Exactly one event (no `times`).
    public static let one = Quantifier(from: 1, to: 1, looping: false, optional: false)

    /// `true` when `times` was given (Flink's TIMES or LOOPING property): only such
    /// steps take `greedy`, `loop` and (when looping) `until`.
    public var hasTimes: Bool = false
}
