/// Identifies an event inside one key's shared buffer: its timestamp and its position
/// in the input (Flink's `EventId` orders by timestamp, then arrival).
public struct EventKey: Hashable, Comparable, Sendable {
    public var timestamp: Int64
    public var sequence: Int64

    public init(timestamp: Int64, sequence: Int64) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    /// One word into the hasher instead of two.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(bitPattern: timestamp) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: sequence))
    }

    public static func < (lhs: EventKey, rhs: EventKey) -> Bool {
        lhs.timestamp != rhs.timestamp ? lhs.timestamp < rhs.timestamp : lhs.sequence < rhs.sequence
    }
}
