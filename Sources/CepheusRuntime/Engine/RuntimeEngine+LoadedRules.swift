import CepheusCore

extension RuntimeEngine {
    /// The loaded rules, in load order.
    public var loadedRules: [LoadedRuleSummary] {
        slots.map { LoadedRuleSummary(id: $0.rule.id, version: $0.version, source: $0.rule.origin, enabled: $0.rule.enabled, definition: $0.rule.definition) }
    }
}
