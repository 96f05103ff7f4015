import CepheusCore
import CepheusRuntime

/// One timed pass over the input.
struct BenchPass {
    var seconds: Double
    var cpuSeconds: Double
    var events: Int
    var alerts: Int
    /// Bytes of alert JSON lines produced (end to end only).
    var outputBytes = 0

    var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    var cpuSecondsPerMillion: Double { events > 0 ? cpuSeconds / Double(events) * 1e6 : 0 }
}

/// Everything `cepheus bench` measured for one workload.
struct BenchReport {
    var workload: String
    var input: String
    var workers: Int
    var endToEnd: [BenchPass] = []
    var engineOnly: [BenchPass] = []
    var latency = LatencyHistogram()
    var peakResidentBytes = 0
    var state: StateFootprint?
    var counters: RuntimeCounters?

    /// The pass with the median wall time.
    static func median(_ passes: [BenchPass]) -> BenchPass? {
        guard !passes.isEmpty else { return nil }
        return passes.sorted { $0.seconds < $1.seconds }[(passes.count - 1) / 2]
    }

    /// `value` with `digits` decimals (no Foundation).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = String(Int64(scaled - Double(whole) * scale))
            text += "." + String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        }
        return text
    }

    var text: String {
        var lines: [String] = []
        lines.append("workload \(workload) on \(input), \(workers) worker(s); medians of \(endToEnd.count) run(s)")
        let f = Self.fixed
        if let pass = Self.median(endToEnd) {
            lines.append("  end to end (JSON in, alerts out): \(f(pass.seconds, 3)) s  \(f(pass.eventsPerSecond, 0)) events/s  \(f(pass.cpuSecondsPerMillion, 3)) CPU s per 1M events")
            lines.append("    runs: " + endToEnd.map { f($0.seconds, 3) + " s" }.joined(separator: ", ")
                + "; \(pass.alerts) alerts, \(pass.outputBytes) bytes of JSON out")
        }
        if let pass = Self.median(engineOnly) {
            lines.append("  engine only (pre-parsed events):  \(f(pass.seconds, 3)) s  \(f(pass.eventsPerSecond, 0)) events/s  \(f(pass.cpuSecondsPerMillion, 3)) CPU s per 1M events")
        }
        if latency.totalCount > 0 {
            func micros(_ percentile: Double) -> String { f(Double(latency.value(atPercentile: percentile)) / 1000, 2) }
            lines.append("  processing time per event (µs): p50 \(micros(50))  p99 \(micros(99))  p99.9 \(micros(99.9))  max \(micros(100))")
        }
        lines.append("  peak RSS (end-to-end runs): \(f(Double(peakResidentBytes) / 1_048_576, 1)) MB")
        if let state {
            lines.append("  state at end of input: \(state.keys) (rule, key) states, \(state.partialMatches) partial matches, \(state.events) events held, \(f(Double(state.totalBytes) / 1_048_576, 2)) MB; \(f(state.bytesPerKey, 0)) bytes per (rule, key) state")
            if state.compactedKeys > 0 {
                let live = state.keys - state.compactedKeys
                let liveBytes = state.totalBytes - state.compactedBytes
                lines.append("    of which compacted: \(state.compactedKeys) states in \(f(Double(state.compactedBytes) / 1_048_576, 2)) MB (\(f(Double(state.compactedBytes) / Double(state.compactedKeys), 0)) bytes each); live: \(live) in \(f(Double(liveBytes) / 1_048_576, 2)) MB")
            }
        }
        if let counters {
            lines.append("  matches: \(counters.alerts + counters.throttled) (\(counters.summary))")
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        func pass(_ pass: BenchPass?) -> Value {
            guard let pass else { return .null }
            return .object(JSONObject([
                ("seconds", .double(pass.seconds)), ("events_per_second", .double(pass.eventsPerSecond.rounded())),
                ("cpu_seconds_per_million", .double(pass.cpuSecondsPerMillion)), ("events", .int(Int64(pass.events))),
                ("alerts", .int(Int64(pass.alerts))), ("output_bytes", .int(Int64(pass.outputBytes))),
            ]))
        }
        var object = JSONObject([
            ("workload", .string(workload)), ("input", .string(input)), ("workers", .int(Int64(workers))),
            ("runs", .int(Int64(endToEnd.count))),
            ("end_to_end", pass(Self.median(endToEnd))),
            ("end_to_end_seconds", .array(endToEnd.map { .double($0.seconds) })),
            ("engine_only", pass(Self.median(engineOnly))),
            ("peak_rss_bytes", .int(Int64(peakResidentBytes))),
        ])
        if latency.totalCount > 0 {
            object["latency_ns"] = .object(JSONObject([
                ("p50", .int(Int64(latency.value(atPercentile: 50)))), ("p99", .int(Int64(latency.value(atPercentile: 99)))),
                ("p99_9", .int(Int64(latency.value(atPercentile: 99.9)))), ("max", .int(Int64(latency.maxValue))),
            ]))
        }
        if let state {
            object["state"] = .object(JSONObject([
                ("keys", .int(Int64(state.keys))), ("partial_matches", .int(Int64(state.partialMatches))),
                ("events_held", .int(Int64(state.events))), ("bytes", .int(Int64(state.totalBytes))),
                ("bytes_per_key", .double(state.bytesPerKey.rounded())),
                ("compacted_keys", .int(Int64(state.compactedKeys))), ("compacted_bytes", .int(Int64(state.compactedBytes))),
            ]))
        }
        if let counters {
            object["matches"] = .int(Int64(counters.alerts + counters.throttled))
            object["summary"] = .string(counters.summary)
        }
        return Value.object(object).jsonString
    }
}
