/// A compiled pattern: its states, the start state and the whole-match window.
public struct CompiledNFA: Sendable {
    public let states: [NFAStateNode]
    public let start: Int
    /// `within` in milliseconds, if any.
    public let window: Int64?

    /// A readable dump of the states and transitions, for `--explain` and tests.
    public var description: String {
        var lines: [String] = []
        for state in states {
            lines.append("s\(state.id) step=\(state.step) \(state.kind)")
            for t in state.transitions {
                lines.append("  \(t.action) -> s\(t.target) if \(t.condition)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
