import CepheusCore
@testable import CepheusServer
import Testing

/// The alert outbox: entries keyed by alert id survive a reopen, an alert admitted
/// again is recognized (not queued twice), the newest come first, and only settled
/// entries beyond the retained count are dropped.
@Suite struct OutboxTests {
    static func alert(_ index: Int, receivers: [String] = ["console", "pager"]) -> (id: String, rule: String, json: [UInt8], receivers: [String]) {
        ("id-\(index)", "r", Array(#"{"id":"id-\#(index)","rule":"r"}"#.utf8), receivers)
    }

    @Test func admitsOnceAndSurvivesAReopen() throws {
        let dir = makeTemporaryDirectory() + "/outbox"
        do {
            let outbox = try Outbox(directory: dir)
            let first = try outbox.admit((0..<3).map { Self.alert($0) }, now: 1_000)
            #expect(first.map(\.isNew) == [true, true, true])
            #expect(first[0].entry.deliveries.map(\.receiver) == ["console", "pager"])
            #expect(first[0].entry.deliveries.allSatisfy { $0.state == .pending && $0.nextAttempt == 1_000 })
            try outbox.modify("id-1") { entry in
                entry.deliveries[0].state = .delivered
                entry.deliveries[0].attempts = 1
            }
            outbox.close()
        }
        let reopened = try Outbox(directory: dir)
        // Derived again (after a restore): found, not new, progress kept.
        let again = try reopened.admit([Self.alert(1), Self.alert(3)], now: 2_000)
        #expect(again.map(\.isNew) == [false, true])
        #expect(again[0].entry.deliveries[0].state == .delivered)
        #expect(again[1].entry.sequence == 4)
        #expect(try reopened.recent(limit: 10).map(\.id) == ["id-3", "id-2", "id-1", "id-0"])
        #expect(try reopened.recent(limit: 2).map(\.id) == ["id-3", "id-2"])
        #expect(reopened.count == 4)
        let json = try #require(try reopened.entry("id-1")).jsonValue
        #expect(json[field: "alert"]?[field: "id"] == .string("id-1"))
        guard case .array(let deliveries)? = json[field: "deliveries"] else {
            Issue.record("no deliveries in \(json)")
            return
        }
        #expect(deliveries.first?[field: "state"] == .string("delivered"))
    }

    @Test func keepsTheNewestAndEveryUnsettledEntry() throws {
        let outbox = try Outbox(directory: makeTemporaryDirectory() + "/outbox", retain: 10_000)
        // The oldest is unsettled: nothing behind it may go.
        _ = try outbox.admit([Self.alert(0, receivers: ["pager"])], now: 0)
        var settled = try outbox.admit((1..<10_200).map { Self.alert($0, receivers: []) }, now: 0)
        #expect(outbox.count == 10_200)
        #expect(try outbox.entry("id-0") != nil)
        try outbox.modify("id-0") { $0.deliveries[0].state = .delivered }
        settled = try outbox.admit([Self.alert(10_200, receivers: [])], now: 0)
        #expect(settled.count == 1)
        #expect(outbox.count == 10_000)
        #expect(try outbox.entry("id-0") == nil)
        #expect(try outbox.entry("id-200") == nil)
        #expect(try outbox.entry("id-201") != nil)
        #expect(try outbox.recent(limit: 1).first?.id == "id-10200")
    }

    @Test func entriesRoundTripAndRejectDamage() throws {
        let entry = OutboxEntry(
            id: "x", sequence: 7, created: 123, rule: "r", alertJSON: Array("{}".utf8),
            deliveries: [.init(receiver: "a", state: .dead, attempts: 9, lastError: "HTTP 400", nextAttempt: -1, since: 5), .init(receiver: "b")])
        #expect(try OutboxEntry.decode(entry.encoded()) == entry)
        var bytes = entry.encoded()
        bytes[0] = 9
        #expect(throws: ByteReader.Malformed.self) { try OutboxEntry.decode(bytes) }
        #expect(throws: ByteReader.Malformed.self) { try OutboxEntry.decode(Array(entry.encoded().dropLast())) }
    }

    @Test func deadLettersAreIndexedKeptAndRevived() throws {
        let outbox = try Outbox(directory: makeTemporaryDirectory() + "/outbox", retain: 10_000)
        _ = try outbox.admit([Self.alert(0, receivers: ["pager", "chat"])], now: 0)
        try outbox.modify("id-0") { entry in
            entry.deliveries[0].state = .dead
            entry.deliveries[1].state = .delivered
        }
        #expect(try outbox.deadLetters().map(\.id) == ["id-0"])
        #expect(try outbox.deadLetters(receiver: "chat").isEmpty)
        // Past the retained count, a dead letter stays while newer settled entries go.
        _ = try outbox.admit((1...10_050).map { Self.alert($0, receivers: []) }, now: 0)
        #expect(try outbox.entry("id-0") != nil)
        #expect(try outbox.entry("id-1") == nil)
        #expect(try outbox.pendingDeliveries(to: ["pager"]).isEmpty)
        try outbox.modify("id-0") { $0.deliveries[0].state = .pending }
        #expect(try outbox.deadLetters().isEmpty)
        #expect(try outbox.pendingDeliveries(to: ["pager"]).map(\.id) == ["id-0"])
    }
}
