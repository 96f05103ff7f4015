import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import CepheusState
import Testing

/// Cold states compacted in memory (`RuntimeEngine.compactColdStates`) and made live
/// again change no alert, survive checkpoints and spill; the table that holds them.
@Suite struct CompactionTests {
    typealias Collector = CheckpointRestoreTests.Collector

    func feed(_ session: ReplaySession, _ lines: ArraySlice<String>) {
        for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
    }

    func uninterruptedAlerts(_ input: [String]) -> [String] {
        let full = Collector()
        let session = CheckpointRestoreTests.session(full)
        feed(session, input[...])
        session.finish()
        return full.alerts.map(\.id)
    }

    /// Everything is compacted every `every` lines; keys come back when seen or when
    /// their timers are due.
    @Test(arguments: [1, 7, 250])
    func compactingEverythingChangesNoAlert(every: Int) {
        let input = CheckpointRestoreTests.lines(1500)
        let seen = Collector()
        let session = CheckpointRestoreTests.session(seen)
        let engine = session.engine!
        var compacted = 0
        for start in stride(from: 0, to: input.count, by: every) {
            feed(session, input[start..<min(start + every, input.count)])
            compacted += engine.compactColdStates(everything: true)
            #expect(engine.residentStateCount == 0)
        }
        session.finish()
        #expect(compacted > 50)
        #expect(seen.alerts.map(\.id).sorted() == uninterruptedAlerts(input).sorted())
        #expect(session.counters.statesCompacted == compacted)
        #expect(session.counters.statesInflated > 0)
        #expect(engine.compactedStateCount == 0, "every compacted key came back for its timer or expired")
    }

