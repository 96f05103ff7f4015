import CepheusCore
import CepheusRuntime
import CepheusState
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's matching side: `LogConsumer` consumes the ingest log from the
/// checkpointed position (its engines, one per worker, each owning a share of the key
/// groups), and this coordinator publishes its status and metrics, and every
/// `checkpoint.interval` — on a savepoint request, and once more when it stops, after
/// the log is drained — pauses it at one log position (the engines drained) and
/// checkpoints.
final class DaemonRuntime: @unchecked Sendable {
    private let consumer: LogConsumer
    private let coordinator: CheckpointCoordinator
    private let sequencer: IngestSequencer
    private let interval: Double
    private let log: (String) -> Void
    private let stopping = Mutex(false)
    private let metrics: DaemonMetrics
    /// The applied position and the rules, for the HTTP side.
    let status = RuntimeStatus()
    private var thread: WorkerThread?
    /// Log positions of the retained checkpoints, oldest first.
    private var checkpointPositions: [Int64]
    private let retain: Int

    init(
        consumer: LogConsumer, coordinator: CheckpointCoordinator, sequencer: IngestSequencer, position: Int64, interval: Int64,
        retain: Int, metrics: DaemonMetrics, log: @escaping (String) -> Void
    ) {
        self.consumer = consumer
        self.metrics = metrics
        self.coordinator = coordinator
        self.sequencer = sequencer
        self.interval = Double(interval) / 1000
        self.retain = retain
        self.log = log
        checkpointPositions = [position]
    }

    /// The watermark the runtime has reached (`nil` before the first event).
    var watermark: Int64? {
        let value = status.snapshot.watermark
        return value == .min ? nil : value
    }

    func start() {
        consumer.start()
        publish()
        let thread = WorkerThread { [self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    /// Drains what the log holds, takes the final checkpoint and returns.
    func stop() {
        stopping.withLock { $0 = true }
        thread?.join()
        thread = nil
    }

    /// Publishes the slowest worker's position (a change is applied once every worker
    /// has passed it) and the rules and watermark (the same in every worker).
    private func publish() {
        let report = consumer.report
        status.publish(position: report.position, rules: report.loadedRules, watermark: report.watermark)
    }

    private func loop() {
        var lastCheckpoint = CheckpointCoordinator.monotonicSeconds()
        var lastMetrics = 0.0
        while !stopping.withLock({ $0 }) {
            usleep(2_000)
            publish()
            let now = CheckpointCoordinator.monotonicSeconds()
            if now - lastMetrics >= 1 {
                lastMetrics = now
                publishMetrics()
            }
            if now - lastCheckpoint >= interval {
                checkpoint()
                lastCheckpoint = CheckpointCoordinator.monotonicSeconds()
            }
            for (id, name) in status.pendingSavepoints() {
                status.completeSavepoint(id, savepoint(name: name))
                lastCheckpoint = CheckpointCoordinator.monotonicSeconds()
            }
        }
        // Intake has stopped (the HTTP server and the sources stop first): drain the
        // log to its end, checkpoint, and end the workers.
        checkpoint(at: sequencer.nextPosition, resume: false)
        consumer.exit()
        publish()
        publishMetrics()
    }

    private func publishMetrics() {
        let report = consumer.report
        metrics.publish(counters: report.counters, rules: report.rules, watermark: report.watermark == .min ? nil : report.watermark)
    }

    /// A checkpoint now, kept as the savepoint `name` (files hard-linked).
    private func savepoint(name: String) -> Result<String, RuntimeStatus.SavepointFailure> {
        checkpoint(force: true)
        guard let manifest = coordinator.last, let newest = coordinator.storage.checkpointDirectories().first, newest.id == manifest.id else {
            return .failure(.init(message: "the checkpoint for the savepoint failed (see the log)"))
        }
        do {
            let path = try coordinator.storage.savepoint(
                from: newest, manifest: manifest, name: name, wallClock: CheckpointCoordinator.wallClockMilliseconds())
            log("savepoint \(name) at \(path)")
            return .success(path)
        } catch {
            return .failure(.init(message: "\(error)"))
        }
    }

    /// Pauses every worker at one log position (by default the furthest any has
    /// reached), checkpoints them together, and lets them go on (unless `resume` is
    /// false: the final checkpoint).
    private func checkpoint(force: Bool = false, at target: Int64? = nil, resume: Bool = true) {
        let position = target ?? consumer.position
        if !force, let last = checkpointPositions.last, last == position, coordinator.completed > 0, resume { return }
        consumer.pause(at: position)
        defer { if resume { consumer.resume() } }
        // Workers reach the position once their alerts are in the outbox. A final
        // checkpoint waits at most 8 s (SIGTERM must end within 10 s; without it the
        // restart re-reads the log from the previous checkpoint: nothing is lost).
        let deadline = CheckpointCoordinator.monotonicSeconds() + (resume ? 60 : 8)
        while !consumer.isPaused {
            if CheckpointCoordinator.monotonicSeconds() > deadline {
                log("checkpoint skipped: the workers did not reach ingest-log position \(position) in time (is the outbox writable?)")
                return
            }
            usleep(1_000)
        }
        if let last = checkpointPositions.last, last == position, coordinator.completed > 0, !force { return }
        let committed = coordinator.checkpoint(
            write: { batch, drain in
                let written = try consumer.session.writeCheckpoint(into: &batch, drainBytes: CheckpointCoordinator.drainBytes, drain: drain)
                var manifest = consumer.session.manifest(position: position, written: written)
                for (name, at) in consumer.sourcePositions.sorted(by: { $0.key < $1.key }) {
                    manifest.sources.append(CheckpointManifest.SourcePosition(name: name, offset: at.offset, line: at.line))
                }
                return manifest
            },
            report: log, onFailure: {})
        guard committed != nil else { return }
        consumer.session.checkpointCommitted()
        metrics.checkpointed(seconds: coordinator.lastDuration)
        checkpointPositions.append(position)
        if checkpointPositions.count > retain { checkpointPositions.removeFirst(checkpointPositions.count - retain) }
        do {
            try sequencer.discard(before: checkpointPositions[0])
        } catch {
            log("cannot delete old ingest log segments: \(error)")
        }
    }
}
