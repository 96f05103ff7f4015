import CepheusCore
import CepheusRules
@testable import CepheusRuntime
import Testing

/// The router's shortcut for rule sets keyed by one plain field gives what the general
/// path gives: the same owners, key skips and per-rule routing.
@Suite struct KeyRouterTests {
    static func rules(_ yaml: String) -> [Rule] {
        let loaded = RuleLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(loaded.diagnostics.allSatisfy { $0.severity != .error }, "\(loaded.diagnostics)")
        return loaded.rules
    }

    /// `user` for two enabled rules and a disabled one; a second set adds a rule keyed
    /// by `host`, which takes the general path. The first set's answers must equal
    /// what the general path computes for its rules alone (the `user` part).
    @Test(arguments: [2, 3])
    func oneFieldShortcutMatchesTheGeneralPath(workers: Int) throws {
        let single = Self.rules("""
            id: a
            key: user
            pattern:
              - {name: x, where: type == "A"}
            ---
            id: off
            key: user
            enabled: false
            pattern:
              - {name: x, where: type == "A"}
            ---
            id: b
            key: user
            pattern:
              - {name: x, where: type == "B"}
            """)
        let general = single + Self.rules("""
            id: h
            key: host
            pattern:
              - {name: x, where: type == "A"}
            """)
        let fast = KeyRouter(rules: single, workers: workers)
        let slow = KeyRouter(rules: general, workers: workers)
        var decoder = EventDecoder(sourceName: "t")
        let users = [#""u1""#, #""u2""#, #""someone else""#, "null", "42", #""q\"uote""#, #"{"a":1}"#]
        for (index, user) in users.enumerated() {
            for withUser in [true, false] {
                let line = withUser ? #"{"ts":1,"type":"A","host":"h1","user":\#(user)}"# : #"{"ts":1,"type":"A","host":"h1"}"#
                guard case .event(let event) = decoder.decode(ArraySlice(Array(line.utf8)), line: Int64(index)) else {
                    Issue.record("not an event: \(line)")
                    continue
                }
                let got = fast.route(event)
                let expected = slow.route(event)
                // The general set's host rule adds its owner and its nibble (slot 3).
                let hostOwner = (expected.routing >> 12) & 0xF
                let userSlots = expected.routing | 0xF << 12 | ~UInt64(0xFFFF)
                #expect(got.routing == userSlots, "\(line)")
                #expect(got.keySkipped == expected.keySkipped - (hostOwner == 0xF ? 1 : 0), "\(line)")
                // The user rules' owner, from the general path's routing (slot 0).
                let userOwner = expected.routing & 0xF
                #expect(got.workers == (userOwner == 0xF ? 0 : 1 << userOwner), "\(line)")
            }
        }
    }
}
