import CepheusCore
import CepheusState
import Synchronization

/// Appends what the sources take to the ingest log, one writer at a time, and wakes
/// the runtime. `append` returns once the records are synced (a group commit per call),
/// which is when `POST /v1/events` may answer 202.
///
/// It also keeps what event time needs from the wall clock: when each source last
/// delivered an event (for idle sources), and in processing-time mode the ingest clock,
/// recorded in the log ahead of the events it stamps so a restart sees the same times.
final class IngestSequencer: Sendable {
    private let log: Mutex<IngestLogBox>
    /// The position after the last record synced: what the runtime may read. Bytes past
    /// it may still be rolled back (a batch that could not be synced) and rewritten.
    private let durable: Mutex<Int64>
    /// Monotonic seconds of each source's last event appended (seeded with the start).
    private let lastEvent: Mutex<[String: Double]>
    /// Processing-time mode: events are stamped with the ingest clock.
    let processingTime: Bool

    /// Holds the non-Sendable log, and the last clock value recorded, inside the mutex.
    struct IngestLogBox: @unchecked Sendable {
        let log: IngestLog
        var lastClock: Int64 = .min
        /// Set when a failed batch could not be rolled back: nothing more is appended.
        var broken: String?
    }

    /// `sources`: the event sources the daemon runs (their idleness counts from now).
    /// `clockFloor`: the processing time the restored state reached — the clock never
    /// stamps below it, even if the wall clock went back across the restart.
    init(log: IngestLog, processingTime: Bool = false, sources: [String] = [], clockFloor: Int64? = nil) {
        self.log = Mutex(IngestLogBox(log: log, lastClock: clockFloor ?? .min))
        durable = Mutex(log.nextPosition)
        self.processingTime = processingTime
        let now = CheckpointCoordinator.monotonicSeconds()
        lastEvent = Mutex(Dictionary(sources.map { ($0, now) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Appends and syncs `records`; returns the position after the last one.
    func append(_ records: [IngestRecord]) throws -> Int64 {
        var sources: Set<String> = []
        for record in records {
            if case .event(let source, _, _, _) = record { sources.insert(source) }
        }
        let stamp = processingTime && !sources.isEmpty
        let next = try log.withLock { box in
            try Self.appendWhole(&box) { box in
                let clock = stamp ? Self.advanceClock(&box) : nil
                if let clock { try box.log.append(.clock(clock)) }
                for record in records { try box.log.append(record) }
                // Every later event is stamped later (the clock is strictly increasing):
                // the watermark can pass these at once, so their matches are due now.
                if let clock { try box.log.append(.watermark(clock)) }
            }
        }
        durable.withLock { $0 = max($0, next) }
        if !sources.isEmpty {
            let now = CheckpointCoordinator.monotonicSeconds()
            lastEvent.withLock { last in
                for source in sources { last[source] = now }
            }
        }
        return next
    }

    /// Processing-time mode: records the clock's advance as a watermark (every event
    /// after it is stamped later, so none is late), so windows close and absence rules
    /// fire on time without input.
    func appendClockTick() throws {
        let next = try log.withLock { box in
            try Self.appendWhole(&box) { box in
                let clock = Self.advanceClock(&box)
                try box.log.append(.watermark(clock))
            }
        }
        durable.withLock { $0 = max($0, next) }
    }

    /// Runs `write` (appends) and syncs, all or nothing: a batch that cannot be written
    /// and synced (a full disk) leaves no part of it in the log — its sender is told so
    /// (HTTP 503) — and the log is rolled back to its last good record, so later batches
    /// never follow a torn frame. Returns the position after the batch.
    private static func appendWhole(_ box: inout IngestLogBox, _ write: (inout IngestLogBox) throws -> Void) throws -> Int64 {
        if let broken = box.broken { throw IngestLog.Failure(broken) }
        let mark = box.log.mark()
        do {
            try write(&box)
            try box.log.sync()
        } catch {
            do {
                try box.log.rollBack(to: mark)
            } catch {
                box.broken = "\(error) (after a failed append; a restart repairs the log's tail)"
                throw IngestLog.Failure(box.broken!)
            }
            throw error
        }
        return box.log.nextPosition
    }

    /// The clock stamps above `time` from now on (a clock record found in the log).
    func raiseClockFloor(to time: Int64) {
        log.withLock { box in box.lastClock = max(box.lastClock, time) }
    }

    /// The wall clock in epoch ms, strictly after the last value recorded (two batches
    /// in one millisecond get consecutive values).
    private static func advanceClock(_ box: inout IngestLogBox) -> Int64 {
        box.lastClock = box.lastClock == .min ? CheckpointCoordinator.wallClockMilliseconds()
            : max(box.lastClock + 1, CheckpointCoordinator.wallClockMilliseconds())
        return box.lastClock
    }

    /// Seconds since any source last delivered an event.
    var secondsSinceInput: Double {
        let newest = lastEvent.withLock { $0.values.max() } ?? 0
        return CheckpointCoordinator.monotonicSeconds() - newest
    }

    /// The sources without an event for at least `seconds`.
    func sourcesIdle(for seconds: Double) -> Set<String> {
        let now = CheckpointCoordinator.monotonicSeconds()
        return lastEvent.withLock { last in Set(last.compactMap { now - $0.value >= seconds ? $0.key : nil }) }
    }

    /// The position after the last record synced (see `durable`).
    var durablePosition: Int64 { durable.withLock { $0 } }

    /// The position the next record gets.
    var nextPosition: Int64 { log.withLock { $0.log.nextPosition } }

    /// Deletes log segments behind `position`.
    func discard(before position: Int64) throws {
        try log.withLock { box in _ = try box.log.discard(before: position) }
    }
}
