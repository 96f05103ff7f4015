import ArgumentParser
import CepheusCore
import CepheusRules
import CepheusRuntime
import CepheusState

/// `cepheus replay`: the offline, deterministic mode (rules.md section 6).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay JSON Lines events through rules and print every alert.",
        discussion: """
            Reads the events (a file, or - for stdin), matches them in event time and
            prints each alert as one JSON line on stdout, and nothing else there. The
            last stderr line is the summary:
              events=N late=N rejected=N key_skipped=N throttled=N alerts=N
            A line {"$control": R} is a rule control record (upsert or delete) applied
            when it is read. At the end of the input every window closes.
            With --state-dir the replay is durable: it checkpoints its state (partial
            matches, reorder buffer, throttles, rule set, input offset) into a RocksDB
            database every --checkpoint-every lines and at the end of the input, and
            --resume continues from the newest complete checkpoint. Every alert is on
            stdout before the checkpoint that covers it commits, so a killed run loses
            none; a resumed run may repeat alerts after its checkpoint, with the same ids.
            Exit status: 0 on success (also with zero rules), 1 on invalid rules,
            2 on bad usage, an unreadable path or a state directory in use.
            """
    )

    @Option(help: "Rule file or directory (repeatable).")
    var rules: [String] = []

    @Option(help: "JSON Lines events file, or - for standard input.")
    var events: String

    @Option(help: "How far events may arrive out of order (a duration such as 0s, 500ms, 1m).")
    var outOfOrderness: String = "0s"

    @Option(help: "The event-time field.")
    var timeField: String = "ts"

    @Option(help: "Write late input lines here, verbatim.")
    var lateEvents: String?

    @Option(help: "Write rejected input lines here, one JSON object each: {\"line\",\"reason\",\"raw\"}.")
    var rejected: String?

    @Flag(help: "Print per-rule matcher statistics to stderr (before the summary).")
    var stats = false

    @Option(help: "Worker threads: (rule, key) states are sharded by key group over them. The alerts are the same set for any count; their order is fixed for a given count.")
    var workers: Int = 1

    @Option(help: "Durable replay: keep state and checkpoints in this directory (created if missing).")
    var stateDir: String?

    @Option(help: "With --state-dir: take a checkpoint every N input lines.")
    var checkpointEvery: Int64 = 100_000

    @Option(help: "With --state-dir: complete checkpoints to keep.")
    var retainCheckpoints: Int = 3

    @Flag(help: "With --state-dir: restore the newest complete checkpoint and continue from its input offset (from the beginning when there is none).")
    var resume = false

    @Option(help: "With --state-dir: start from this savepoint (or checkpoint) directory instead.")
    var fromSavepoint: String?

    @Option(help: "Spill the coldest (rule, key) states to RocksDB when the heap passes this size (e.g. 512MiB, 1GiB); into --state-dir, or a temporary directory without it. Default: no limit.")
    var stateMemoryLimit: String?

    @Option(help: "How long a key that holds only a throttle is kept after its last alert, in event time (a duration, or auto: twice the longest within). Expired keys are counted (keys_expired).")
    var stateTtl: String = "auto"

    @Option(help: "Keep at most about this many (rule, key) states live per worker: beyond it, states not touched since the last sweep are compacted (kept encoded in memory, about a fifth of the size) until their key is seen again or their timer is due. 0: never compact. (-1, for tests: compact every state before every event.)")
    var hotStates: Int = RuntimeEngine.defaultHotStateLimit

    func validate() throws {
        if stateDir == nil && (resume || fromSavepoint != nil) {
            throw ValidationError("--resume and --from-savepoint need --state-dir")
        }
        if resume && fromSavepoint != nil {
            throw ValidationError("--resume and --from-savepoint exclude each other")
        }
        if checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1")
        }
        if retainCheckpoints < 1 {
            throw ValidationError("--retain-checkpoints must be at least 1")
        }
        if let stateMemoryLimit, SizeParser.bytes(stateMemoryLimit) == nil {
            throw ValidationError("--state-memory-limit: '\(stateMemoryLimit)' is not a size (e.g. 512MiB, 1GiB)")
        }
        if hotStates < -1 {
            throw ValidationError("--hot-states must be 0 (never compact) or more")
        }
        if stateTtl != "auto" && DurationParser.milliseconds(stateTtl) == nil {
            throw ValidationError("--state-ttl: '\(stateTtl)' is not a duration or auto")
        }
        if (stateDir != nil || stateMemoryLimit != nil) && workers > 1 {
            throw ValidationError("--state-dir and --state-memory-limit run on one worker in this release (drop --workers)")
        }
        if DurationParser.milliseconds(outOfOrderness) == nil {
            throw ValidationError("--out-of-orderness: '\(outOfOrderness)' is not a duration (e.g. 0s, 500ms, 1m)")
        }
        if rules.isEmpty {
            throw ValidationError("--rules PATH is required")
        }
        if workers < 1 || workers > 256 {
            throw ValidationError("--workers must be between 1 and 256")
        }
    }

    func run() throws {
        for path in rules where !FileChecks.exists(path) {
            StandardError.write("error: cannot read rules path \(path): No such file or directory\n")
            throw ExitCode(2)
        }
        guard let loaded = RuleSetLoading.load(rules) else { throw ExitCode(1) }
        var reader: LineReader
        do {
            reader = events == "-" ? LineReader.standardInput() : try LineReader.open(path: events)
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
        let lateWriter = try lateEvents.map { try FileChecks.writer($0) }
        let rejectedWriter = try rejected.map { try FileChecks.writer($0) }
        let out = OutputWriter.standardOutput
        var line: [UInt8] = []
        let sourceName = events == "-" ? "stdin" : FileChecks.baseName(events)
        let sinks = ReplaySession.Sinks(
            alert: { alert in
                line.removeAll(keepingCapacity: true)
                alert.writeJSON(into: &line)
                line.append(0x0A)
                out.write(bytes: line)
            },
            rejected: rejectedWriter.map { writer in
                { line, reason, raw in
                    let record = Value.object(JSONObject([
                        ("line", .int(line)), ("reason", .string(reason)),
                        ("raw", .string(String(decoding: raw, as: UTF8.self))),
                    ]))
                    writer.write(record.jsonString)
                    writer.write("\n")
                }
            },
            late: lateWriter.map { writer in
                { raw in
                    writer.write(bytes: raw)
                    writer.write("\n")
                }
            },
            diagnostic: { StandardError.write($0 + "\n") },
            alertLines: { lines in out.write(bytes: lines) }
        )
        let session = ReplaySession(
            rules: loaded, sourceName: sourceName,
            outOfOrderness: DurationParser.milliseconds(outOfOrderness)!, timeField: timeField,
            workers: workers, hotStateLimit: hotStates, sinks: sinks)
        if stateTtl != "auto" { session.engine?.stateTTL = DurationParser.milliseconds(stateTtl) }
        let memoryLimit = stateMemoryLimit.flatMap(SizeParser.bytes).map { Int($0) }
        var spillDirectory: String?
        var spillStore: RocksStateStore?
        defer {
            spillStore?.close()
            if let spillDirectory { try? FileSystem.remove(spillDirectory) }
        }
        if stateDir == nil, let memoryLimit {
            // Plain replay under a memory limit: spill into a temporary RocksDB.
            let directory = FileChecks.temporaryDirectory(prefix: "cepheus-spill")
            spillDirectory = directory
            do {
                let store = try RocksStateStore(path: directory + "/db")
                spillStore = store
                session.attach(store: store, memoryLimit: memoryLimit)
            } catch {
                StandardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
        }
        let counters: RuntimeCounters
        do {
            if let stateDir {
                counters = try runDurably(
                    session, reader: &reader, stateDir: stateDir, sourceName: sourceName, rules: loaded, out: out, memoryLimit: memoryLimit)
            } else {
                counters = try session.run(&reader)
            }
        } catch let error as ExitCode {
            out.flush()
            throw error
        } catch {
            out.flush()
            StandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
        out.flush()
        lateWriter?.close()
        rejectedWriter?.close()
        if stats {
            for rule in session.ruleStatistics {
                StandardError.write("rule \(rule.id): steps=\(rule.steps) partial_matches=\(rule.partialMatches) keys=\(rule.keys)\n")
            }
        }
        StandardError.write(
            "details: control_applied=\(counters.controlApplied) control_rejected=\(counters.controlRejected)"
                + " partial_matches_discarded=\(counters.partialMatchesDiscarded)"
                + " partial_matches_dropped=\(counters.partialMatchesDropped) type_errors=\(counters.typeErrors)"
                + " states_spilled=\(counters.statesSpilled) states_loaded=\(counters.statesLoaded)"
                + " states_compacted=\(counters.statesCompacted) states_inflated=\(counters.statesInflated) keys_expired=\(counters.keysExpired)\n")
        StandardError.write(counters.summary + "\n")
    }

    /// `replay --state-dir`: restore (or start fresh), read with checkpoints, take a
    /// last checkpoint at the end of the input (before windows are closed by the end
    /// of input, so a resumed run with more input continues correctly), then finish.
    private func runDurably(
        _ session: ReplaySession, reader: inout LineReader, stateDir: String, sourceName: String,
        rules: [Rule], out: OutputWriter, memoryLimit: Int?
    ) throws -> RuntimeCounters {
        let coordinator: CheckpointCoordinator
        do {
            coordinator = try CheckpointCoordinator(directory: stateDir, retain: retainCheckpoints)
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
        let report: (String) -> Void = { StandardError.write("cepheus: \($0)\n") }
        let load: (RocksStateStore, CheckpointManifest) throws -> Void = { store, _ in
            session.attach(store: store, memoryLimit: memoryLimit)
            guard try session.restore(from: store) else { throw StateStoreError("the checkpoint holds no replay state") }
        }
        var restored: CheckpointManifest?
        let restoreStarted = MonotonicClock.nanoseconds()
        if let fromSavepoint {
            restored = try coordinator.restore(savepoint: fromSavepoint, load: load)
        } else if resume {
            restored = try coordinator.resume(report: report, load: load)
            if restored == nil { report("no complete checkpoint in \(stateDir); starting from the beginning") }
        } else {
            try coordinator.startFresh()
        }
        if restored == nil { session.attach(store: coordinator.store, memoryLimit: memoryLimit) }
        if let restored {
            let offset = restored.sources.first?.offset ?? 0
            if let name = restored.sources.first?.name, name != sourceName {
                report("note: the checkpoint was taken reading \(name); continuing in \(sourceName) at the same offset")
            }
            do {
                try reader.seek(to: offset)
            } catch {
                StandardError.write("error: cannot resume: \(error)\n")
                throw ExitCode(2)
            }
            let milliseconds = (MonotonicClock.nanoseconds() - restoreStarted) / 1_000_000
            report("restored \(restored.kind) \(restored.id): line \(restored.sources.first?.line ?? 0), byte \(offset), \(restored.keys) keys, \(restored.partialMatches) partial matches, in \(milliseconds) ms")
            for message in session.engine?.reconcile(with: rules) ?? [] { report(message) }
        }
        session.prepareForCheckpoints()
        var lastCheckpointLine: Int64 = restored == nil ? -1 : session.linesRead
        let checkpoint: (Int64) -> Void = { offset in
            guard session.linesRead != lastCheckpointLine else { return }
            lastCheckpointLine = session.linesRead
            // Alerts first: every alert the checkpoint covers is out before it commits.
            out.flush()
            var written = RuntimeEngine.CheckpointWrite()
            let committed = coordinator.checkpoint(
                write: { batch, drain in
                    written = try session.writeCheckpoint(into: &batch, drainBytes: CheckpointCoordinator.drainBytes, drain: drain)
                    return session.manifest(source: sourceName, offset: offset, written: written)
                },
                report: report,
                onFailure: {})
            guard let committed else { return }
            session.checkpointCommitted()
            if stats {
                report("checkpoint \(committed.id): line \(session.linesRead), \(written.statesWritten) states written (\(written.bytes) bytes), \(written.statesDeleted) deleted, \(committed.keys) keys, \(committed.files.reduce(0) { $0 + $1.size }) bytes of files, \(Int(coordinator.lastDuration * 1000)) ms (fill \(Int(coordinator.lastPhases.fill * 1000)), write \(Int(coordinator.lastPhases.write * 1000)), commit \(Int(coordinator.lastPhases.commit * 1000))), heap \((HeapUsage.allocatedBytes() ?? 0) >> 20) MiB, \(session.engine?.residentStateCount ?? 0) states resident")
            }
        }
        try session.read(&reader, checkpointEvery: checkpointEvery, checkpoint: checkpoint)
        checkpoint(reader.offset)
        session.finish()
        coordinator.close()
        report("checkpoints: \(coordinator.completed) taken, \(coordinator.failed) failed")
        return session.counters
    }
}
