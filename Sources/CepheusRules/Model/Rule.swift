import CepheusCore

/// A validated, compiled rule (rules.md section 2): what the matcher and the
/// runtime execute. Built by `RuleLoader` from YAML or JSON.
public struct Rule: Sendable {
    public var id: String
    public var description: String?
    public var severity: Severity
    /// Labels copied into alerts, in file order.
    public var labels: [(String, String)]
    public var enabled: Bool
    /// The key expressions; `nil` when the rule has no `key` (one global key, null).
    public var key: [CompiledExpression]?
    /// `true` when `key` was written as a list (the key value is then a JSON array).
    public var keyIsComposite: Bool
    /// Whole-match window in milliseconds.
    public var within: Int64?
    public var skip: SkipStrategy
    public var maxPartialMatches: Int
    public var onTimeout: TimeoutAction
    public var pattern: [Step]
    public var alert: AlertSpec
    /// Where the rule came from (file path, or `control`), for messages and the API.
    public var origin: String
    /// Canonical text of `key`, `within`, `skip` and `pattern`: two versions of a rule
    /// whose signatures differ cannot share partial matches (rules.md section 7).
    public var matchingSignature: String
    /// Canonical text of the whole rule, to tell an unchanged upsert from a changed one.
    public var contentSignature: String
    /// The rule as a JSON object (for the HTTP API and control records).
    public var definition: Value

    public init(
        id: String, description: String? = nil, severity: Severity = .medium,
        labels: [(String, String)] = [], enabled: Bool = true,
        key: [CompiledExpression]? = nil, keyIsComposite: Bool = false,
        within: Int64? = nil, skip: SkipStrategy = .pastLastEvent,
        maxPartialMatches: Int = 10_000, onTimeout: TimeoutAction = .ignore,
        pattern: [Step], alert: AlertSpec = AlertSpec(), origin: String = "",
        matchingSignature: String = "", contentSignature: String = "", definition: Value = .null
    ) {
        self.id = id
        self.description = description
        self.severity = severity
        self.labels = labels
        self.enabled = enabled
        self.key = key
        self.keyIsComposite = keyIsComposite
        self.within = within
        self.skip = skip
        self.maxPartialMatches = maxPartialMatches
        self.onTimeout = onTimeout
        self.pattern = pattern
        self.alert = alert
        self.origin = origin
        self.matchingSignature = matchingSignature
        self.contentSignature = contentSignature
        self.definition = definition
    }
}

/// Alert severity, lowest to highest.
public enum Severity: String, Sendable, CaseIterable {
    case info, low, medium, high, critical
}

/// What happens to a partial match whose window closed (`on_timeout`).
public enum TimeoutAction: String, Sendable {
    case ignore, alert
}

/// After-match skip strategy (rules.md 3.4), as Flink's `AfterMatchSkipStrategy`.
public enum SkipStrategy: Sendable, Equatable {
    case noSkip
    case toNext
    case pastLastEvent
    case toFirst(String)
    case toLast(String)
}

/// Contiguity between a step and the previous one, or between repetitions of a
/// looping step: `strict` = Flink `next()`/`consecutive()`, `relaxed` =
/// `followedBy()` (the default), `any` = `followedByAny()`/`allowCombinations()`.
public enum Contiguity: String, Sendable {
    case strict, relaxed, any
}
