import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import Testing

@Suite struct RuntimeEngineTests {
    static let bruteForce = """
        id: brute
        severity: high
        labels: {team: secops}
        key: user
        within: 10m
        pattern:
          - {name: fails, where: type == "login" && ok == false, times: 3+}
          - {name: success, where: type == "login" && ok == true}
        alert:
          title: "{{ count(fails) }} failures then success for {{ key }}"
          fields: {attempts: count(fails), ip: last(success).ip}
        """

    func rules(_ yaml: String) throws -> [Rule] {
        let result = RuleLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics)")
        return result.rules
    }

    func replay(_ rules: [Rule], _ lines: [String], outOfOrderness: Int64 = 0) -> ([Alert], RuntimeCounters, [String]) {
        var alerts: [Alert] = []
        var rejected: [String] = []
        let session = ReplaySession(
            rules: rules, sourceName: "input.jsonl", outOfOrderness: outOfOrderness,
            sinks: .init(alert: { alerts.append($0) }, rejected: { line, reason, _ in rejected.append("\(line): \(reason)") }))
        for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
        session.finish()
        return (alerts, session.counters, rejected)
    }

    func login(_ ts: Int, _ user: String, _ ok: Bool, ip: String = "10.0.0.1") -> String {
        #"{"ts":\#(ts),"type":"login","user":"\#(user)","ok":\#(ok),"ip":"\#(ip)"}"#
    }

    @Test func alertCarriesTitleFieldsAndStableId() throws {
        let lines = [login(1000, "alice", false), login(2000, "alice", false), login(3000, "alice", false), login(4000, "alice", true, ip: "10.9.9.9")]
        let (alerts, counters, _) = replay(try rules(Self.bruteForce), lines)
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.title == "3 failures then success for alice")
        #expect(alert.fields.map(\.0) == ["attempts", "ip"])
        #expect(alert.fields[1].1 == .string("10.9.9.9"))
        #expect(alert.start == 1000 && alert.end == 4000)
        #expect(alert.events.map(\.0) == ["fails", "success"])
        #expect(alert.events[0].1.map(\.id) == ["input.jsonl:1", "input.jsonl:2", "input.jsonl:3"])
        // rules.md section 5: SHA-256 of the canonical text, first 16 bytes in hex
        let expected = AlertIdentity.id(
            rule: "brute", version: 1, kind: "match", canonicalKey: "\"alice\"",
            steps: alert.events)
        #expect(alert.id == expected)
        #expect(alert.id.count == 32)
        #expect(counters.summary == "events=4 late=0 rejected=0 key_skipped=0 throttled=0 alerts=1")
    }

    @Test func alertIdMatchesTheSpecFormula() {
        let e1 = Event.make(value: .null, timestamp: 1, id: "a", sequence: 1)
        let e2 = Event.make(value: .null, timestamp: 2, id: "b", sequence: 2)
        // sha256("r\n1\nmatch\n[\"k\",3]\ns=a,b\n") computed independently with Python's hashlib
        let id = AlertIdentity.id(rule: "r", version: 1, kind: "match", canonicalKey: #"["k",3]"#, steps: [("s", [e1, e2])])
        #expect(id == "871c2a4204d87146542f45435b8d0b2f")
    }

    @Test func lateAndRejectedLinesAreCountedNotMatched() throws {
        let lines = [
            login(5000, "bob", false), "not json", #"[1,2]"#, #"{"type":"login"}"#, #"{"ts":"yesterday"}"#,
            login(1000, "bob", false),
        ]
        let (alerts, counters, rejected) = replay(try rules(Self.bruteForce), lines)
        #expect(alerts.isEmpty)
        #expect(counters.rejected == 4)
        #expect(counters.late == 1)
        #expect(counters.events == 2)
        #expect(rejected.count == 4)
        #expect(rejected[1].contains("not a JSON object"))
    }

    @Test func keySkippedWhenKeyIsMissing() throws {
        let (_, counters, _) = replay(try rules(Self.bruteForce), [#"{"ts":1,"type":"login","ok":false}"#])
        #expect(counters.keySkipped == 1)
    }

    @Test func outOfOrderEventsWithinBoundAreReordered() throws {
        let lines = [login(2000, "carol", false), login(1000, "carol", false), login(3000, "carol", false), login(4000, "carol", true)]
        let (alerts, counters, _) = replay(try rules(Self.bruteForce), lines, outOfOrderness: 5000)
        #expect(counters.late == 0)
        #expect(alerts.count == 1)
        #expect(alerts.first?.events[0].1.map(\.timestamp) == [1000, 2000, 3000])
    }

    @Test func throttleSuppressesAlertsWithinTheInterval() throws {
        let yaml = """
            id: t
            key: user
            pattern:
              - {name: x, where: type == "hit"}
            alert: {throttle: 10s}
            """
        let lines = [0, 5000, 11000, 12000, 25000].map { #"{"ts":\#($0),"type":"hit","user":"u"}"# }
        let (alerts, counters, _) = replay(try rules(yaml), lines)
        #expect(alerts.map(\.end) == [0, 11000, 25000])
        #expect(counters.throttled == 2)
    }

    @Test func controlRecordsVersionRulesAndKeepOrDiscardState() throws {
        let base = #"{"$control":{"op":"upsert","yaml":"id: c\nkey: user\npattern:\n  - {name: a, where: type == \"a\"}\n  - {name: b, where: type == \"b\"}\n"}}"#
        let retitled = #"{"$control":{"op":"upsert","yaml":"id: c\nkey: user\npattern:\n  - {name: a, where: type == \"a\"}\n  - {name: b, where: type == \"b\"}\nalert: {title: second}\n"}}"#
        let repatterned = #"{"$control":{"op":"upsert","rule":{"id":"c","key":"user","pattern":[{"name":"a","where":"type == \"a\""},{"name":"b","where":"type == \"z\""}]}}}"#
        let lines = [
            base, #"{"ts":1,"type":"a","user":"u"}"#, retitled, #"{"ts":2,"type":"b","user":"u"}"#,
            #"{"ts":3,"type":"a","user":"u"}"#, repatterned, #"{"ts":4,"type":"b","user":"u"}"#,
            #"{"$control":{"op":"delete","id":"c"}}"#, #"{"$control":{"op":"delete","id":"c"}}"#,
        ]
        let (alerts, counters, _) = replay([], lines)
        // The metadata-only upsert (v2) kept the partial match started at ts 1.
        #expect(alerts.map(\.title) == ["second"])
        #expect(alerts.map(\.ruleVersion) == [2])
        #expect(counters.controlApplied == 4)
        #expect(counters.controlRejected == 1)
        #expect(counters.events == 4)
    }
}

@Suite struct AlertJSONTests {
    @Test func directWriterMatchesTheValueTree() {
        let e1 = Event.make(value: .object(JSONObject([("id", .string("a")), ("ts", .int(1)), ("x", .double(1.5))])), timestamp: 1, id: "a", sequence: 1)
        let e2 = Event.make(value: .object(JSONObject([("ts", .int(2)), ("s", .string("q\"uote\n"))])), timestamp: 2, id: "in:2", sequence: 2)
        let alert = Alert(
            id: "0123", rule: "r", ruleVersion: 3, kind: .timeout, key: .array([.string("k"), .int(3)]),
            severity: "high", labels: [("team", "sec"), ("t\"", "v")], title: "t\u{1}itle",
            fields: [("n", .null), ("l", .array([.int(1), .double(2.25)]))], start: 1, end: 11,
            events: [("a", [e1]), ("b", [e1, e2])], notify: [])
        var bytes: [UInt8] = []
        alert.writeJSON(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == alert.jsonValue.jsonString)
        #expect(alert.jsonLine == alert.jsonValue.jsonString)
    }
}

@Suite struct RuntimeSemanticsTests {
    func run(_ yaml: String, _ lines: [String], workers: Int = 1) -> ([Alert], RuntimeCounters) {
        let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        var alerts: [Alert] = []
        let session = ReplaySession(rules: loaded.rules, sourceName: "in", workers: workers, sinks: .init(alert: { alerts.append($0) }))
        for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
        session.finish()
        return (alerts, session.counters)
    }

    @Test func absentAtEndEndsAtTheWindowEnd() {
        let yaml = """
            id: unpaid
            key: order
            within: 15m
            pattern:
              - {name: created, where: type == "created"}
              - {name: paid, where: type == "paid", absent: true}
            """
        let (alerts, _) = run(yaml, [
            #"{"ts":1000,"type":"created","order":"o1"}"#,
            #"{"ts":2000,"type":"created","order":"o2"}"#,
            #"{"ts":3000,"type":"paid","order":"o2"}"#,
        ])
        #expect(alerts.count == 1)
        #expect(alerts.first?.key == .string("o1"))
        #expect(alerts.first?.kind == .match)
        #expect(alerts.first?.start == 1000)
        #expect(alerts.first?.end == Int64(901_000))
        #expect(alerts.first?.events.map(\.0) == ["created"])
    }

    @Test func timeoutsAreAlertsOfKindTimeoutWithTheirOwnIds() {
        let yaml = """
            id: pair
            key: k
            within: 10s
            on_timeout: alert
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            """
        let (alerts, _) = run(yaml, [#"{"id":"x","ts":0,"t":"a","k":1}"#, #"{"id":"y","ts":20000,"t":"a","k":1}"#])
        let timeouts = alerts.filter { $0.kind == .timeout }
        #expect(timeouts.count == 2)
        #expect(timeouts.map(\.end).sorted() == [10000, 30000])
        #expect(Set(timeouts.map(\.id)).count == 2)
        let expected = AlertIdentity.id(rule: "pair", version: 1, kind: "timeout", canonicalKey: "1", steps: [("a", timeouts.first { $0.start == 0 }!.events[0].1)])
        #expect(timeouts.first { $0.start == 0 }?.id == expected)
    }

    @Test func compositeKeysPartitionAndSkipMissingParts() {
        let yaml = """
            id: pairs
            key: [user, host]
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            """
        let (alerts, counters) = run(yaml, [
            #"{"ts":1,"t":"a","user":"u","host":"h1"}"#,
            #"{"ts":2,"t":"b","user":"u","host":"h2"}"#,
            #"{"ts":3,"t":"b","user":"u"}"#,
            #"{"ts":4,"t":"b","user":"u","host":"h1"}"#,
        ])
        #expect(alerts.count == 1)
        #expect(alerts.first?.key == .array([.string("u"), .string("h1")]))
        #expect(counters.keySkipped == 1)
    }

    @Test func integralFloatAndIntegerKeysAreOneKey() {
        let yaml = """
            id: pairs
            key: n
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            """
        let (alerts, _) = run(yaml, [#"{"ts":1,"t":"a","n":3}"#, #"{"ts":2,"t":"b","n":3.0}"#])
        #expect(alerts.count == 1)
    }

    @Test func workersGiveTheSameAlertsAndCounters() {
        let yaml = """
            id: three
            key: user
            within: 1m
            on_timeout: alert
            pattern:
              - {name: a, where: t == "a", times: 2+}
              - {name: b, where: t == "b"}
            alert: {throttle: 5s}
            """
        var lines: [String] = []
        for i in 0..<3000 {
            let t = ["a", "a", "b", "c"][i % 4 == 0 ? 3 : (i * 7) % 3]
            lines.append(#"{"ts":\#(i * 100),"t":"\#(t)","user":"u\#(i % 17)"}"#)
        }
        let (one, c1) = run(yaml, lines)
        let (three, c3) = run(yaml, lines, workers: 3)
        #expect(one.count > 10)
        #expect(Set(one.map(\.jsonLine)) == Set(three.map(\.jsonLine)))
        #expect(c1 == c3)
    }

    /// With an `alertLines` sink the workers serialize their alerts themselves: the
    /// bytes are the JSON lines the `alert` sink would have written, in the same order.
    @Test func workersSerializeAlertsAsTheAlertSinkWould() {
        let yaml = """
            id: pairs
            key: user
            within: 1m
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            alert: {title: "{{ key }} paired", fields: {first: "first(a).n"}}
            """
        let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        var lines: [String] = []
        for i in 0..<5000 {
            lines.append(#"{"ts":\#(i * 10),"t":"\#(i % 3 == 0 ? "a" : "b")","n":\#(i),"user":"u\#(i % 23)"}"#)
        }
        func replay(serialized: Bool) -> [UInt8] {
            var bytes: [UInt8] = []
            let sinks = ReplaySession.Sinks(
                alert: { alert in
                    alert.writeJSON(into: &bytes)
                    bytes.append(0x0A)
                },
                alertLines: serialized ? { bytes.append(contentsOf: $0) } : nil)
            let session = ReplaySession(rules: loaded.rules, sourceName: "in", workers: 2, sinks: sinks)
            for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
            session.finish()
            return bytes
        }
        let perAlert = replay(serialized: false)
        let serialized = replay(serialized: true)
        #expect(perAlert.filter { $0 == 0x0A }.count > 100)
        #expect(serialized == perAlert)
    }

    /// Parallel parsing: bad lines, late events, keyless events and control records in
    /// the middle of the input come out the same for 1, 2 and 3 workers — alerts,
    /// counters, and the rejected and late lines in input order.
    @Test func workersAgreeOnMessyInput() {
        let yaml = """
            id: pairs
            key: user
            within: 10s
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b" && ip != first(a).ip}
            ---
            id: by-card
            key: card
            pattern:
              - {name: x, where: t == "a"}
              - {name: y, where: t == "b"}
            """
        var lines: [String] = []
        for i in 0..<6000 {
            switch i % 97 {
            case 5: lines.append("not json")
            case 11: lines.append("")
            case 17: lines.append(#"{"t":"a","user":"u1"}"#)  // no ts
            case 23: lines.append(#"{"ts":\#(i * 10 - 5000),"t":"a","user":"late"}"#)
            default:
                let t = ["a", "b", "c"][(i * 7) % 3]
                let card = i % 5 == 0 ? "" : #","card":"c\#(i % 13)""#
                lines.append(#"{"ts":\#(i * 10 + (i % 3) * 7),"t":"\#(t)","user":"u\#(i % 23)","ip":"10.0.0.\#(i % 4)"\#(card)}"#)
            }
            if i == 3000 {
                lines.append(#"{"$control":{"op":"upsert","yaml":"id: late-rule\nkey: user\npattern:\n  - {name: a, where: t == \"b\"}\n  - {name: b, where: t == \"a\"}\n"}}"#)
            }
            if i == 4500 { lines.append(#"{"$control":{"op":"delete","id":"by-card"}}"#) }
            if i == 4600 { lines.append(#"{"$control":{"op":"nonsense"}}"#) }
        }
        func replay(workers: Int) -> (alerts: Set<String>, counters: RuntimeCounters, rejected: [String], late: [String], notes: [String]) {
            let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
            var alerts: Set<String> = []
            var rejected: [String] = []
            var late: [String] = []
            var notes: [String] = []
            let sinks = ReplaySession.Sinks(
                alert: { alerts.insert($0.jsonLine) },
                rejected: { line, reason, _ in rejected.append("\(line): \(reason)") },
                late: { late.append(String(decoding: $0, as: UTF8.self)) },
                diagnostic: { notes.append($0) })
            let session = ReplaySession(rules: loaded.rules, sourceName: "in", outOfOrderness: 20, workers: workers, sinks: sinks)
            for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
            session.finish()
            return (alerts, session.counters, rejected, late, notes)
        }
        let one = replay(workers: 1)
        #expect(one.alerts.count > 50)
        #expect(one.counters.rejected > 100 && one.counters.late > 10 && one.counters.keySkipped > 100)
        #expect(one.counters.controlRejected == 1 && one.counters.controlApplied == 2)
        for workers in [2, 3] {
            let other = replay(workers: workers)
            #expect(other.alerts == one.alerts, "workers: \(workers)")
            #expect(other.counters == one.counters, "workers: \(workers)")
            #expect(other.rejected == one.rejected)
            #expect(other.late == one.late)
            #expect(other.notes == one.notes)
        }
    }

    /// rules.md section 6: a control record applies to the events read before it that
    /// still wait for the watermark. With workers those were routed by the old rules,
    /// so every worker must still see them under the new ones (and count key skips as
    /// one engine does). At line 1500 the waiting events are all in the first batch of
    /// 2048 lines; at 2100 they straddle two batches.
    @Test(arguments: [1500, 2100])
    func controlRecordsReachEventsStillWaitingWithAnyWorkerCount(upsertAt: Int) {
        let yaml = """
            id: by-user
            key: user
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            ---
            id: by-card
            key: card
            pattern:
              - {name: a, where: t == "b"}
              - {name: b, where: t == "a"}
            """
        var lines: [String] = []
        for i in 0..<4000 {
            let t = ["a", "b", "c"][(i * 5) % 3]
            let card = i % 4 == 0 ? "" : #","card":"c\#(i % 29)""#
            let device = i % 7 == 0 ? "" : #","device":"d\#(i % 31)""#
            lines.append(#"{"ts":\#(i * 10),"t":"\#(t)","user":"u\#(i % 37)"\#(card)\#(device)}"#)
            if i == upsertAt {
                // A new rule keyed by a field the start rules never routed by.
                lines.append(#"{"$control":{"op":"upsert","yaml":"id: by-device\nkey: device\npattern:\n  - {name: a, where: t == \"a\"}\n  - {name: b, where: t == \"c\"}\n"}}"#)
            }
            if i == upsertAt + 1000 { lines.append(#"{"$control":{"op":"delete","id":"by-card"}}"#) }
        }
        func replay(workers: Int) -> (Set<String>, RuntimeCounters) {
            let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
            var alerts: Set<String> = []
            let session = ReplaySession(
                rules: loaded.rules, sourceName: "in", outOfOrderness: 2_000, workers: workers,
                sinks: .init(alert: { alerts.insert($0.jsonLine) }))
            for line in lines { session.feed(ArraySlice(Array(line.utf8))) }
            session.finish()
            return (alerts, session.counters)
        }
        let (one, c1) = replay(workers: 1)
        // The new rule also matched events read before its control record.
        let earlyDevice = one.compactMap { try? JSONReader.parse($0) }.filter {
            $0[field: "rule"] == .string("by-device") && ($0[field: "start"]?.doubleValue ?? .infinity) < Double(upsertAt * 10)
        }
        #expect(!earlyDevice.isEmpty)
        #expect(c1.keySkipped > 500)
        for workers in [2, 3] {
            let (other, counters) = replay(workers: workers)
            #expect(other == one, "workers: \(workers)")
            #expect(counters == c1, "workers: \(workers)")
        }
    }
}
