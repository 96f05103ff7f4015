import Testing
@testable import CepheusCore

@Suite struct StableHashTests {
    @Test func knownVectors() {
        #expect(StableHash.fnv1a64([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
    }

    @Test func contiguousAndNonContiguousAgree() {
        let bytes = Array("the quick brown fox".utf8)
        let lazy = bytes.lazy.map { $0 }
        #expect(StableHash.fnv1a64(bytes) == StableHash.fnv1a64(lazy))
        #expect(StableHash.fnv1a64(bytes[4...]) == StableHash.fnv1a64("quick brown fox".utf8))
    }

    @Test func keyGroups() {
        let alice = StableHash.keyGroup(of: .string("alice"))
        #expect(alice == Int(StableHash.fnv1a64(#""alice""#.utf8) % 128))
        #expect((0..<128).contains(alice))
        // Canonical numbers: 3 and 3.0 share a group.
        #expect(StableHash.keyGroup(of: .int(3)) == StableHash.keyGroup(of: .double(3.0)))
        #expect(StableHash.keyGroup(of: .array([.string("a"), .int(1)]), groups: 7)
            == Int(StableHash.fnv1a64(#"["a",1]"#.utf8) % 7))
        #expect(StableHash.keyGroup(of: .null, groups: 1) == 0)
        // Spread: 1000 keys touch most of the 128 groups.
        let groups = Set((0..<1000).map { StableHash.keyGroup(of: .string("user\($0)")) })
        #expect(groups.count > 120)
    }
}

@Suite struct StableHashFastPathTests {
    /// The string fast path hashes exactly the canonical JSON bytes, like the slow path.
    @Test func stringFastPathEqualsCanonicalJSONHash() {
        for text in ["alice", "", "u123", "ünïcödé", "with \"quote\"", "tab\there", "back\\slash"] {
            let canonical = Array(Value.string(text).canonicalJSONString.utf8)
            #expect(StableHash.keyGroup(of: .string(text)) == Int(StableHash.fnv1a64(canonical) % 128), "\(text)")
        }
    }
}
