import ArgumentParser
import CepheusCore
import CepheusRules
import CepheusRuntime

/// `cepheus bench`: the performance benchmark (docs/performance.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, CPU, latency and memory on a standard workload.",
        discussion: """
            Replays --events through the workload's rules --runs times and reports medians:
              end to end     JSON lines in, alerts serialized out (as replay, minus the
                             write to stdout), events/s and CPU seconds per 1M events;
              engine only    the same input parsed beforehand, one worker;
              processing     time per event from its release by the watermark to the
                             end of its matching, p50/p99/p99.9 (a log-linear histogram
                             with HdrHistogram's precision, ~1.6%);
              peak RSS       of the end-to-end runs;
              state          per-key state at the end of the input (before the final
                             watermark closes every window): (rule, key) states,
                             partial matches, events held and bytes per state.
            Workloads p1, p2 and p3 are the standard patterns over the events of
            ../shared/bench/gen_events.py (1 s out-of-orderness); `rules` runs the rule
            files given with --rules (the shipped set, on `cepheus gen` events).
            scripts/bench.sh generates the inputs and runs every workload.
            """
    )

    @Option(help: "p1, p2, p3 or rules.")
    var workload: String

    @Option(help: "JSON Lines events file.")
    var events: String

    @Option(help: "Rule files or directories for the `rules` workload.")
    var rules: [String] = ["rules/"]

    @Option(help: "Timed runs of each kind (medians are reported).")
    var runs: Int = 3

    @Option(help: "Worker threads for the end-to-end runs.")
    var workers: Int = 1

    @Option(help: "How far events may arrive out of order.")
    var outOfOrderness: String = "1s"

    @Flag(help: "Skip the engine-only and latency passes (they hold the whole input in memory).")
    var endToEndOnly = false

    @Flag(help: "Print the report as one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard BenchWorkload(rawValue: workload) != nil else {
            throw ValidationError("--workload must be one of \(BenchWorkload.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard DurationParser.milliseconds(outOfOrderness) != nil else {
            throw ValidationError("--out-of-orderness: '\(outOfOrderness)' is not a duration")
        }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be between 1 and 256") }
    }

    func run() throws {
        guard FileChecks.exists(events) else {
            StandardError.write("error: cannot read events \(events): No such file or directory\n")
            throw ExitCode(2)
        }
        guard let rules = BenchWorkload(rawValue: workload)!.load(rulePaths: self.rules) else { throw ExitCode(1) }
        let lateness = DurationParser.milliseconds(outOfOrderness)!
        var report = BenchReport(workload: workload, input: FileChecks.baseName(events), workers: workers)
        for run in 1...runs {
            let result = try BenchRunner.endToEnd(
                rules: rules, events: events, outOfOrderness: lateness, workers: workers, measureState: run == 1)
            report.endToEnd.append(result.pass)
            if let state = result.state { report.state = state }
            report.counters = result.counters
            StandardError.write("end to end run \(run): \(BenchReport.fixed(result.pass.seconds, 3)) s, \(result.counters.summary)\n")
        }
        report.peakResidentBytes = MonotonicClock.peakResidentBytes()
        if !endToEndOnly {
            let records = try BenchRunner.preparse(events: events, outOfOrderness: lateness)
            for run in 1...runs {
                let pass = BenchRunner.engineOnly(rules: rules, records: records)
                report.engineOnly.append(pass)
                StandardError.write("engine-only run \(run): \(BenchReport.fixed(pass.seconds, 3)) s\n")
            }
            report.latency = BenchRunner.latency(rules: rules, records: records)
        }
        print(json ? report.json : report.text)
    }
}

/// The passes `cepheus bench` times.
enum BenchRunner {
    struct EndToEnd {
        var pass: BenchPass
        var counters: RuntimeCounters
        var state: StateFootprint?
    }

    /// JSON lines in, alerts serialized out: `replay` without the write to stdout.
    static func endToEnd(rules: [Rule], events: String, outOfOrderness: Int64, workers: Int, measureState: Bool) throws -> EndToEnd {
        var reader = try LineReader.open(path: events)
        var bytes: [UInt8] = []
        var written = 0
        let sinks = ReplaySession.Sinks(
            alert: { alert in
                bytes.removeAll(keepingCapacity: true)
                alert.writeJSON(into: &bytes)
                written &+= bytes.count + 1
            },
            alertLines: { lines in written &+= lines.count })
        let cpuStart = MonotonicClock.processCPUSeconds()
        let start = MonotonicClock.nanoseconds()
        let session = ReplaySession(
            rules: rules, sourceName: FileChecks.baseName(events), outOfOrderness: outOfOrderness,
            workers: workers, sinks: sinks)
        try session.read(&reader)
        // The state is measured outside the timed span.
        var paused: UInt64 = 0
        var pausedCPU = 0.0
        var state: StateFootprint?
        if measureState, let engine = session.engine {
            let pauseStart = MonotonicClock.nanoseconds()
            let pauseCPU = MonotonicClock.processCPUSeconds()
            state = engine.stateFootprint()
            paused = MonotonicClock.nanoseconds() - pauseStart
            pausedCPU = MonotonicClock.processCPUSeconds() - pauseCPU
        }
        session.finish()
        let seconds = Double(MonotonicClock.nanoseconds() - start - paused) / 1e9
        let cpu = MonotonicClock.processCPUSeconds() - cpuStart - pausedCPU
        let counters = session.counters
        return EndToEnd(
            pass: BenchPass(seconds: seconds, cpuSeconds: cpu, events: counters.events, alerts: counters.alerts, outputBytes: written),
            counters: counters, state: state)
    }

    /// The input as the runtime's records, computed once: events decoded, late ones
    /// dropped, watermarks in input order (what the reader does before the engine).
    static func preparse(events: String, outOfOrderness: Int64) throws -> [InputRecord] {
        var reader = try LineReader.open(path: events)
        var decoder = EventDecoder(sourceName: FileChecks.baseName(events))
        var watermark = WatermarkTracker(outOfOrderness: outOfOrderness)
        var records: [InputRecord] = []
        var line: Int64 = 0
        while let item = try reader.next() {
            line += 1
            guard case .line(let bytes) = item else { continue }
            switch decoder.decode(bytes, line: line) {
            case .event(let event):
                if watermark.isLate(event.timestamp) { continue }
                records.append(.event(event))
                if let advanced = watermark.observe(event.timestamp) { records.append(.watermark(advanced)) }
            case .control(let value):
                if case .success(let control) = ControlRecord.parse(value) {
                    records.append(.control(control, position: RecordPosition(source: "bench", line: line)))
                }
            case .blank, .rejected:
                break
            }
        }
        records.append(.watermark(.max))
        return records
    }

    static func engineOnly(rules: [Rule], records: [InputRecord]) -> BenchPass {
        var alerts = 0
        let cpuStart = MonotonicClock.processCPUSeconds()
        let start = MonotonicClock.nanoseconds()
        let engine = RuntimeEngine(rules: rules) { _ in alerts += 1 }
        var events = 0
        for record in records {
            if case .event = record { events += 1 }
            engine.consume(record)
        }
        let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        return BenchPass(seconds: seconds, cpuSeconds: MonotonicClock.processCPUSeconds() - cpuStart, events: events, alerts: alerts)
    }

    static func latency(rules: [Rule], records: [InputRecord]) -> LatencyHistogram {
        let engine = RuntimeEngine(rules: rules) { _ in }
        engine.dispatchLatency = LatencyHistogram()
        for record in records { engine.consume(record) }
        return engine.dispatchLatency!
    }
}
