import CepheusCore
import CepheusState
import Synchronization

/// Appends what the sources take to the ingest log, one writer at a time, and wakes
/// the runtime. `append` returns once the records are synced (a group commit per call),
/// which is when `POST /v1/events` may answer 202.
final class IngestSequencer: Sendable {
    private let log: Mutex<IngestLogBox>
    private let signal = Mutex<Int64>(0)
    /// Monotonic seconds of the last event or control record appended.
    private let lastInput = Mutex<Double>(CheckpointCoordinator.monotonicSeconds())

    /// Seconds since an event or control record was last appended.
    var secondsSinceInput: Double { CheckpointCoordinator.monotonicSeconds() - lastInput.withLock { $0 } }

    /// Holds the non-Sendable log inside the mutex.
    struct IngestLogBox: @unchecked Sendable {
        let log: IngestLog
    }

    init(log: IngestLog) {
        self.log = Mutex(IngestLogBox(log: log))
    }

    /// Appends and syncs `records`; returns the position after the last one.
    func append(_ records: [IngestRecord]) throws -> Int64 {
        let next = try log.withLock { box in
            for record in records { try box.log.append(record) }
            try box.log.sync()
            return box.log.nextPosition
        }
        signal.withLock { $0 = next }
        if records.contains(where: { if case .watermark = $0 { return false } else { return true } }) {
            lastInput.withLock { $0 = CheckpointCoordinator.monotonicSeconds() }
        }
        return next
    }

    /// The position the next record gets.
    var nextPosition: Int64 { log.withLock { $0.log.nextPosition } }

    /// Deletes log segments behind `position`.
    func discard(before position: Int64) throws {
        try log.withLock { box in _ = try box.log.discard(before: position) }
    }
}
