import CepheusCore
import CepheusMatcher
import CepheusRules
import Testing
@testable import CepheusRuntime

@Suite struct KeyStateTableTests {
    private static let matcher: PatternMatcher = {
        let loaded = RuleLoader.parse(yaml: "id: r\nkey: k\npattern:\n  - {name: a, where: t == \"a\"}\n", file: "t.yaml")
        return PatternMatcher(rule: loaded.rules[0])
    }()

    private func state(_ key: Value, hash: UInt64? = nil) -> KeyState {
        KeyState(key: key, hash: hash ?? KeyProbe(value: key).hash, matcher: MatcherState(matcher: Self.matcher))
    }

    @Test func findsInsertsAndRemovesUnderCollisions() {
        var table = KeyStateTable()
        // Every state in one home slot: the worst case for probing and backward shift.
        let states = (0..<40).map { state(.string("k\($0)"), hash: 0x80) }
        for state in states { table.insert(state) }
        #expect(table.count == 40)
        for state in states { #expect(table.find(0x80) { $0 === state } === state) }
        for (index, state) in states.enumerated() where index % 3 == 0 { table.remove(state) }
        for (index, state) in states.enumerated() {
            #expect(table.contains(state) == (index % 3 != 0))
        }
        #expect(table.count == 26)
        #expect(Set(table.values.map(ObjectIdentifier.init)) == Set(states.enumerated().filter { $0.offset % 3 != 0 }.map { ObjectIdentifier($0.element) }))
    }

    @Test func keysFromBytesAndFromValuesMeet() {
        var table = KeyStateTable()
        let alice = state(.string("alice"))
        let three = state(.double(3.0))
        table.insert(alice)
        table.insert(three)
        var bytes = Array("alice".utf8)
        bytes.withUnsafeMutableBytes { raw in
            let probe = KeyProbe(bytes: UnsafeRawBufferPointer(raw))
            #expect(table.find(probe.hash) { probe.matches($0) } === alice)
            #expect(probe.keyGroup == StableHash.keyGroup(of: .string("alice")))
        }
        // 3 and 3.0 are one key; "3" is another.
        let probe = KeyProbe(value: .int(3))
        #expect(table.find(probe.hash) { probe.matches($0) } === three)
        let text = KeyProbe(value: .string("3"))
        #expect(table.find(text.hash) { text.matches($0) } == nil)
        table.remove(alice)
        #expect(!table.contains(alice) && table.contains(three))
    }

    @Test func growsAndKeepsEveryState() {
        var table = KeyStateTable()
        let states = (0..<5000).map { state(.int(Int64($0))) }
        for state in states { table.insert(state) }
        for (index, state) in states.enumerated() {
            let probe = KeyProbe(value: .int(Int64(index)))
            #expect(table.find(probe.hash) { probe.matches($0) } === state)
        }
        #expect(table.capacity >= 10_000)
    }
}
