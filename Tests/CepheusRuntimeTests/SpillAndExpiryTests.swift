import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import CepheusState
import Testing

/// States spilled to the store and loaded back, and throttle-only keys that expire,
/// change no alert.
@Suite struct SpillAndExpiryTests {
    typealias Collector = CheckpointRestoreTests.Collector

    func feed(_ session: ReplaySession, _ lines: ArraySlice<String>) {
        for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
    }

    /// Every few hundred lines, everything is spilled (two sweeps: the first clears the
    /// reference bits); keys load back when seen or when their timers are due.
    @Test(arguments: [false, true])
    func spillingEverythingChangesNoAlert(inMemoryStore: Bool) throws {
        let input = CheckpointRestoreTests.lines(1500)
        let full = Collector()
        let uninterrupted = CheckpointRestoreTests.session(full)
        feed(uninterrupted, input[...])
        uninterrupted.finish()

        let seen = Collector()
        let session = CheckpointRestoreTests.session(seen)
        let store: any StateStore = inMemoryStore ? InMemoryStateStore() : try RocksStateStore(path: makeTemporaryDirectory() + "/db")
        session.attach(store: store, memoryLimit: nil)
        let engine = session.engine!
        var spilled = 0
        for start in stride(from: 0, to: input.count, by: 250) {
            feed(session, input[start..<min(start + 250, input.count)])
            spilled += engine.evictColdStates(.max)
            #expect(engine.residentStateCount == 0)
        }
        session.finish()
        #expect(spilled > 50)
        #expect(seen.alerts.map(\.id) == full.alerts.map(\.id))
        #expect(session.counters.statesSpilled == spilled)
        #expect(session.counters.statesLoaded > 0)
        #expect(engine.spilledStateCount == 0, "every spilled key was loaded back by its timer or expired")
    }

    /// Checkpoints while states are spilled restore exactly, also when the restore
    /// loads only part of the states (an index of the rest, with their timers).
    @Test func checkpointWithSpilledStatesRestoresExactly() throws {
        let input = CheckpointRestoreTests.lines(1500)
        let full = Collector()
        let uninterrupted = CheckpointRestoreTests.session(full)
        feed(uninterrupted, input[...])
        uninterrupted.finish()

        let dir = makeTemporaryDirectory()
        let store = try RocksStateStore(path: dir + "/db")
        let before = Collector()
        let first = CheckpointRestoreTests.session(before)
        first.attach(store: store, memoryLimit: nil)
        first.prepareForCheckpoints()
        feed(first, input[..<500])
        first.engine!.evictColdStates(.max)
        feed(first, input[500..<800])
        first.engine!.evictColdStates(.max)
        #expect(first.engine!.spilledStateCount > 0)
        var batch = StateBatch()
        let written = try first.writeCheckpoint(into: &batch)
        try store.write(batch)
        first.checkpointCommitted()
        #expect(written.keys == first.engine!.spilledStateCount + first.engine!.residentStateCount)

        // Restore under a memory limit of 0: only the first few thousand states load,
        // the rest are indexed.
        let after = Collector()
        let second = CheckpointRestoreTests.session(after)
        second.attach(store: store, memoryLimit: 0)
        second.engine!.memoryLimit = nil
        #expect(try second.restore(from: store))
        feed(second, input[800...])
        second.finish()
        #expect((before.alerts + after.alerts).map(\.id) == full.alerts.map(\.id))
    }

    /// A key holding only a throttle is forgotten once the throttle can no longer
    /// suppress anything (and `state.ttl` has passed), and counted.
    @Test func throttleOnlyKeysExpire() throws {
        let yaml = """
            id: twice
            key: user
            pattern:
              - {name: a, where: type == "x"}
            alert: {throttle: 1m}
            """
        let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
        let collector = Collector()
        let session = ReplaySession(rules: loaded.rules, sourceName: "t", sinks: .init(alert: { collector.alerts.append($0) }))
        session.engine!.stateTTL = 0
        let lines = [
            #"{"ts":1000,"type":"x","user":"u"}"#, #"{"ts":2000,"type":"x","user":"u"}"#,
            #"{"ts":70000,"type":"x","user":"v"}"#, #"{"ts":200000,"type":"x","user":"u"}"#,
        ]
        feed(session, lines[...])
        session.finish()
        // u alerts at 1000, is throttled at 2000, and alerts again at 200000.
        #expect(collector.alerts.map(\.end) == [1000, 70000, 200000])
        #expect(session.counters.throttled == 1)
        #expect(session.counters.keysExpired == 3)
        #expect(session.engine!.residentStateCount == 0)
    }
}
