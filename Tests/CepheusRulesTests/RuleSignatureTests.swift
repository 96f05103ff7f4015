import CepheusCore
import Testing
@testable import CepheusRules

private func rule(_ yaml: String) throws -> Rule {
    let result = RuleLoader.parse(yaml: yaml, file: "s.yaml")
    #expect(result.diagnostics.map(\.description) == [])
    return try #require(result.rules.first)
}

private let base = """
id: sig
description: base
key: user
within: 10m
pattern:
  - name: a
    where: x == 1
    times: 2+
  - name: b
alert:
  title: "hi {{ key }}"

"""

@Suite("RuleLoader: signatures")
struct RuleSignatureTests {
    @Test("comments, key order, quoting and flow style change neither signature")
    func formattingDoesNotCount() throws {
        let original = try rule(base)
        let reformatted = try rule("""
        # a comment
        alert: {title: 'hi {{ key }}'}   # moved up
        pattern:
        - {times: "2+", name: a, where: "x == 1"}
        - name: "b"
        within: "10m"
        key: 'user'
        description: "base"
        id: sig
        """)
        #expect(reformatted.matchingSignature == original.matchingSignature)
        #expect(reformatted.contentSignature == original.contentSignature)
    }

    @Test("an equal window written differently and an explicit default skip keep the matching signature")
    func normalizedMatching() throws {
        let original = try rule(base)
        let other = try rule(base.replacingOccurrences(of: "within: 10m", with: "within: 600s\nskip: past_last_event"))
        #expect(other.matchingSignature == original.matchingSignature)
        #expect(other.contentSignature != original.contentSignature)
    }

    @Test("metadata, enabled, on_timeout and alert changes keep the matching signature only")
    func metadataChange() throws {
        let original = try rule(base)
        let changed = try rule(base
            .replacingOccurrences(of: "description: base", with: "description: changed\nenabled: false\nseverity: high\non_timeout: alert")
            .replacingOccurrences(of: "hi {{ key }}", with: "bye {{ key }}"))
        #expect(changed.matchingSignature == original.matchingSignature)
        #expect(changed.contentSignature != original.contentSignature)
    }

    @Test("pattern, key, within and skip changes change the matching signature", arguments: [
        ("x == 1", "x == 2"),
        ("times: 2+", "times: 3+"),
        ("  - name: b\n", "  - name: b\n    contiguity: strict\n"),
        ("key: user", "key: [user]"),
        ("within: 10m", "within: 11m"),
        ("within: 10m", "within: 10m\nskip: {to_first: a}"),
    ])
    func matchingChange(from: String, to: String) throws {
        let original = try rule(base)
        #expect(base.contains(from))
        let changed = try rule(base.replacingOccurrences(of: from, with: to))
        #expect(changed.matchingSignature != original.matchingSignature)
        #expect(changed.contentSignature != original.contentSignature)
    }

    @Test("signatures are canonical compact JSON")
    func canonicalText() throws {
        let r = try rule("id: c\nwithin: 1s\nkey: k\npattern:\n  - where: 'a == \"b\"'\n    name: s\n")
        #expect(r.matchingSignature == #"{"key":"k","pattern":[{"name":"s","where":"a == \"b\""}],"skip":"past_last_event","within":1000}"#)
        #expect(r.contentSignature == #"{"id":"c","key":"k","pattern":[{"name":"s","where":"a == \"b\""}],"within":"1s"}"#)
    }
}
