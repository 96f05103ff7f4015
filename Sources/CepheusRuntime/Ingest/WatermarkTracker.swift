/// Computes the watermark in input order, before any sharding (rules.md section 1):
/// `max(ts seen) - out_of_orderness - 1 ms`; an event at or below the current
/// watermark is late.
///
/// With several sources (the daemon: files, stdin, HTTP), each source has its own
/// `max(ts)` and the watermark is the minimum over the active ones, never moving back. A
/// source takes part from its first event; one marked idle (an `idle` record in the
/// ingest log, after `time.idle_timeout` without input) stops holding the watermark
/// back until its next event.
public struct WatermarkTracker: Sendable {
    public let outOfOrderness: Int64
    /// The largest timestamp seen, over every source.
    public private(set) var maxTimestamp: Int64?
    /// The current watermark, `Int64.min` before the first event.
    public private(set) var current: Int64 = .min
    /// Per source (the multi-source methods only): its largest timestamp and whether
    /// it is idle.
    public private(set) var sources: [String: SourceState] = [:]

    /// One source's part in the watermark.
    public struct SourceState: Sendable, Equatable {
        public var maxTimestamp: Int64
        public var idle: Bool

        public init(maxTimestamp: Int64, idle: Bool) {
            self.maxTimestamp = maxTimestamp
            self.idle = idle
        }
    }

    public init(outOfOrderness: Int64) {
        self.outOfOrderness = outOfOrderness
    }

    /// `true` when an event at `timestamp` arriving now is late.
    public func isLate(_ timestamp: Int64) -> Bool { timestamp <= current }

    /// Records an on-time event of the only source; returns the new watermark if it
    /// advanced.
    public mutating func observe(_ timestamp: Int64) -> Int64? {
        if let maxTimestamp, timestamp <= maxTimestamp { return nil }
        maxTimestamp = timestamp
        let next = candidate(timestamp)
        guard next > current else { return nil }
        current = next
        return next
    }

    /// Records an on-time event of `source` (which becomes active if it was idle);
    /// returns the new watermark if it advanced.
    public mutating func observe(_ timestamp: Int64, source: String) -> Int64? {
        if maxTimestamp.map({ timestamp > $0 }) ?? true { maxTimestamp = timestamp }
        if var state = sources[source] {
            let changed = state.idle || timestamp > state.maxTimestamp
            guard changed else { return nil }
            state.idle = false
            state.maxTimestamp = max(state.maxTimestamp, timestamp)
            sources[source] = state
        } else {
            sources[source] = SourceState(maxTimestamp: timestamp, idle: false)
        }
        return recompute()
    }

    /// `source` has been idle for `time.idle_timeout`: it stops holding the watermark
    /// back. Returns the new watermark if it advanced.
    public mutating func markIdle(_ source: String) -> Int64? {
        guard var state = sources[source], !state.idle else { return nil }
        state.idle = true
        sources[source] = state
        return recompute()
    }

    /// The sources of the input from now on (the daemon's, at each start): a new one
    /// holds the watermark back until its first event or its idle mark; one no longer
    /// listed stops holding it. Returns the new watermark if it advanced.
    public mutating func declare(sources names: [String]) -> Int64? {
        let listed = Set(names)
        sources = sources.filter { listed.contains($0.key) }
        for name in names where sources[name] == nil {
            sources[name] = SourceState(maxTimestamp: .min, idle: false)
        }
        return recompute()
    }

    /// Moves the watermark to `time` without an event (an idle input's advance);
    /// returns the new watermark if it moved.
    public mutating func advance(to time: Int64) -> Int64? {
        guard time > current else { return nil }
        current = time
        return time
    }

    /// Restores a tracker (checkpoints).
    public init(outOfOrderness: Int64, maxTimestamp: Int64?, current: Int64, sources: [String: SourceState] = [:]) {
        self.outOfOrderness = outOfOrderness
        self.maxTimestamp = maxTimestamp
        self.current = current
        self.sources = sources
    }

    /// The minimum over the active sources' watermarks, when above the current one.
    private mutating func recompute() -> Int64? {
        var lowest: Int64?
        for state in sources.values where !state.idle {
            let value = candidate(state.maxTimestamp)
            if lowest.map({ value < $0 }) ?? true { lowest = value }
        }
        guard let lowest, lowest > current else { return nil }
        current = lowest
        return lowest
    }

    /// `timestamp - out_of_orderness - 1`, `Int64.min` on overflow.
    private func candidate(_ timestamp: Int64) -> Int64 {
        let (a, o1) = timestamp.subtractingReportingOverflow(outOfOrderness)
        let (value, o2) = a.subtractingReportingOverflow(1)
        return (o1 || o2) ? Int64.min : value
    }
}
