import CepheusState
import ServiceLifecycle

/// When no source has delivered anything for `time.idle_timeout`, the watermark
/// advances from where it is at wall-clock rate (spec/daemon.md), so windows close and
/// absence rules fire on quiet streams. Each advance is a watermark record in the
/// ingest log, so a restart (or a replay of the log) sees the same advances.
final class IdleWatermarkClock: Service, @unchecked Sendable {
    private let sequencer: IngestSequencer
    private let idleTimeout: Double
    private let currentWatermark: @Sendable () -> Int64?
    private let log: @Sendable (String) -> Void
    /// The last advance appended, and when (monotonic seconds).
    private var lastAdvance: (watermark: Int64, at: Double)?

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
                    try? await Task.sleep(for: .milliseconds(250))
                    self.tick()
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    private func tick() {
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
        do {
            _ = try sequencer.append([.watermark(next)])
            lastAdvance = (next, now)
        } catch {
            log("cannot append an idle watermark advance: \(error)")
        }
    }
}
