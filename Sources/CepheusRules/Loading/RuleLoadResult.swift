/// What loading rules produced: the valid rules and every diagnostic, in file order
/// and, within a file, in line and column order. A rule from a YAML document that
/// has any error is left out of `rules`.
public struct RuleLoadResult: Sendable {
    public var rules: [Rule]
    public var diagnostics: [Diagnostic]
    /// Paths given to `RuleLoader.load` that could not be read (missing, not
    /// readable, not UTF-8); each also has an error diagnostic at `PATH:1:1`.
    /// `cepheus replay` exits 2 rather than 1 when this is not empty.
    public var unreadablePaths: [String]

    public init(rules: [Rule] = [], diagnostics: [Diagnostic] = [], unreadablePaths: [String] = []) {
        self.rules = rules
        self.diagnostics = diagnostics
        self.unreadablePaths = unreadablePaths
    }

    /// `true` when any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Only the errors.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// Only the warnings.
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}
