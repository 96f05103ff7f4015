import CepheusMatcher
import CepheusState

extension RuntimeEngine {
    /// With several shards (the daemon's workers, each consuming the whole input and
    /// owning a share of the key groups): the figures each engine counts for itself.
    /// A checkpoint records their sum in shard 0's metadata; after a restore, shard 0
    /// holds the sum and the others start from zero, so totals stay right for any
    /// worker count.
    public struct Figures: Sendable {
        public var counters = RuntimeCounters()
        /// Per rule id: steps, dropped partial matches, condition type errors.
        public var rules: [String: MatcherStats] = [:]
        public var retiredDropped = 0
        public var retiredTypeErrors = 0
        public var alertTypeErrors = 0

        public init() {}

        /// The sum over shards.
        public static func total(_ all: [Figures]) -> Figures {
            var total = all.first ?? Figures()
            for other in all.dropFirst() {
                // Every shard sees every event and control record: those counts once.
                let once = total.counters
                total.counters = total.counters.adding(other.counters)
                total.counters.events = once.events
                total.counters.late = once.late
                total.counters.rejected = once.rejected
                total.counters.controlApplied = once.controlApplied
                total.counters.controlRejected = once.controlRejected
                for (id, stats) in other.rules {
                    var sum = total.rules[id] ?? MatcherStats()
                    sum.steps += stats.steps
                    sum.droppedPartialMatches += stats.droppedPartialMatches
                    sum.conditionTypeErrors += stats.conditionTypeErrors
                    total.rules[id] = sum
                }
                total.retiredDropped += other.retiredDropped
                total.retiredTypeErrors += other.retiredTypeErrors
                total.alertTypeErrors += other.alertTypeErrors
            }
            return total
        }
    }

    /// This engine's own figures.
    public var figures: Figures {
        var figures = Figures()
        figures.counters = counters
        for slot in slots { figures.rules[slot.rule.id] = slot.stats }
        figures.retiredDropped = retiredDropped
        figures.retiredTypeErrors = retiredTypeErrors
        figures.alertTypeErrors = alertTypeErrors
        return figures
    }

    /// Replaces this engine's figures (to write a total, or to zero a restored shard
    /// other than 0).
    public func adopt(_ figures: Figures) {
        counters = figures.counters
        for slot in slots {
            let stats = figures.rules[slot.rule.id] ?? MatcherStats()
            slot.stats.steps = stats.steps
            slot.stats.droppedPartialMatches = stats.droppedPartialMatches
            slot.stats.conditionTypeErrors = stats.conditionTypeErrors
        }
        retiredDropped = figures.retiredDropped
        retiredTypeErrors = figures.retiredTypeErrors
        alertTypeErrors = figures.alertTypeErrors
    }

    /// Whether this engine owns key group `group`.
    func owns(group: Int) -> Bool {
        shard.map { group % $0.count == $0.index } ?? true
    }
}

extension RuntimeCounters {
    /// The field-by-field sum.
    public func adding(_ other: RuntimeCounters) -> RuntimeCounters {
        var sum = self
        sum.events += other.events
        sum.late += other.late
        sum.rejected += other.rejected
        sum.keySkipped += other.keySkipped
        sum.throttled += other.throttled
        sum.alerts += other.alerts
        sum.controlApplied += other.controlApplied
        sum.controlRejected += other.controlRejected
        sum.partialMatchesDiscarded += other.partialMatchesDiscarded
        sum.partialMatchesDropped += other.partialMatchesDropped
        sum.typeErrors += other.typeErrors
        sum.statesSpilled += other.statesSpilled
        sum.statesLoaded += other.statesLoaded
        sum.statesCompacted += other.statesCompacted
        sum.statesInflated += other.statesInflated
        sum.keysExpired += other.keysExpired
        return sum
    }
}

extension RuntimeCounters {
    /// A run's counters: the reader's (events, late, rejected, control records it could
    /// not parse) with every engine's. Every engine applies every control record: the
    /// first one's count of them is taken.
    static func combining(reader: RuntimeCounters, engines: [RuntimeCounters]) -> RuntimeCounters {
        var total = reader
        for (index, counters) in engines.enumerated() {
            total.keySkipped += counters.keySkipped
            total.throttled += counters.throttled
            total.alerts += counters.alerts
            total.partialMatchesDiscarded += counters.partialMatchesDiscarded
            total.partialMatchesDropped += counters.partialMatchesDropped
            total.typeErrors += counters.typeErrors
            total.statesSpilled += counters.statesSpilled
            total.statesLoaded += counters.statesLoaded
            total.statesCompacted += counters.statesCompacted
            total.statesInflated += counters.statesInflated
            total.keysExpired += counters.keysExpired
            if index == 0 {
                total.controlApplied += counters.controlApplied
                total.controlRejected += counters.controlRejected
            }
        }
        return total
    }
}

extension RuntimeEngine.CheckpointWrite {
    /// Adds another engine's share.
    mutating func add(_ share: RuntimeEngine.CheckpointWrite) {
        statesWritten += share.statesWritten
        statesDeleted += share.statesDeleted
        bytes += share.bytes
        keys += share.keys
        partialMatches += share.partialMatches
    }
}
