import CepheusCore
import CepheusRules
import CepheusRuntime
import CepheusState
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `cepheus run`: the long-running daemon (spec/daemon.md), as far as it is built —
/// the state directory (locked, restored from the newest checkpoint or a savepoint),
/// the ingest log every event goes through, the runtime consuming it with periodic
/// checkpoints, the HTTP API's health, readiness and `POST /v1/events`, alerts to the
/// stdout receivers, and a graceful stop on SIGTERM/SIGINT: stop intake, drain the log,
/// final checkpoint, exit 0.
public enum Daemon {
    /// Why the daemon could not start.
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs until SIGTERM or SIGINT. `log` receives one line per event worth telling.
    /// `configPath`: the file `config` came from (re-read on SIGHUP for the receivers).
    public static func run(
        config: DaemonConfig, configPath: String? = nil, fromSavepoint: String?, log: @escaping @Sendable (String) -> Void
    ) async throws {
        // A write past a file-size limit is an error to handle (the batch is refused),
        // not a signal that kills the daemon.
        signal(SIGXFSZ, SIG_IGN)
        let coordinator: CheckpointCoordinator
        do {
            coordinator = try CheckpointCoordinator(directory: config.state.dir, retain: config.checkpoint.retain)
        } catch {
            throw StartFailure(description: "\(error)")
        }
        let loaded = RuleLoader.load(paths: config.rules.paths, knownReceivers: Set(config.receivers.keys))
        for diagnostic in loaded.diagnostics { log(diagnostic.description) }
        log("\(loaded.rules.count) rule(s) loaded from \(config.rules.paths.joined(separator: ", "))")
        let stdoutReceivers = Set(config.receivers.compactMap { $0.value == .stdout ? $0.key : nil })
        // Processing time: events take the ingest clock (recorded in the log), so they
        // are in order and out_of_orderness does not apply.
        let processingTime = config.time.mode == .processing
        let metrics = DaemonMetrics()
        metrics.declare(receivers: config.receivers.keys.sorted())
        let outbox: Outbox
        do {
            outbox = try Outbox(directory: config.state.dir + "/outbox")
        } catch {
            throw StartFailure(description: "cannot open the outbox: \(error)")
        }
        defer { outbox.close() }
        let workers = config.workers ?? min(16, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let dispatch = AlertDispatch(
            outbox: outbox, stdoutReceivers: stdoutReceivers, defaultReceivers: config.defaultReceivers, metrics: metrics, log: log)
        let webhooks = try WebhookDelivery(receivers: config.receivers, outbox: outbox, metrics: metrics, configPath: configPath, log: log)
        dispatch.webhooks = webhooks
        // Deliveries pending before the stop (or the crash) resume now.
        let pending = try outbox.pendingDeliveries(to: webhooks.receiverNames)
        for name in webhooks.receiverNames { metrics.setPending(receiver: name, count: pending.count { $0.receiver == name }) }
        webhooks.enqueue(pending)
        if !pending.isEmpty { log("\(pending.count) webhook deliveries pending in the outbox resume") }
        dispatch.start()
        defer { dispatch.stop() }
        // One engine a worker, each owning its share of the key groups, each with its own
        // alert sink, handed to the outbox after each batch on the engine's thread.
        let collectors = (0..<workers).map { _ in AlertCollector() }
        let session = ShardedSession(
            rules: loaded.rules, sourceName: "http", outOfOrderness: processingTime ? 0 : config.time.outOfOrderness,
            timeField: config.time.field, engines: workers, emit: { index in collectors[index].collect },
            afterBatch: { index in dispatch.submit(collectors[index].take()) }, diagnostic: log)
        for engine in session.engines {
            engine.stateTTL = config.state.ttl
            engine.hotStateLimit = config.state.hotStates
        }
        let load: (RocksStateStore, CheckpointManifest) throws -> Void = { store, _ in
            session.attach(store: store, memoryLimit: Int(config.state.memoryLimit))
            guard try session.restore(from: store) else { throw StateStoreError("the checkpoint holds no runtime state") }
        }
        var restored: CheckpointManifest?
        if let savepoint = fromSavepoint ?? config.state.restoreFrom {
            restored = try coordinator.restore(savepoint: savepoint, load: load)
        } else {
            restored = try coordinator.resume(report: log, load: load)
        }
        if let restored {
            for message in session.reconcile(with: loaded.rules) { log(message) }
            log("restored \(restored.kind) \(restored.id) at ingest-log position \(restored.records) (\(restored.workers) worker(s) then, \(workers) now)")
        } else {
            session.attach(store: coordinator.store, memoryLimit: Int(config.state.memoryLimit))
        }
        session.prepareForCheckpoints()
        let ingestLog: IngestLog
        do {
            ingestLog = try IngestLog(directory: config.state.dir + "/log", report: log)
        } catch {
            throw StartFailure(description: "\(error)")
        }
        let position = session.linesRead
        if ingestLog.nextPosition < position {
            log("warning: the ingest log ends at \(ingestLog.nextPosition), before the checkpoint's position \(position)")
        }
        let sourceNames = config.sources.map { source -> String in
            switch source {
            case .file(let path, _): FileSystem.baseName(path)
            case .stdin: "stdin"
            case .http: "http"
            }
        }
        let clockFloor = max(session.processingTime ?? .min, session.engines[0].watermark)
        let sequencer = IngestSequencer(
            log: ingestLog, processingTime: processingTime, sources: sourceNames, clockFloor: clockFloor == .min ? nil : clockFloor)
        if !processingTime {
            do {
                _ = try sequencer.append([.sources(sourceNames)])
            } catch {
                throw StartFailure(description: "cannot append to the ingest log: \(error)")
            }
        }
        // Where each file source stands: the checkpoint's record, then every record of
        // it that the log holds after the checkpoint (those are taken already).
        var consumed: [String: (offset: Int64, line: Int64)] = [:]
        for source in restored?.sources ?? [] where source.name != "ingest-log" { consumed[source.name] = (source.offset, source.line) }
        var taken = consumed
        let tail = IngestLogReader(directory: config.state.dir + "/log", position: position)
        while true {
            let records = try tail.next(limit: 65536)
            if records.isEmpty { break }
            for (_, record) in records {
                if let at = record.followedPosition { taken[at.source] = (at.offset, at.line) }
                if case .clock(let time) = record { sequencer.raiseClockFloor(to: time) }
            }
        }
        var followers: [LineFollower] = []
        for source in config.sources {
            switch source {
            case .file(let path, _):
                let name = FileSystem.baseName(path)  // default ids `NAME:LINE`, as in replay
                let at = taken[name] ?? (0, 0)
                followers.append(LineFollower(file: path, name: name, offset: at.offset, line: at.line, report: log))
            case .stdin:
                followers.append(LineFollower(standardInput: log))
            case .http:
                break
            }
        }
        if let control = config.rules.controlFile {
            // Named by its path: the rules it upserts show it as their source.
            let at = taken[control] ?? (0, 0)
            followers.append(LineFollower(file: control, name: control, kind: .control, offset: at.offset, line: at.line, report: log))
        }
        let consumer = LogConsumer(
            session: session, logDirectory: config.state.dir + "/log", position: position, sourcePositions: consumed, alerts: dispatch,
            durablePosition: { sequencer.durablePosition }, log: log)
        let runtime = DaemonRuntime(
            consumer: consumer, coordinator: coordinator, sequencer: sequencer, position: position, interval: config.checkpoint.interval,
            retain: config.checkpoint.retain, metrics: metrics, log: log)
        log("matching on \(workers) worker(s)")
        runtime.start()
        let sources = SourceReaders(followers: followers, sequencer: sequencer, log: log)
        sources.start()
        let idleClock = IdleWatermarkClock(
            sequencer: sequencer, idleTimeout: config.time.idleTimeout, currentWatermark: { runtime.watermark }, log: log)
        let watcher = RuleFileWatcher(
            paths: config.rules.paths, initial: loaded.rules, receivers: Set(config.receivers.keys), sequencer: sequencer,
            metrics: metrics, log: log)

        var logger = Logger(label: "cepheus")
        logger.logLevel = .warning
        let router = DaemonHTTP.router(config: config, sequencer: sequencer, acceptsEvents: config.sources.contains(.http), status: runtime.status, metrics: metrics,
            outbox: outbox, webhooks: webhooks)
        let app = Application(
            router: router, configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: "cepheus"),
            onServerRunning: { channel in log("listening on \(channel.localAddress?.description ?? "\(config.http.host):\(config.http.port)")") },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // Listed first, stopped last: deliveries go on until the runtime's
                    // final checkpoint is taken.
                    .init(service: webhooks),
                    .init(service: RuntimeService(runtime: runtime)), .init(service: sources), .init(service: watcher),
                    .init(service: idleClock), .init(service: app),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        coordinator.close()
        log("stopped: \(coordinator.completed) checkpoint(s) taken, \(coordinator.failed) failed")
    }
}

/// Runs `DaemonRuntime` as a service: on graceful shutdown (after the HTTP server,
/// listed after it, has stopped taking events) it drains the log and checkpoints.
struct RuntimeService: Service {
    let runtime: DaemonRuntime

    func run() async throws {
        try? await gracefulShutdown()
        runtime.stop()
    }
}
