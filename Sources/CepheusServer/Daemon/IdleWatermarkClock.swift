import CepheusState
import ServiceLifecycle

/// Event time on quiet streams (spec/daemon.md, `time.idle_timeout`), every decision
/// recorded in the ingest log so a restart (or a replay of the log) sees the same:
/// - a source without an event for `idle_timeout` gets an `idle` record: it stops
///   holding the watermark back until its next event;
/// - when every source has been idle that long, the watermark advances from where it
///   is at wall-clock rate (watermark records), so windows close and absence rules fire;
/// - in processing-time mode, the clock's advance is recorded every tick instead.
final class IdleWatermarkClock: Service, @unchecked Sendable {
    private let sequencer: IngestSequencer
    private let idleTimeout: Double
    private let currentWatermark: @Sendable () -> Int64?
    private let log: @Sendable (String) -> Void
    /// The last advance appended, and when (monotonic seconds).
    private var lastAdvance: (watermark: Int64, at: Double)?
    /// Sources whose `idle` record is in the log and that have had no event since.
    private var reportedIdle: Set<String> = []
    static let tick = Duration.milliseconds(250)

    init(
        sequencer: IngestSequencer, idleTimeout: Int64, currentWatermark: @escaping @Sendable () -> Int64?,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.sequencer = sequencer
        self.idleTimeout = Double(idleTimeout) / 1000
        self.currentWatermark = currentWatermark
        self.log = log
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.tick)
                    self.tick()
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    private func tick() {
        do {
            if sequencer.processingTime {
                try sequencer.appendClockTick()
                return
            }
            try markIdleSources()
            try advanceWhenAllIdle()
        } catch {
            log("cannot append to the ingest log (idle sources, watermark): \(error)")
        }
    }

    private func markIdleSources() throws {
        let idle = sequencer.sourcesIdle(for: idleTimeout)
        // A source that delivered again is active; it is reported anew when it idles.
        reportedIdle.formIntersection(idle)
        let newlyIdle = idle.subtracting(reportedIdle).sorted()
        guard !newlyIdle.isEmpty else { return }
        _ = try sequencer.append(newlyIdle.map { IngestRecord.idle(source: $0) })
        reportedIdle.formUnion(newlyIdle)
    }

    private func advanceWhenAllIdle() throws {
        let idle = sequencer.secondsSinceInput
        guard idle >= idleTimeout else {
            lastAdvance = nil
            return
        }
        // Nothing to advance before the first event set a watermark.
        guard let watermark = currentWatermark() else { return }
        let now = CheckpointCoordinator.monotonicSeconds()
        let base: (watermark: Int64, at: Double)
        if let lastAdvance, lastAdvance.watermark >= watermark {
            base = lastAdvance
        } else {
            // Idle since `idle - idleTimeout` seconds beyond the timeout: start there.
            base = (watermark, now - (idle - idleTimeout))
        }
        let step = Int64((now - base.at) * 1000)
        guard step >= 100 else { return }
        let next = base.watermark + step
        _ = try sequencer.append([.watermark(next)])
        lastAdvance = (next, now)
    }
}
