import CepheusRules

/// Loads rule paths for a command, printing every diagnostic to stderr.
enum RuleSetLoading {
    /// The rules, or `nil` after printing the errors (the caller exits 1).
    static func load(_ paths: [String], knownReceivers: Set<String>? = nil) -> [Rule]? {
        let result = RuleLoader.load(paths: paths, knownReceivers: knownReceivers)
        for diagnostic in result.diagnostics {
            StandardError.write(diagnostic.description + "\n")
        }
        return result.hasErrors ? nil : result.rules
    }
}
