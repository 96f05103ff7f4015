import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import CepheusState
import Synchronization
import Testing

/// The daemon's sharded matching: parsing once and matching on several engine threads
/// gives replay's alerts (as a set, same ids) and counters, and a checkpoint taken with
/// one engine count restores with another.
@Suite struct ShardedSessionTests {
    final class Sink: Sendable {
        let alerts = Mutex<[String]>([])
    }

    static func session(engines: Int, sink: Sink) -> ShardedSession {
        ShardedSession(
            rules: CheckpointRestoreTests.rules(), sourceName: "t.jsonl", outOfOrderness: 1000, timeField: "ts", engines: engines,
            emit: { _ in { alert in sink.alerts.withLock { $0.append(alert.id) } } }, afterBatch: { _ in }, diagnostic: { _ in })
    }

    func feed(_ session: ShardedSession, _ lines: ArraySlice<String>, from first: Int) {
        for (offset, line) in lines.enumerated() {
            session.feed(ArraySlice(Array(line.utf8)), source: "t.jsonl", sourceLine: Int64(first + offset + 1))
        }
    }

    @Test(arguments: [1, 2, 3])
    func matchesAsReplayDoes(engines: Int) {
        let input = CheckpointRestoreTests.lines(1500)
        var expected: [String] = []
        let replay = ReplaySession(rules: CheckpointRestoreTests.rules(), sourceName: "t.jsonl", outOfOrderness: 1000, sinks: .init(alert: { expected.append($0.id) }))
        for (offset, line) in input.enumerated() { replay.feed(ArraySlice(Array(line.utf8)), source: "t.jsonl", sourceLine: Int64(offset + 1)) }
        replay.feedWatermark(.max)

        let sink = Sink()
        let session = Self.session(engines: engines, sink: sink)
        session.start()
        feed(session, input[...], from: 0)
        session.feedWatermark(.max)
        session.sync()
        session.publishReader()
        #expect(Set(sink.alerts.withLock { $0 }) == Set(expected))
        #expect(sink.alerts.withLock { $0.count } == expected.count)
        var counters = session.counters
        var replayCounters = replay.counters
        // Replay's engine counts events its own way; the reader's figures must agree.
        counters.events = 0
        replayCounters.events = 0
        #expect(counters == replayCounters)
        session.stop()
    }

    @Test(arguments: [(1, 3), (3, 1), (2, 2)])
    func aCheckpointRestoresWithAnotherEngineCount(before: Int, after: Int) throws {
        let input = CheckpointRestoreTests.lines(1500)
        let whole = Sink()
        let uninterrupted = Self.session(engines: 1, sink: whole)
        uninterrupted.start()
        feed(uninterrupted, input[...], from: 0)
        uninterrupted.feedWatermark(.max)
        uninterrupted.sync()
        uninterrupted.stop()

        let cut = 700
        let first = Sink()
        let one = Self.session(engines: before, sink: first)
        one.prepareForCheckpoints()
        one.start()
        feed(one, input[..<cut], from: 0)
        one.sync()
        let store = InMemoryStateStore()
        var batch = StateBatch()
        _ = try one.writeCheckpoint(into: &batch, drainBytes: .max, drain: { _ in })
        try store.write(batch)
        one.stop()

        let second = Sink()
        let two = Self.session(engines: after, sink: second)
        #expect(try two.restore(from: store))
        #expect(two.linesRead == Int64(cut))
        two.start()
        feed(two, input[cut...], from: cut)
        two.feedWatermark(.max)
        two.sync()
        two.publishReader()
        let ids = first.alerts.withLock { $0 } + second.alerts.withLock { $0 }
        #expect(Set(ids) == Set(whole.alerts.withLock { $0 }))
        #expect(ids.count == whole.alerts.withLock { $0.count })
        #expect(two.counters.alerts == whole.alerts.withLock { $0.count })
        two.stop()
    }
}
