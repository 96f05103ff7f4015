/// One input event: the parsed JSON object, its event time and its id
/// (rules.md section 1). Immutable and shared by reference: the reorder buffer,
/// the shared buffer of every rule and the alerts all point at the same instance.
public final class Event: Sendable {
    /// The input object exactly as parsed.
    public let value: Value
    /// Event time in epoch milliseconds (floored).
    public let timestamp: Int64
    /// The `id` field when present, else `SOURCE:LINE`.
    public let id: String
    /// Position in the ordered input (0-based, events only); ties in `timestamp`
    /// are matched in this order.
    public let sequence: Int64

    public init(value: Value, timestamp: Int64, id: String, sequence: Int64) {
        self.value = value
        self.timestamp = timestamp
        self.id = id
        self.sequence = sequence
    }
}
