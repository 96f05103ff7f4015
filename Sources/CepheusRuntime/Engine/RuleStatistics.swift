/// How much matching work one rule did, and what it holds (`replay --stats`).
public struct RuleStatistics: Sendable {
    public var id: String
    /// Partial-match steps taken: one per live partial match per event of its key.
    public var steps: Int
    public var partialMatches: Int
    /// Keys with state.
    public var keys: Int
    /// Partial matches the per-key cap dropped.
    public var droppedPartialMatches: Int = 0
}
