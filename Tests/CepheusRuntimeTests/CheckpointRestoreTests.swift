import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A replay that is checkpointed, thrown away and restored continues exactly as the
/// uninterrupted replay: the same alerts, with the same ids, in the same order.
@Suite struct CheckpointRestoreTests {
    static let rulesYAML = """
        id: brute
        key: user
        within: 10m
        pattern:
          - {name: fails, where: type == "login" && ok == false, times: 3+}
          - {name: success, where: type == "login" && ok == true}
        alert:
          fields: {attempts: count(fails)}
          throttle: 2m
        ---
        id: unpaid
        key: order
        within: 5m
        on_timeout: alert
        pattern:
          - {name: created, where: type == "order_created"}
          - {name: paid, where: type == "order_paid"}
        ---
        id: spray
        key: [ip, type]
        within: 1m
        skip: to_next
        pattern:
          - {name: a, where: type == "login" && ok == false}
          - {name: b, where: type == "login" && ok == false && user != first(a).user, contiguity: relaxed, times: 2}
        """

    static func rules() -> [Rule] {
        let result = RuleLoader.parse(yaml: rulesYAML, file: "t.yaml")
        let failed = result.hasErrors
        #expect(!failed, "\(result.diagnostics)")
        return result.rules
    }

    /// Deterministic, slightly out-of-order events over a few users, orders and ips.
    static func lines(_ count: Int) -> [String] {
        var generator = SplitMix64(seed: 7)
        var lines: [String] = []
        var ts = 1_700_000_000_000
        for index in 0..<count {
            ts += Int(generator.next() % 20_000)
            let jitter = Int(generator.next() % 3) == 0 ? -Int(generator.next() % 800) : 0
            let user = "u\(generator.next() % 6)", ip = "10.0.0.\(generator.next() % 3)"
            switch generator.next() % 5 {
            case 0, 1: lines.append(#"{"ts":\#(ts + jitter),"type":"login","user":"\#(user)","ip":"\#(ip)","ok":false}"#)
            case 2: lines.append(#"{"ts":\#(ts + jitter),"type":"login","user":"\#(user)","ip":"\#(ip)","ok":true}"#)
            case 3: lines.append(#"{"ts":\#(ts + jitter),"type":"order_created","order":"o\#(index % 40)","user":"\#(user)"}"#)
            default: lines.append(#"{"ts":\#(ts + jitter),"type":"order_paid","order":"o\#((index + 3) % 40)"}"#)
            }
            if index == count / 2 {
                // A control record mid-stream: a new rule version keeps state.
                lines.append(#"{"$control":{"op":"upsert","yaml":"id: unpaid\nkey: order\nwithin: 5m\non_timeout: alert\nseverity: high\npattern:\n  - {name: created, where: type == \"order_created\"}\n  - {name: paid, where: type == \"order_paid\"}\n"}}"#)
            }
        }
        return lines
    }

    final class Collector: @unchecked Sendable {
        var alerts: [Alert] = []
    }

    static func session(_ collector: Collector) -> ReplaySession {
        ReplaySession(rules: rules(), sourceName: "t.jsonl", outOfOrderness: 1000, sinks: .init(alert: { collector.alerts.append($0) }))
    }

    func feed(_ session: ReplaySession, _ lines: ArraySlice<String>) {
        for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
    }

    @Test(arguments: [1, 97, 400, 777, 1200])
    func restoredRunEmitsExactlyTheRestOfTheAlerts(cut: Int) throws {
        let input = Self.lines(1500)
        let full = Collector()
        let uninterrupted = Self.session(full)
        feed(uninterrupted, input[...])
        uninterrupted.finish()
        #expect(full.alerts.count > 20)

        let before = Collector()
        let first = Self.session(before)
        first.prepareForCheckpoints()
        feed(first, input[..<cut])
        let store = InMemoryStateStore()
        var batch = StateBatch()
        _ = try first.writeCheckpoint(into: &batch)
        try store.write(batch)
        first.checkpointCommitted()

        let after = Collector()
        let second = Self.session(after)
        #expect(try second.restore(from: store))
        feed(second, input[cut...])
        second.finish()
        #expect((before.alerts + after.alerts).map(\.id) == full.alerts.map(\.id))
        #expect(second.counters == uninterrupted.counters)
        #expect(second.engine!.ruleVersions.map(\.version) == uninterrupted.engine!.ruleVersions.map(\.version))
    }

    /// Incremental checkpoints (dirty keys only) into RocksDB, restored again and again.
    @Test func chainedIncrementalCheckpointsInRocksDB() throws {
        let input = Self.lines(1500)
        let full = Collector()
        let uninterrupted = Self.session(full)
        feed(uninterrupted, input[...])
        uninterrupted.finish()

        let store = try RocksStateStore(path: makeTemporaryDirectory() + "/db")
        let seen = Collector()
        var session = Self.session(seen)
        session.prepareForCheckpoints()
        var position = 0
        var incremental: [Int] = []
        for cut in stride(from: 150, to: input.count, by: 150) {
            feed(session, input[position..<cut])
            position = cut
            var batch = StateBatch()
            let written = try session.writeCheckpoint(into: &batch)
            incremental.append(written.statesWritten)
            try store.write(batch)
            session.checkpointCommitted()
            // Start over from the store every other time.
            if cut % 300 == 0 {
                session = Self.session(seen)
                #expect(try session.restore(from: store))
                session.prepareForCheckpoints()
            }
        }
        feed(session, input[position...])
        session.finish()
        #expect(seen.alerts.map(\.id) == full.alerts.map(\.id))
        #expect(incremental.count > 3)
    }

    /// A checkpoint taken by one worker restores onto 2 or 3 (each loads the key groups
    /// it owns), and together they emit exactly the rest of the alerts.
    @Test(arguments: [2, 3])
    func restoresWithAnotherWorkerCount(workers: Int) throws {
        let input = Self.lines(1500)
        let full = Collector()
        let uninterrupted = Self.session(full)
        feed(uninterrupted, input[...])
        uninterrupted.finish()

        let cut = 650
        let before = Collector()
        let first = Self.session(before)
        first.prepareForCheckpoints()
        feed(first, input[..<cut])
        let store = try RocksStateStore(path: makeTemporaryDirectory() + "/db")
        var batch = StateBatch()
        let written = try first.writeCheckpoint(into: &batch)
        try store.write(batch)
        #expect(written.keys > 10)

        var after: [String] = []
        var restoredKeys = 0
        for index in 0..<workers {
            let collector = Collector()
            let shard = Self.session(collector)
            shard.engine!.shard = (index, workers)
            #expect(try shard.restore(from: store))
            restoredKeys += shard.engine!.slots.reduce(0) { $0 + $1.states.count }
            feed(shard, input[cut...])
            shard.finish()
            after += collector.alerts.map(\.id)
        }
        #expect(restoredKeys == written.keys)
        #expect(Set(before.alerts.map(\.id) + after) == Set(full.alerts.map(\.id)))
        #expect(before.alerts.count + after.count == full.alerts.count)
    }

    @Test func keyStateEncodingIsVersionedAndRejectsDamage() throws {
        let input = Self.lines(300)
        let session = Self.session(Collector())
        feed(session, input[...])
        let states = session.engine!.slots.flatMap { $0.states.values }
        #expect(!states.isEmpty)
        var scratch: [UInt8] = []
        var parser = TapeParser()
        for state in states {
            let bytes = state.encoded(json: &scratch)
            #expect(bytes[0] == KeyState.encodingVersion)
            var shared: [Int64: Event] = [:]
            let decoded = try KeyState.decode(bytes, parser: &parser, events: &shared)
            #expect(decoded.key == state.key)
            #expect(decoded.lastAlertEnd == state.lastAlertEnd)
            #expect(decoded.matcher.partialMatchCount == state.matcher.partialMatchCount)
            #expect(decoded.encoded(json: &scratch) == bytes)
            // A format this release does not know, and every truncation, are errors.
            var future = bytes
            future[0] = 99
            #expect(throws: ByteReader.Malformed.self) { _ = try KeyState.decode(future, parser: &parser, events: &shared) }
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
                #expect(throws: ByteReader.Malformed.self) {
                    _ = try KeyState.decode(Array(bytes[..<cut]), parser: &parser, events: &shared)
                }
            }
        }
    }

    /// Version 1 of the key-state encoding, as this release wrote it: later releases
    /// must keep reading it (a checkpoint outlives the binary that wrote it).
    @Test func readsTheVersionOneLayout() throws {
        // key "ana", throttle end 5, timer 600005, window end 600005, quiet, one partial
        // match; one event;
        // one partial match in state 1 at node 0 and the start state; one node.
        var writer = ByteWriter()
        writer.byte(1)
        Value.string("ana").encode(into: &writer)
        writer.optionalSigned(5); writer.optionalSigned(600_005); writer.optionalSigned(600_005); writer.bool(true)
        writer.unsigned(1)  // partial matches
        writer.unsigned(1)
        writer.signed(5); writer.signed(1); writer.data(Array("t:1".utf8)); writer.data(Array(#"{"ts":5,"type":"login"}"#.utf8))
        writer.unsigned(2)
        writer.unsigned(1); writer.signed(0); writer.unsigned(2); writer.signed(1); writer.signed(0)
        writer.signed(5); writer.signed(5); writer.bool(true); writer.signed(5); writer.signed(1)
        writer.unsigned(0); writer.signed(-1); writer.unsigned(1); writer.signed(2); writer.signed(-1); writer.signed(-1); writer.bool(false)
        writer.unsigned(0)
        writer.unsigned(1)
        writer.unsigned(0); writer.bool(true); writer.unsigned(0); writer.unsigned(0); writer.signed(1)
        writer.unsigned(1); writer.signed(-1); writer.unsigned(0); writer.unsigned(2); writer.signed(1); writer.signed(0); writer.signed(0)
        writer.unsigned(0)
        var parser = TapeParser()
        var shared: [Int64: Event] = [:]
        let state = try KeyState.decode(writer.bytes, parser: &parser, events: &shared)
        #expect(state.key == .string("ana"))
        #expect(state.lastAlertEnd == 5 && state.scheduledTimer == 600_005 && state.quiet)
        #expect(state.matcher.partialMatchCount == 1)
        #expect(state.matcher.buffer.nodeCount == 1)
        #expect(shared[1]?.id == "t:1")
    }
}

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/cepheus-runtime-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}
