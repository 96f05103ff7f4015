/// Computes the watermark in input order, before any sharding (rules.md section 1):
/// `max(ts seen) - out_of_orderness - 1 ms`; an event at or below the current
/// watermark is late.
public struct WatermarkTracker: Sendable {
    public let outOfOrderness: Int64
    public private(set) var maxTimestamp: Int64?
    /// The current watermark, `Int64.min` before the first event.
    public private(set) var current: Int64 = .min

    public init(outOfOrderness: Int64) {
        self.outOfOrderness = outOfOrderness
    }

    /// `true` when an event at `timestamp` arriving now is late.
    public func isLate(_ timestamp: Int64) -> Bool { timestamp <= current }

    /// Records an on-time event; returns the new watermark if it advanced.
    public mutating func observe(_ timestamp: Int64) -> Int64? {
        if let maxTimestamp, timestamp <= maxTimestamp { return nil }
        maxTimestamp = timestamp
        let (a, o1) = timestamp.subtractingReportingOverflow(outOfOrderness)
        let (candidate, o2) = a.subtractingReportingOverflow(1)
        let next = (o1 || o2) ? Int64.min : candidate
        guard next > current else { return nil }
        current = next
        return next
    }

    /// Moves the watermark to `time` without an event (an idle input's advance);
    /// returns the new watermark if it moved.
    public mutating func advance(to time: Int64) -> Int64? {
        guard time > current else { return nil }
        current = time
        return time
    }

    /// Restores a tracker (checkpoints).
    public init(outOfOrderness: Int64, maxTimestamp: Int64?, current: Int64) {
        self.outOfOrderness = outOfOrderness
        self.maxTimestamp = maxTimestamp
        self.current = current
    }
}
