import CepheusCore
import Testing

@Suite(.serialized) struct BenchCommandTests {
    /// `cepheus bench` runs a standard pattern and reports every figure it promises.
    @Test func reportsEveryFigure() throws {
        let dir = CLI.makeTempDirectory()
        // Events shaped like ../shared/bench/gen_events.py's: users, types A/B, charges.
        var lines: [String] = []
        for i in 0..<3000 {
            let type = ["A", "B", "login", "charge"][(i * 7) % 4]
            lines.append(#"{"ts":\#(1_700_000_000_000 + i * 3),"user":"u\#(i % 47)","type":"\#(type)","ok":\#(i % 4 == 0),"amount":\#(i % 2000),"ip":"10.0.0.\#(i % 5)"}"#)
        }
        CLI.write(lines.joined(separator: "\n") + "\n", to: dir + "/events.jsonl")
        let result = CLI.run(["bench", "--workload", "p2", "--events", dir + "/events.jsonl", "--runs", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONReader.parse(result.stdout)
        #expect(report[field: "workload"] == .string("p2"))
        #expect(report[field: "runs"] == .int(2))
        let endToEnd = report[field: "end_to_end"]
        #expect(endToEnd?[field: "events"] == .int(3000))
        #expect((endToEnd?[field: "events_per_second"]?.doubleValue ?? 0) > 0)
        #expect(report[field: "engine_only"]?[field: "events"] == .int(3000))
        // Both passes find the same matches.
        #expect(endToEnd?[field: "alerts"] == report[field: "engine_only"]?[field: "alerts"])
        #expect((report[field: "matches"]?.doubleValue ?? 0) > 0)
        let latency = report[field: "latency_ns"]
        #expect((latency?[field: "p50"]?.doubleValue ?? -1) >= 0)
        #expect((latency?[field: "p99_9"]?.doubleValue ?? -1) >= (latency?[field: "p50"]?.doubleValue ?? 0))
        #expect((report[field: "peak_rss_bytes"]?.doubleValue ?? 0) > 1_000_000)
        #expect(report[field: "state"]?[field: "keys"] != nil)
    }

    @Test func rejectsAnUnknownWorkload() {
        let result = CLI.run(["bench", "--workload", "p9", "--events", "/dev/null"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--workload must be one of"))
    }
}
