import CepheusCore

/// A rule as the engine runs it, for the rules API: id, version, where it came from,
/// whether it is enabled, and its definition as JSON.
public struct LoadedRuleSummary: Sendable, Equatable {
    public var id: String
    public var version: Int
    public var source: String
    public var enabled: Bool
    public var definition: Value
}
