import ArgumentParser
import CepheusCore
import CepheusRuntime
import CepheusServer
import CepheusState

/// `cepheus inspect STATE_DIR`: what a state directory holds, read-only.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the checkpoints, savepoints and state of a state directory (read-only).",
        discussion: """
            Lists every checkpoint and savepoint with its size and whether it verifies
            (manifest checksum, every file's size and SHA-256), then opens the newest
            valid checkpoint read-only and reports, per rule, the keys, partial matches,
            held matches, buffered events and bytes, plus the reorder buffer; then the
            daemon's alert outbox: alerts, and per receiver deliveries delivered,
            pending and dead. It never takes the directory's lock, so it works beside a
            running replay or daemon. Exit status: 0, or 2 when DIR has no valid
            checkpoint or cannot be read.
            """
    )

    @Argument(help: "The state directory (what --state-dir names).")
    var stateDirectory: String

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() throws {
        let storage = CheckpointStorage(directory: stateDirectory)
        guard FileSystem.isDirectory(stateDirectory) else {
            StandardError.write("error: cannot read state directory \(stateDirectory): No such directory\n")
            throw ExitCode(2)
        }
        var listed: [Value] = []
        var text: [String] = []
        var newest: (CheckpointStorage.Candidate, CheckpointManifest)?
        let savepoints = ((try? FileSystem.list(storage.savepointsPath)) ?? [])
            .filter { !$0.hasSuffix(".tmp") }
            .map { CheckpointStorage.Candidate(id: 0, path: storage.savepointsPath + "/" + $0) }
        for (kind, candidates) in [("checkpoint", storage.checkpointDirectories()), ("savepoint", savepoints)] {
            for candidate in candidates {
                let size = ((try? FileSystem.list(candidate.path)) ?? []).reduce(Int64(0)) { $0 + (FileSystem.size(candidate.path + "/" + $1) ?? 0) }
                do {
                    let manifest = try storage.verify(candidate)
                    if kind == "checkpoint" && newest == nil { newest = (candidate, manifest) }
                    let line = manifest.sources.first.map { "\($0.name) line \($0.line) byte \($0.offset)" } ?? "no source"
                    text.append("\(kind) \(candidate.path): ok, \(size) bytes, \(manifest.keys) keys, \(manifest.partialMatches) partial matches, \(line), watermark \(manifest.watermark.map(String.init) ?? "none")")
                    let sources: [Value] = manifest.sources.map { source in
                        .object(JSONObject([("name", .string(source.name)), ("offset", .int(source.offset)), ("line", .int(source.line))]))
                    }
                    let rules: [Value] = manifest.rules.map { rule in
                        .object(JSONObject([("id", .string(rule.id)), ("version", .int(Int64(rule.version)))]))
                    }
                    var entry: [(String, Value)] = [("kind", .string(kind)), ("path", .string(candidate.path)), ("valid", .bool(true))]
                    entry.append(("bytes", .int(size)))
                    entry.append(("id", .int(Int64(manifest.id))))
                    entry.append(("created_at", .int(manifest.createdAt)))
                    entry.append(("keys", .int(Int64(manifest.keys))))
                    entry.append(("partial_matches", .int(Int64(manifest.partialMatches))))
                    entry.append(("watermark", manifest.watermark.map { .int($0) } ?? .null))
                    entry.append(("sources", .array(sources)))
                    entry.append(("rules", .array(rules)))
                    listed.append(.object(JSONObject(entry)))
                } catch {
                    text.append("\(kind) \(candidate.path): INVALID, \(error)")
                    listed.append(.object(JSONObject([
                        ("kind", .string(kind)), ("path", .string(candidate.path)), ("valid", .bool(false)),
                        ("bytes", .int(size)), ("reason", .string("\(error)")),
                    ])))
                }
            }
        }
        var report: [(String, Value)] = [("state_dir", .string(stateDirectory)), ("checkpoints", .array(listed))]
        if let (candidate, manifest) = newest {
            let store: RocksStateStore
            let inspection: StateInspection
            do {
                store = try RocksStateStore(path: candidate.path, readOnly: true)
                inspection = try StateInspection.inspect(store)
            } catch {
                StandardError.write("error: cannot read \(candidate.path): \(error)\n")
                throw ExitCode(2)
            }
            text.append("")
            text.append("newest valid: checkpoint \(manifest.id) (\(manifest.workers) worker(s), \(manifest.keyGroups) key groups, \(inspection.keyGroups.count) in use)")
            for rule in manifest.rules { text.append("  rule \(rule.id) version \(rule.version)") }
            text.append("rule                                 keys  partial_matches  held  events      bytes")
            for rule in inspection.rules {
                text.append(rule.rule.padding(32) + String(rule.keys).leftPadding(9) + String(rule.partialMatches).leftPadding(17)
                    + String(rule.heldMatches).leftPadding(6) + String(rule.bufferedEvents).leftPadding(8) + String(rule.bytes).leftPadding(11))
            }
            text.append("reorder buffer: \(inspection.reorderEvents) events, \(inspection.reorderBytes) bytes")
            for problem in inspection.damaged { text.append("DAMAGED: \(problem)") }
            let rules: [Value] = inspection.rules.map { rule in
                var fields: [(String, Value)] = [("id", .string(rule.rule)), ("keys", .int(Int64(rule.keys)))]
                fields.append(("partial_matches", .int(Int64(rule.partialMatches))))
                fields.append(("held_matches", .int(Int64(rule.heldMatches))))
                fields.append(("buffered_events", .int(Int64(rule.bufferedEvents))))
                fields.append(("bytes", .int(Int64(rule.bytes))))
                return .object(JSONObject(fields))
            }
            var newestReport: [(String, Value)] = [("id", .int(Int64(manifest.id))), ("rules", .array(rules))]
            newestReport.append(("key_groups_in_use", .int(Int64(inspection.keyGroups.count))))
            newestReport.append(("reorder_events", .int(Int64(inspection.reorderEvents))))
            newestReport.append(("damaged", .array(inspection.damaged.map { .string($0) })))
            report.append(("newest", .object(JSONObject(newestReport))))
        }
        // The daemon's alert outbox (its own database beside the checkpoints).
        let outboxPath = stateDirectory + "/outbox"
        if FileSystem.isDirectory(outboxPath) {
            do {
                let outbox = try Outbox(directory: outboxPath, readOnly: true)
                let summary = try outbox.summary()
                outbox.close()
                let receivers = Set(summary.pending.keys).union(summary.delivered.keys).union(summary.dead.keys).sorted()
                text.append("")
                text.append("outbox: \(summary.entries) alerts")
                var perReceiver: [Value] = []
                for name in receivers {
                    let (pending, delivered, dead) = (summary.pending[name] ?? 0, summary.delivered[name] ?? 0, summary.dead[name] ?? 0)
                    text.append("  \(name): \(delivered) delivered, \(pending) pending, \(dead) dead letters")
                    perReceiver.append(.object(JSONObject([
                        ("receiver", .string(name)), ("delivered", .int(Int64(delivered))), ("pending", .int(Int64(pending))),
                        ("dead", .int(Int64(dead))),
                    ])))
                }
                report.append(("outbox", .object(JSONObject([("alerts", .int(Int64(summary.entries))), ("receivers", .array(perReceiver))]))))
            } catch {
                text.append("outbox: cannot read \(outboxPath): \(error)")
            }
        }
        if json {
            print(Value.object(JSONObject(report)).jsonString)
        } else {
            print(text.joined(separator: "\n"))
        }
        if newest == nil {
            StandardError.write("error: \(stateDirectory) has no valid checkpoint\n")
            throw ExitCode(2)
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadding(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