    /// The engine compacts on its own past `hotStateLimit`, and keeps about that many
    /// states live; a state seen once is compacted by the next sweep.
    @Test func manyKeysStayWithinTheHotLimit() {
        var lines: [String] = []
        for index in 0..<20_000 {
            lines.append(#"{"ts":\#(1_700_000_000_000 + index),"type":"login","user":"user-\#(index)","ip":"10.0.0.1","ok":false}"#)
        }
        let collector = Collector()
        let session = CheckpointRestoreTests.session(collector)
        let engine = session.engine!
        engine.hotStateLimit = 1000
        var mostLive = 0
        for start in stride(from: 0, to: lines.count, by: 500) {
            feed(session, lines[start..<(start + 500)])
            mostLive = max(mostLive, engine.residentStateCount)
        }
        #expect(mostLive <= 2 * 1000 + 256)
        #expect(engine.compactedStateCount > 15_000)
        let footprint = engine.stateFootprint()
        #expect(footprint.keys == engine.residentStateCount + engine.compactedStateCount)
        #expect(footprint.compactedKeys == engine.compactedStateCount)
        #expect(engine.ruleStatistics.reduce(0) { $0 + $1.keys } == footprint.keys)
        session.finish()
        #expect(engine.compactedStateCount == 0)
    }

    /// Compacted states are written by a checkpoint that writes every state, and are
    /// never dirty: a restore continues exactly.
    @Test func checkpointsKeepCompactedStates() throws {
        let input = CheckpointRestoreTests.lines(1500)
        let store = try RocksStateStore(path: makeTemporaryDirectory() + "/db")
        let before = Collector()
        let first = CheckpointRestoreTests.session(before)
        first.attach(store: store, memoryLimit: nil)
        feed(first, input[..<500])
        // Compacted before checkpoints are tracked: the first checkpoint writes them all.
        #expect(first.engine!.compactColdStates(everything: true) > 0)
        first.prepareForCheckpoints()
        var batch = StateBatch()
        var written = try first.writeCheckpoint(into: &batch)
        try store.write(batch)
        first.checkpointCommitted()
        #expect(written.statesWritten > 0)
        feed(first, input[500..<900])
        // Dirty states stay live until the next checkpoint.
        first.engine!.compactColdStates(everything: true)
        #expect(first.engine!.residentStateCount > 0)
        batch = StateBatch()
        written = try first.writeCheckpoint(into: &batch)
        try store.write(batch)
        first.checkpointCommitted()
        #expect(first.engine!.compactColdStates(everything: true) > 0)
        #expect(written.keys == first.engine!.compactedStateCount)

        let after = Collector()
        let second = CheckpointRestoreTests.session(after)
        second.attach(store: store, memoryLimit: nil)
        #expect(try second.restore(from: store))
        feed(second, input[900...])
        second.finish()
        #expect((before.alerts + after.alerts).map(\.id).sorted() == uninterruptedAlerts(input).sorted())
    }

    /// Under a memory limit, compacted states spill first, as they are.
    @Test func compactedStatesSpill() throws {
        let input = CheckpointRestoreTests.lines(1500)
        let seen = Collector()
        let session = CheckpointRestoreTests.session(seen)
        session.attach(store: InMemoryStateStore(), memoryLimit: nil)
        let engine = session.engine!
        var spilled = 0
        for start in stride(from: 0, to: input.count, by: 100) {
            feed(session, input[start..<min(start + 100, input.count)])
            engine.compactColdStates(everything: true)
            if start % 300 == 0 {
                let compacted = engine.compactedStateCount
                let went = engine.evictColdStates(compacted)
                #expect(went == compacted)
                #expect(engine.compactedStateCount == 0)
                spilled += went
            }
        }
        session.finish()
        #expect(spilled > 10)
        #expect(seen.alerts.map(\.id).sorted() == uninterruptedAlerts(input).sorted())
        #expect(session.counters.statesLoaded > 0)
    }

    // MARK: the table

    @Test func tableFindsRemovesAndRelocates() {
        var table = CompactStateTable()
        var expected: [Int: [UInt8]] = [:]
        // Every fourth key shares its hash with the one before it.
        func hash(_ key: Int) -> UInt64 { UInt64(key - (key % 4 == 3 ? 1 : 0)) &* 0x9E37_79B9_7F4A_7C15 }
        func record(_ key: Int) -> [UInt8] { Array("state \(key) ".utf8) + Array(repeating: UInt8(key & 0xFF), count: 200 + key % 300) }
        func find(_ key: Int, in table: CompactStateTable) -> CompactStateTable.Location? {
            table.find(hash(key)) { Array($0) == record(key) }
        }
        for key in 0..<20_000 {
            table.insert(hash: hash(key), state: record(key), persisted: key % 2 == 0)
            expected[key] = record(key)
        }
        #expect(table.count == 20_000)
        let full = table.bytes
        #expect(full > 20_000 * 200)
        // Remove most keys: chunks empty out or get their last records moved.
        for key in 0..<20_000 where key % 10 != 0 {
            let location = find(key, in: table)!
            table.remove(hash: hash(key), at: location)
            expected[key] = nil
        }
        #expect(table.count == 2_000)
        for (key, bytes) in expected {
            let location = find(key, in: table)
            #expect(location != nil)
            if let location {
                #expect(table.state(at: location) == bytes)
                #expect(location.persisted == (key % 2 == 0))
            }
        }
        #expect(find(1, in: table) == nil)
        #expect(table.allRecords.count == 2_000)
        #expect(table.bytes < full / 2, "emptied chunks are freed, sparse ones compacted")
        // A record larger than a chunk.
        let large = Array(repeating: UInt8(7), count: 3 << 20)
        table.insert(hash: 42, state: large, persisted: false)
        let location = table.find(42) { $0.count == large.count }!
        #expect(table.state(at: location) == large)
        table.markPersisted(hash: 42, at: location)
        #expect(table.allRecords.first { $0.hash == 42 }!.location.persisted)
        table.remove(hash: 42, at: location)
        #expect(table.count == 2_000)
    }

    @Test func wakeUpsComeOutInTimeOrder() {
        var queue = WakeUpQueue()
        var generator = SplitMix64(seed: 3)
        var times: [Int64] = []
        for index in 0..<1000 {
            let time = Int64(generator.next() % 500)
            times.append(time)
            queue.insert(time: time, hash: UInt64(index))
        }
        #expect(queue.popFirst(through: -1) == nil)
        var popped: [Int64] = []
        while let next = queue.popFirst(through: 250) { popped.append(next.time) }
        #expect(popped == times.filter { $0 <= 250 }.sorted())
        #expect(queue.firstTime.map { $0 > 250 } ?? true)
        #expect(queue.count == times.filter { $0 > 250 }.count)
    }
}
