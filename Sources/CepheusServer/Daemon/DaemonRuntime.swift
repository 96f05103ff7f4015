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

/// The daemon's matching side: one thread that consumes the ingest log from its
/// checkpointed position through the same runtime `replay` uses (so replay, live and
/// after-crash agree), sends alerts to the stdout receivers, and checkpoints every
/// `checkpoint.interval` — and once more when it stops, after draining the log.
final class DaemonRuntime: @unchecked Sendable {
    private let session: ReplaySession
    private let coordinator: CheckpointCoordinator
    private let reader: IngestLogReader
    private let sequencer: IngestSequencer
    private let interval: Double
    private let alerts: AlertDispatch
    private let log: (String) -> Void
    private let stopping = Mutex(false)
    private let metrics: DaemonMetrics
    private var lastMetrics = 0.0
    /// The applied position and the rules, for the HTTP side.
    let status = RuntimeStatus()
    private var publishedControlCount = -1
    private var thread: WorkerThread?
    /// Where each file or stdin source stood in the records consumed (checkpointed).
    private var sourcePositions: [String: (offset: Int64, line: Int64)]
    /// Log positions of the retained checkpoints, oldest first.
    private var checkpointPositions: [Int64]
    private let retain: Int

    init(
        session: ReplaySession, coordinator: CheckpointCoordinator, sequencer: IngestSequencer, logDirectory: String,
        position: Int64, sourcePositions: [String: (offset: Int64, line: Int64)], interval: Int64, retain: Int,
        metrics: DaemonMetrics, alerts: AlertDispatch, log: @escaping (String) -> Void
    ) {
        self.metrics = metrics
        self.sourcePositions = sourcePositions
        self.session = session
        self.coordinator = coordinator
        self.sequencer = sequencer
        self.reader = IngestLogReader(directory: logDirectory, position: position)
        self.interval = Double(interval) / 1000
        self.retain = retain
        self.alerts = alerts
        self.log = log
        checkpointPositions = [position]
    }

    /// State restored and the log being consumed.
    var isReady: Bool { status.snapshot.ready }

    /// Publishes the position and, when control records changed them, the rules.
    /// The watermark the runtime has reached (`nil` before the first event).
    var watermark: Int64? {
        let value = status.snapshot.watermark
        return value == .min ? nil : value
    }

    private func publish() {
        let counters = session.counters
        let controls = counters.controlApplied + counters.controlRejected
        var rules: [LoadedRuleSummary]?
        if controls != publishedControlCount {
            publishedControlCount = controls
            rules = session.engine?.loadedRules ?? []
        }
        status.publish(position: reader.position, rules: rules, watermark: session.engine?.watermark ?? .min)
    }

    func start() {
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

    private func loop() {
        publish()
        var lastCheckpoint = CheckpointCoordinator.monotonicSeconds()
        while true {
            let stop = stopping.withLock { $0 }
            // Every alert of the records matched so far goes into the outbox before more
            // are matched; while it cannot be written, matching waits (the log holds on).
            guard alerts.settle() else {
                if stop { break }
                usleep(500_000)
                continue
            }
            let records: [(Int64, IngestRecord)]
            do {
                records = try reader.next(limit: 4096)
            } catch {
                log("error: \(error); the runtime stops reading the log")
                break
            }
            for (_, record) in records {
                if let at = record.followedPosition { sourcePositions[at.source] = (at.offset, at.line) }
                switch record {
                case .event(let source, _, let line, let bytes):
                    if source == "http" {
                        // The n-th event taken over HTTP is `http:n` (replay's id for
                        // the n-th line of a file named http), whatever else the log holds.
                        let count = (sourcePositions["http"]?.line ?? 0) + 1
                        sourcePositions["http"] = (0, count)
                        session.feed(ArraySlice(bytes), source: "http", sourceLine: count)
                    } else {
                        session.feed(ArraySlice(bytes), source: source, sourceLine: line)
                    }
                case .control(let source, _, let line, let bytes):
                    session.feed(ArraySlice(bytes), source: source, sourceLine: line)
                case .watermark(let time):
                    session.feedWatermark(time)
                case .idle(let source):
                    session.feedIdle(source: source)
                case .clock(let time):
                    session.processingTime = time
                case .sources(let names):
                    session.feedSources(names)
                }
            }
            if !records.isEmpty { publish() }
            if records.isEmpty {
                if stop { break }
                usleep(2_000)
            }
            let now = CheckpointCoordinator.monotonicSeconds()
            if now - lastMetrics >= 1 {
                lastMetrics = now
                publishMetrics()
            }
            if now - lastCheckpoint >= interval {
                checkpoint()
                lastCheckpoint = now
            }
            for (id, name) in status.pendingSavepoints() {
                status.completeSavepoint(id, savepoint(name: name))
                lastCheckpoint = CheckpointCoordinator.monotonicSeconds()
            }
        }
        checkpoint()
        publishMetrics()
    }

    private func publishMetrics() {
        let watermark = session.engine?.watermark
        metrics.publish(counters: session.counters, rules: session.ruleStatistics, watermark: watermark == .min ? nil : watermark)
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

    private func checkpoint(force: Bool = false) {
        // Alerts first: every alert the checkpoint covers is in the outbox (and on
        // stdout) before it commits.
        guard alerts.settle() else {
            log("checkpoint skipped: the alerts it would cover are not in the outbox yet")
            return
        }
        let position = reader.position
        if !force, let last = checkpointPositions.last, last == position, coordinator.completed > 0 { return }
        let committed = coordinator.checkpoint(
            write: { batch, drain in
                let written = try session.writeCheckpoint(into: &batch, drainBytes: CheckpointCoordinator.drainBytes, drain: drain)
                var manifest = session.manifest(source: "ingest-log", offset: position, written: written)
                manifest.records = position
                for (name, at) in sourcePositions.sorted(by: { $0.key < $1.key }) {
                    manifest.sources.append(CheckpointManifest.SourcePosition(name: name, offset: at.offset, line: at.line))
                }
                return manifest
            },
            report: log, onFailure: {})
        guard committed != nil else { return }
        session.checkpointCommitted()
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
