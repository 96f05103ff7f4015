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

/// The daemon's matching side, on a thread of its own: reads the ingest log from the
/// checkpointed position and feeds it to the `ShardedSession` (parsing, lateness and the
/// per-source watermark here, once; matching on one engine thread per worker, each
/// owning a share of the key groups, so alerts are the same set for any worker count).
/// The engines hand their alerts to the outbox (`AlertDispatch`) after each batch. The
/// coordinator (`DaemonRuntime`) pauses it at a log position to checkpoint.
final class LogConsumer: @unchecked Sendable {
    let session: ShardedSession
    private let reader: IngestLogReader
    /// The ingest log's synced end (`IngestSequencer.durablePosition`): reads stop there.
    private let durablePosition: @Sendable () -> Int64
    private let alerts: AlertDispatch
    private let log: (String) -> Void
    private let control = Mutex(Control())
    private var thread: WorkerThread?
    /// Where each followed source (and the HTTP event count) stood in the records
    /// consumed.
    private(set) var sourcePositions: [String: (offset: Int64, line: Int64)]
    private var publishedControls = -1
    private var lastFullPublish = 0.0
    /// Records were consumed since the last full report.
    private var reportStale = false

    struct Control {
        /// Stop consuming at this position and report `paused`.
        var pauseAt: Int64?
        var paused = false
        var exit = false
    }

    /// What the worker last published about itself (read by the coordinator).
    struct Report: Sendable {
        var position: Int64
        var counters = RuntimeCounters()
        var rules: [RuleStatistics] = []
        var loadedRules: [LoadedRuleSummary]?
        var watermark: Int64 = .min
        var settled = true
    }

    private let published: Mutex<Report>

    init(
        session: ShardedSession, logDirectory: String, position: Int64,
        sourcePositions: [String: (offset: Int64, line: Int64)], alerts: AlertDispatch,
        durablePosition: @escaping @Sendable () -> Int64, log: @escaping (String) -> Void
    ) {
        self.session = session
        self.durablePosition = durablePosition
        self.reader = IngestLogReader(directory: logDirectory, position: position)
        self.sourcePositions = sourcePositions
        self.alerts = alerts
        self.log = log
        published = Mutex(Report(position: position))
    }

    var report: Report { published.withLock { $0 } }

    func start() {
        session.start()
        publish()
        let thread = WorkerThread { [self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    /// Asks the worker to stop at `position` (it reports `paused` there).
    func pause(at position: Int64) {
        control.withLock {
            $0.pauseAt = position
            $0.paused = false
        }
    }

    var isPaused: Bool { control.withLock { $0.paused } }

    func resume() {
        control.withLock {
            $0.pauseAt = nil
            $0.paused = false
        }
    }

    /// Ends the thread (after a pause: the final checkpoint is taken).
    func exit() {
        control.withLock { $0.exit = true }
        thread?.join()
        thread = nil
        session.sync()
        session.stop()
    }

    private func loop() {
        while true {
            let now = control.withLock { $0 }
            if now.exit { break }
            if let pauseAt = now.pauseAt, reader.position >= pauseAt {
                // Paused once the engines have matched everything read and every alert
                // so far is in the outbox (a checkpoint must not cover alerts that are not).
                session.sync()
                if alerts.unsettled == 0 {
                    publish()
                    control.withLock { if $0.pauseAt == pauseAt { $0.paused = true } }
                }
                usleep(1_000)
                continue
            }
            var limit = 16_384
            if let pauseAt = now.pauseAt { limit = Int(min(Int64(limit), pauseAt - reader.position)) }
            // Only synced records: a batch the writer could not sync is rolled back.
            limit = Int(max(0, min(Int64(limit), durablePosition() - reader.position)))
            let records: [(Int64, IngestRecord)]
            do {
                records = limit > 0 ? try reader.next(limit: limit) : []
            } catch {
                log("error: \(error); the runtime stops reading the log")
                control.withLock { $0.exit = true }
                break
            }
            let controls = apply(records)
            session.flush()
            // A rule change is answered once applied: wait for the engines then.
            if controls { session.sync() }
            if records.isEmpty {
                // Idle: the figures of the last records go out now if they have not.
                if reportStale { publish() }
                usleep(2_000)
            } else if controls || CheckpointCoordinator.monotonicSeconds() - lastFullPublish >= 0.1 {
                publish()
            } else {
                reportStale = true
                // Between full reports (figures cost a walk over the rules): the position.
                let position = reader.position
                let settled = alerts.unsettled == 0
                published.withLock {
                    $0.position = position
                    $0.settled = settled
                }
            }
        }
    }

    /// Feeds the records to the session; `true` when a control record was among them.
    private func apply(_ records: [(Int64, IngestRecord)]) -> Bool {
        var controls = false
        for (_, record) in records {
            if let at = record.followedPosition { sourcePositions[at.source] = (at.offset, at.line) }
            switch record {
            case .event(let source, _, let line, let bytes):
                if source == "http" {
                    // The n-th event taken over HTTP is `http:n` (replay's id for the
                    // n-th line of a file named http), whatever else the log holds.
                    let count = (sourcePositions["http"]?.line ?? 0) + 1
                    sourcePositions["http"] = (0, count)
                    session.feed(ArraySlice(bytes), source: "http", sourceLine: count)
                } else {
                    session.feed(ArraySlice(bytes), source: source, sourceLine: line)
                }
            case .control(let source, _, let line, let bytes):
                controls = true
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
        return controls
    }

    /// Publishes the position and the engines' figures (on the reading thread).
    func publish() {
        lastFullPublish = CheckpointCoordinator.monotonicSeconds()
        reportStale = false
        session.publishReader()
        let counters = session.counters
        let controls = counters.controlApplied + counters.controlRejected
        var loadedRules: [LoadedRuleSummary]?
        if controls != publishedControls {
            publishedControls = controls
            loadedRules = session.loadedRules
        }
        let report = Report(
            position: reader.position, counters: counters, rules: session.ruleStatistics,
            loadedRules: loadedRules, watermark: session.engineWatermark, settled: alerts.unsettled == 0)
        published.withLock { old in
            let rules = report.loadedRules ?? old.loadedRules
            old = report
            old.loadedRules = rules
        }
    }

    /// The position reached (for the coordinator, any thread).
    var position: Int64 { published.withLock { $0.position } }

    /// The log position consumed (call only while paused or stopped).
    var pausedPosition: Int64 { reader.position }
}
