/// What the runtime counted over a run: the replay summary line and, later, metrics.
public struct RuntimeCounters: Sendable, Equatable {
    /// Events read (on time or late; not rejected lines, not control records).
    public var events: Int = 0
    public var late: Int = 0
    public var rejected: Int = 0
    /// Events skipped by a rule because its key was null or failed.
    public var keySkipped: Int = 0
    public var throttled: Int = 0
    public var alerts: Int = 0
    public var controlApplied: Int = 0
    public var controlRejected: Int = 0
    /// Partial matches discarded because their rule's matching part changed or was deleted.
    public var partialMatchesDiscarded: Int = 0
    /// Partial matches dropped by the per-key cap.
    public var partialMatchesDropped: Int = 0
    /// Conditions, key, title and field expressions that hit a type error.
    public var typeErrors: Int = 0
    /// (Rule, key) states spilled to the store under the memory limit, and loaded back.
    public var statesSpilled: Int = 0
    public var statesLoaded: Int = 0
    /// (Rule, key) states compacted in memory (`hot_states`), and made live again. Not
    /// kept by checkpoints: they count what this process did.
    public var statesCompacted: Int = 0
    public var statesInflated: Int = 0
    /// Keys holding only a throttle that expired (`state.ttl`).
    public var keysExpired: Int = 0

    public init() {}

    /// `events=N late=N rejected=N key_skipped=N throttled=N alerts=N` (rules.md section 6).
    public var summary: String {
        "events=\(events) late=\(late) rejected=\(rejected) key_skipped=\(keySkipped) throttled=\(throttled) alerts=\(alerts)"
    }
}
