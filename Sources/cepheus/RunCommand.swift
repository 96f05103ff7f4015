import ArgumentParser
import CepheusServer
import Dispatch
import Logging

/// `cepheus run`: the long-running daemon (spec/daemon.md).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the alerting daemon: HTTP, file and stdin sources, durable state and checkpoints, alerts to stdout.",
        discussion: """
            Without --config it runs on the embedded defaults: rules from ./rules, state in
            ./data, one source ({type: http}), the HTTP API on 127.0.0.1:8080, alerts to
            stdout (docs/configuration.md). Every accepted event is appended to the ingest
            log in the state directory before POST /v1/events answers 202; the runtime
            consumes the log and checkpoints every checkpoint.interval, so after a kill it
            restores the newest checkpoint and re-reads the log from there (same alerts,
            same ids). SIGTERM or SIGINT: stop taking events, drain the log, take a final
            checkpoint, exit 0.
            Built: http, followed-file (tail -F) and stdin sources, and the control stream;
            per-source watermarks with idle sources, processing-time mode; the HTTP API
            (events, rules, savepoints, recent alerts, health, readiness, metrics); rule
            files reloaded on change (inotify) and on SIGHUP; every alert in the outbox
            before delivery; stdout receivers; one matching worker per core
            (docs/operations.md). Webhook delivery comes next.
            Exit status: 0 after a graceful stop, 1 on an invalid configuration, 2 when
            the daemon cannot start (state directory in use, port taken).
            """
    )

    @Option(help: "The daemon configuration (YAML); without it, the embedded defaults.")
    var config: String?

    @Option(help: "Start from this savepoint instead of the newest checkpoint (state.restore_from).")
    var fromSavepoint: String?

    @Option(help: "Log lines on standard error as text (cepheus: MESSAGE) or json (one object a line, through swift-log).")
    var logFormat: String = "text"

    @Option(help: "Matching workers (the config's workers:; default: one per core, at most 16).")
    var workers: Int?

    func validate() throws {
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
    }

    func run() throws {
        var loaded = DaemonConfig()
        if let config {
            let (parsed, diagnostics) = DaemonConfigLoader.load(path: config)
            for diagnostic in diagnostics { StandardError.write(diagnostic.description + "\n") }
            guard let parsed else { throw ExitCode(1) }
            loaded = parsed
        }
        if let workers { loaded.workers = workers }
        let daemonConfig = loaded
        let savepoint = fromSavepoint
        let log: @Sendable (String) -> Void
        if logFormat == "json" {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
            let logger = Logger(label: "cepheus")
            log = { logger.info("\($0)") }
        } else {
            log = { StandardError.write("cepheus: \($0)\n") }
        }
        let path = config
        try runUntilDone { try await Daemon.run(config: daemonConfig, configPath: path, fromSavepoint: savepoint, log: log) }
    }
}

/// Runs `body` (a server) to its end from a synchronous command; its error is printed and
/// the command exits 2.
func runUntilDone(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let outcome = ServerOutcome()
    Task {
        do {
            try await body()
        } catch {
            outcome.failure = "\(error)"
        }
        done.signal()
    }
    done.wait()
    if let failure = outcome.failure {
        StandardError.write("error: \(failure)\n")
        throw ExitCode(2)
    }
}

/// Carries a server's failure from its task to the command.
final class ServerOutcome: @unchecked Sendable {
    var failure: String?
}
