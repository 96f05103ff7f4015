/// What an engine's per-key state holds and how many bytes it takes (`cepheus bench`):
/// every (rule, key) state with its partial matches, shared buffers and the events they
/// keep (each event counted once), plus the tables that find them.
public struct StateFootprint: Sendable {
    /// (rule, key) pairs with state.
    public var keys = 0
    /// Live partial matches (not counting start states).
    public var partialMatches = 0
    /// Bytes of key states, matcher state and state tables.
    public var stateBytes = 0
    /// Of `keys`, those held compacted (encoded in memory, events included), and the
    /// bytes their tables take (part of `stateBytes`).
    public var compactedKeys = 0
    public var compactedBytes = 0
    /// Distinct events held by partial matches, and their bytes.
    public var events = 0
    public var eventBytes = 0

    public init() {}

    /// All bytes: state and the events it holds.
    public var totalBytes: Int { stateBytes + eventBytes }

    /// `totalBytes` per (rule, key) with state; 0 without any.
    public var bytesPerKey: Double { keys == 0 ? 0 : Double(totalBytes) / Double(keys) }
}
