import ArgumentParser
import CepheusCore
import CepheusRuntime

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
            Exit status: 0 on success (also with zero rules), 1 on invalid rules,
            2 on bad usage or an unreadable path.
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

    func validate() throws {
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
            diagnostic: { StandardError.write($0 + "\n") }
        )
        let session = ReplaySession(
            rules: loaded, sourceName: sourceName,
            outOfOrderness: DurationParser.milliseconds(outOfOrderness)!, timeField: timeField,
            workers: workers, sinks: sinks)
        let counters: RuntimeCounters
        do {
            counters = try session.run(&reader)
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
                + " partial_matches_dropped=\(counters.partialMatchesDropped) type_errors=\(counters.typeErrors)\n")
        StandardError.write(counters.summary + "\n")
    }
}
