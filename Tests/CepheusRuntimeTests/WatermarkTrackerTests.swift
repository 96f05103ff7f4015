import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import CepheusState
import Testing

/// Event time over several sources (the daemon): the minimum over the active sources
/// wins, idle sources stop holding it back, declared sources hold it from the start,
/// and it never moves back.
@Suite struct WatermarkTrackerTests {
    @Test func theSlowestActiveSourceHoldsTheWatermark() {
        var tracker = WatermarkTracker(outOfOrderness: 100)
        #expect(tracker.observe(10_000, source: "fast") == 9_899)
        // A second source joins behind: the watermark stays (it never moves back).
        #expect(tracker.observe(5_000, source: "slow") == nil)
        #expect(tracker.current == 9_899)
        #expect(tracker.observe(20_000, source: "fast") == nil)
        #expect(tracker.observe(12_000, source: "slow") == 11_899)
        #expect(tracker.isLate(11_899))
        #expect(!tracker.isLate(11_900))
        // The slow source goes idle: the fast one alone decides.
        #expect(tracker.markIdle("slow") == 19_899)
        #expect(tracker.markIdle("slow") == nil)
        // Back with an event: it holds again from where it is.
        #expect(tracker.observe(15_000, source: "slow") == nil)
        #expect(tracker.observe(30_000, source: "fast") == nil)
        #expect(tracker.observe(25_000, source: "slow") == 24_899)
        #expect(tracker.maxTimestamp == 30_000)
    }

    @Test func declaredSourcesHoldTheWatermarkUntilTheirFirstEventOrIdleMark() {
        var tracker = WatermarkTracker(outOfOrderness: 0)
        #expect(tracker.declare(sources: ["file", "http"]) == nil)
        #expect(tracker.observe(1_000, source: "file") == nil)
        #expect(tracker.current == .min)
        #expect(!tracker.isLate(1))
        #expect(tracker.observe(500, source: "http") == 499)
        #expect(tracker.markIdle("http") == 999)
        // Every source idle: nothing holds, nothing advances (the wall clock does).
        #expect(tracker.markIdle("file") == nil)
        #expect(tracker.advance(to: 5_000) == 5_000)
        // The file source comes back while HTTP is still idle: it alone decides.
        #expect(tracker.observe(6_000, source: "file") == 5_999)
        #expect(tracker.observe(9_000, source: "http") == nil)
        // A source dropped from the configuration stops holding the watermark.
        #expect(tracker.declare(sources: ["http"]) == 8_999)
        #expect(tracker.sources.keys.sorted() == ["http"])
    }

    @Test func oneSourceBehavesAsReplay() {
        var single = WatermarkTracker(outOfOrderness: 250)
        var named = WatermarkTracker(outOfOrderness: 250)
        var generator = SplitMix64(seed: 7)
        var ts: Int64 = 1_000_000
        for _ in 0..<2_000 {
            ts += Int64(generator.next() % 100)
            let event = ts - Int64(generator.next() % 400)
            #expect(single.isLate(event) == named.isLate(event))
            guard !single.isLate(event) else { continue }
            #expect(single.observe(event) == named.observe(event, source: "only"))
        }
        #expect(single.current == named.current)
    }

    /// A daemon session's per-source watermarks and processing clock are part of its
    /// checkpoint.
    @Test func perSourceWatermarksSurviveACheckpoint() throws {
        let rules = RuleLoader.parse(yaml: "id: r\nkey: user\npattern:\n  - {name: a, where: type == \"A\"}\n", file: "r.yaml").rules
        func session() -> ShardedSession {
            ShardedSession(
                rules: rules, sourceName: "http", outOfOrderness: 0, timeField: "ts", engines: 2, emit: { _ in { _ in } },
                afterBatch: { _ in }, diagnostic: { _ in })
        }
        let first = session()
        first.start()
        first.feedSources(["a.jsonl", "http"])
        first.feed(ArraySlice(Array(#"{"ts":5000,"type":"A","user":"u"}"#.utf8)), source: "a.jsonl", sourceLine: 1)
        first.feed(ArraySlice(Array(#"{"ts":3000,"type":"A","user":"u"}"#.utf8)), source: "http", sourceLine: 1)
        first.feedIdle(source: "a.jsonl")
        first.processingTime = 42
        first.sync()
        let store = InMemoryStateStore()
        var batch = StateBatch()
        _ = try first.writeCheckpoint(into: &batch, drainBytes: .max, drain: { _ in })
        try store.write(batch)
        first.stop()

        let second = session()
        #expect(try second.restore(from: store))
        let bytes = try #require(try store.get(ReaderCheckpoint.key))
        let reader = try ReaderCheckpoint.decode(bytes, outOfOrderness: 0)
        #expect(reader.watermark.sources == [
            "a.jsonl": .init(maxTimestamp: 5000, idle: true), "http": .init(maxTimestamp: 3000, idle: false),
        ])
        #expect(reader.watermark.current == 2_999)
        #expect(second.processingTime == 42)
        #expect(second.linesRead == 4)
        #expect(second.engines.allSatisfy { $0.watermark == 2_999 })
    }
}
