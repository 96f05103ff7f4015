import CepheusCore
import Foundation
import Testing
@testable import CepheusRules

private func load(_ yaml: String, file: String = "r.yaml", receivers: Set<String>? = nil) -> RuleLoadResult {
    RuleLoader.parse(yaml: yaml, file: file, knownReceivers: receivers)
}

private func errorLines(_ result: RuleLoadResult) -> [String] {
    result.diagnostics.filter { $0.severity == .error }.map(\.description)
}

/// The example of rules.md section 2, comments included.
private let ruleSpecExample = """
id: brute-force-login          # required; [a-z0-9][a-z0-9_.-]*; unique across the rule set
description: Five failed logins, then a success, same user, within 10 minutes
severity: high                 # info | low | medium | high | critical   (default medium)
labels: {team: secops}         # free string map, copied into alerts
enabled: true                  # default true
key: user                      # expression, or a list of expressions (composite key)
within: 10m                    # whole-match window
skip: past_last_event          # after-match skip strategy, see 3.4 (default past_last_event)
max_partial_matches: 10000     # per-key cap on live partial matches, see 3.5 (default 10000)
on_timeout: ignore             # ignore | alert
pattern:                       # ordered steps; at least one non-absent step
  - name: fails                # required, unique in the rule, [a-z_][a-z0-9_]*
    where: type == "login" && ok == false   # expression; omitted = true
    times: 5+                  # quantifier, see 3.1 (default exactly 1): an integer, "n..m" or "n+"
  - name: success
    contiguity: relaxed        # strict | relaxed | any   (default relaxed), see 3.2
    where: type == "login" && ok == true && ip != last(fails).ip
alert:                         # optional
  title: "{{ count(fails) }} failed logins then a success for {{ key }}"   # default: description, else id
  fields:                      # name -> expression over the completed match (default {})
    ip: last(success).ip
    attempts: count(fails)
  notify: [secops]             # receiver names from the daemon config (ignored by replay)
  throttle: 15m                # at most one alert per (rule, key) per 15m of event time (section 5)

"""

@Suite("RuleLoader: loading and mapping")
struct RuleLoaderTests {
    @Test("the rules.md example maps onto the model")
    func specExample() throws {
        let result = load(ruleSpecExample, file: "rules/bf.yaml")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(!result.hasErrors)
        let rule = try #require(result.rules.first)
        #expect(result.rules.count == 1)
        #expect(rule.id == "brute-force-login")
        #expect(rule.description == "Five failed logins, then a success, same user, within 10 minutes")
        #expect(rule.severity == .high)
        #expect(rule.labels.map { "\($0.0)=\($0.1)" } == ["team=secops"])
        #expect(rule.enabled)
        #expect(rule.key?.map(\.text) == ["user"])
        #expect(!rule.keyIsComposite)
        #expect(rule.within == 600_000)
        #expect(rule.skip == .pastLastEvent)
        #expect(rule.maxPartialMatches == 10_000)
        #expect(rule.onTimeout == .ignore)
        #expect(rule.origin == "rules/bf.yaml")

        #expect(rule.pattern.count == 2)
        let fails = rule.pattern[0]
        #expect(fails.name == "fails")
        #expect(fails.condition?.text == #"type == "login" && ok == false"#)
        #expect(fails.quantifier == {
            var q = Quantifier(from: 5, to: 5, looping: true, optional: false)
            q.hasTimes = true
            return q
        }())
        #expect(fails.quantifier.hasTimes)
        #expect(fails.contiguity == .relaxed)
        #expect(fails.loop == .relaxed)
        #expect(!fails.greedy && !fails.absent && fails.until == nil)
        let success = rule.pattern[1]
        #expect(success.name == "success")
        #expect(success.quantifier == .one)
        #expect(!success.quantifier.hasTimes)
        #expect(success.condition?.text == #"type == "login" && ok == true && ip != last(fails).ip"#)

        #expect(rule.alert.title != nil)
        #expect(rule.alert.fields.map(\.0) == ["ip", "attempts"])
        #expect(rule.alert.fields.map(\.1.text) == ["last(success).ip", "count(fails)"])
        #expect(rule.alert.notify == ["secops"])
        #expect(rule.alert.throttle == 900_000)

        // The definition keeps the file's structure, typed as YAML 1.2 core.
        let definition = rule.definition
        #expect(definition[field: "id"] == .string("brute-force-login"))
        #expect(definition[field: "enabled"] == .bool(true))
        #expect(definition[field: "max_partial_matches"] == .int(10_000))
        #expect(definition[field: "within"] == .string("10m"))
        #expect(definition[field: "labels"] == .object(JSONObject([("team", .string("secops"))])))
        if case .object(let object) = definition {
            #expect(object.keys == ["id", "description", "severity", "labels", "enabled", "key", "within", "skip",
                                    "max_partial_matches", "on_timeout", "pattern", "alert"])
        } else {
            Issue.record("definition is not an object")
        }
        if case .array(let steps)? = definition[field: "pattern"] {
            #expect(steps[0][field: "times"] == .string("5+"))
            #expect(steps.count == 2)
        } else {
            Issue.record("pattern is not an array")
        }
        #expect(definition[field: "alert"]?[field: "notify"] == .array([.string("secops")]))
        #expect(!rule.matchingSignature.isEmpty)
        #expect(!rule.contentSignature.isEmpty)
    }

    @Test("defaults for a minimal rule")
    func defaults() throws {
        let result = load("id: minimal\npattern:\n  - name: a\n")
        let rule = try #require(result.rules.first)
        #expect(result.diagnostics.isEmpty)
        #expect(rule.description == nil)
        #expect(rule.severity == .medium)
        #expect(rule.labels.isEmpty)
        #expect(rule.enabled)
        #expect(rule.key == nil)
        #expect(!rule.keyIsComposite)
        #expect(rule.within == nil)
        #expect(rule.skip == .pastLastEvent)
        #expect(rule.maxPartialMatches == 10_000)
        #expect(rule.onTimeout == .ignore)
        #expect(rule.pattern.count == 1)
        #expect(rule.pattern[0].condition == nil)
        #expect(rule.pattern[0].quantifier == .one)
        #expect(rule.pattern[0].contiguity == .relaxed)
        #expect(rule.pattern[0].loop == .relaxed)
        #expect(rule.alert.title == nil)
        #expect(rule.alert.fields.isEmpty)
        #expect(rule.alert.notify.isEmpty)
        #expect(rule.alert.throttle == nil)
    }

    @Test("the other settings map onto the model")
    func otherSettings() throws {
        let yaml = """
        id: all.settings_1
        severity: critical
        enabled: false
        labels: {tier: 1, on_call: true, team: "ops"}
        key: [user, geo.country]
        within: 1h30m
        skip: {to_last: b}
        max_partial_matches: 50
        on_timeout: alert
        pattern:
          - name: a
            times: 2..4
            loop: strict
            greedy: true
          - name: b
            contiguity: strict
            times: 3
          - name: c
            contiguity: any
            times: 1+
            loop: any
            until: amount > 10
          - name: d
            absent: true
            contiguity: strict
        """
        let result = load(yaml)
        #expect(result.diagnostics.map(\.description) == [])
        let rule = try #require(result.rules.first)
        #expect(rule.severity == .critical)
        #expect(!rule.enabled)
        #expect(rule.labels.map(\.0) == ["tier", "on_call", "team"])
        #expect(rule.labels.map(\.1) == ["1", "true", "ops"])
        #expect(rule.key?.map(\.text) == ["user", "geo.country"])
        #expect(rule.keyIsComposite)
        #expect(rule.within == 5_400_000)
        #expect(rule.skip == .toLast("b"))
        #expect(rule.maxPartialMatches == 50)
        #expect(rule.onTimeout == .alert)
        let (a, b, c, d) = (rule.pattern[0], rule.pattern[1], rule.pattern[2], rule.pattern[3])
        #expect(a.quantifier.from == 2 && a.quantifier.to == 4 && !a.quantifier.looping && !a.quantifier.optional)
        #expect(a.quantifier.hasTimes && a.greedy && a.loop == .strict)
        #expect(b.quantifier.from == 3 && b.quantifier.to == 3 && !b.quantifier.looping && b.quantifier.hasTimes)
        #expect(b.contiguity == .strict)
        #expect(c.quantifier.from == 1 && c.quantifier.looping && !c.quantifier.optional && c.quantifier.hasTimes)
        #expect(c.contiguity == .any && c.loop == .any)
        #expect(c.until?.text == "amount > 10")
        #expect(d.absent && d.contiguity == .strict && d.quantifier == .one)
    }

    @Test("times forms map to Flink quantifiers", arguments: [
        ("3", 3, 3, false, false),
        ("2..4", 2, 4, false, false),
        ("\"0..4\"", 1, 4, false, true),
        ("1..1", 1, 1, false, false),
        ("1+", 1, 1, true, false),
        ("0+", 1, 1, true, true),
        ("5+", 5, 5, true, false),
        ("\"7\"", 7, 7, false, false),
    ])
    func timesForms(text: String, from: Int, to: Int, looping: Bool, optional: Bool) throws {
        let result = load("id: t\npattern:\n  - name: a\n    times: \(text)\n")
        #expect(result.diagnostics.map(\.description) == [])
        let quantifier = try #require(result.rules.first?.pattern.first?.quantifier)
        #expect(quantifier.from == from)
        #expect(quantifier.looping == looping)
        #expect(quantifier.optional == optional)
        #expect(quantifier.hasTimes)
        if !looping { #expect(quantifier.to == to) }
    }

    @Test("optional: true makes a step optional, with or without times")
    func optionalFlag() throws {
        let result = load("id: t\npattern:\n  - name: a\n  - name: b\n    optional: true\n  - name: c\n    times: 2\n    optional: true\n  - name: d\n")
        #expect(result.diagnostics.isEmpty)
        let steps = try #require(result.rules.first?.pattern)
        #expect(steps[1].quantifier.optional && !steps[1].quantifier.hasTimes && steps[1].quantifier.from == 1)
        #expect(steps[2].quantifier.optional && steps[2].quantifier.hasTimes && steps[2].quantifier.from == 2)
    }

    @Test("several YAML documents in one file")
    func multiDocument() throws {
        let yaml = """
        # first rule
        id: one
        pattern:
          - name: a
        ---
        id: two
        severity: low
        pattern:
          - name: b
            where: x > 1
        ---
        # an empty document is skipped
        ---
        id: three
        pattern: [{name: c}, {name: d, contiguity: strict}]
        ...

        """
        let result = load(yaml, file: "multi.yaml")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.rules.map(\.id) == ["one", "two", "three"])
        #expect(result.rules.allSatisfy { $0.origin == "multi.yaml" })
        #expect(result.rules[1].severity == .low)
        #expect(result.rules[2].pattern.map(\.name) == ["c", "d"])
        #expect(result.rules[2].pattern[1].contiguity == .strict)
    }

    @Test("a document with an error is dropped, the others are kept")
    func badDocumentDropped() {
        let yaml = "id: good\npattern:\n  - name: a\n---\nid: bad\npattern:\n  - name: A\n---\nid: good2\npattern:\n  - name: a\n"
        let result = load(yaml)
        #expect(result.rules.map(\.id) == ["good", "good2"])
        #expect(errorLines(result) == ["r.yaml:7:11: error: invalid step name 'A': it must match [a-z_][a-z0-9_]*"])
        #expect(result.hasErrors)
    }

    @Test("duplicate rule ids in one file: error at the second, which is dropped")
    func duplicateIdInFile() {
        let yaml = "id: same\npattern:\n  - name: a\n---\nid: same\ndescription: other\npattern:\n  - name: b\n"
        let result = load(yaml)
        #expect(result.rules.count == 1)
        #expect(result.rules.first?.pattern.first?.name == "a")
        #expect(errorLines(result) == ["r.yaml:5:5: error: duplicate rule id 'same' (first defined at r.yaml:1:5)"])
    }

    @Test("load: files and folders, sorted, recursive, duplicate ids across files")
    func loadPaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cepheus-rule-loader-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let sub = root.appendingPathComponent("nested/deeper")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        func write(_ relative: String, _ text: String) throws {
            try text.write(to: root.appendingPathComponent(relative), atomically: true, encoding: .utf8)
        }
        try write("b.yaml", "id: bee\npattern:\n  - name: a\n")
        try write("a.yml", "id: ay\npattern:\n  - name: a\n---\nid: ay2\npattern:\n  - name: a\n")
        try write("notes.txt", "id: not-a-rule\n")
        try write(".hidden.yaml", "id: hidden\npattern:\n  - name: a\n")
        try write("nested/deeper/c.yaml", "id: sea\npattern:\n  - name: a\n")
        try write("nested/dup.yaml", "\nid: bee\npattern:\n  - name: a\n")

        let result = RuleLoader.load(paths: [root.path])
        #expect(result.rules.map(\.id) == ["ay", "ay2", "bee", "sea"])
        let dupFile = root.appendingPathComponent("nested/dup.yaml").path
        let firstFile = root.appendingPathComponent("b.yaml").path
        #expect(errorLines(result) == ["\(dupFile):2:5: error: duplicate rule id 'bee' (first defined at \(firstFile):1:5)"])
        #expect(result.rules.first?.origin == root.appendingPathComponent("a.yml").path)

        // A single file, and a missing path.
        let missing = root.appendingPathComponent("missing.yaml").path
        let mixed = RuleLoader.load(paths: [root.appendingPathComponent("nested/deeper/c.yaml").path, missing])
        #expect(mixed.rules.map(\.id) == ["sea"])
        #expect(errorLines(mixed) == ["\(missing):1:1: error: no such file or directory"])
        #expect(mixed.unreadablePaths == [missing])
        #expect(result.unreadablePaths.isEmpty)
        #expect(mixed.hasErrors)

        // The same file named twice is loaded once.
        let twice = RuleLoader.load(paths: [root.path, root.appendingPathComponent("b.yaml").path])
        #expect(twice.rules.map(\.id) == ["ay", "ay2", "bee", "sea"])
    }

    @Test("load: an unreadable file is an error at FILE:1:1")
    func unreadableFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cepheus-rule-loader-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let file = root.appendingPathComponent("bad.yaml")
        try Data([0x69, 0x64, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: file)
        let result = RuleLoader.load(paths: [file.path])
        #expect(result.rules.isEmpty)
        #expect(errorLines(result).count == 1)
        #expect(result.unreadablePaths == [file.path])
        #expect(errorLines(result).first?.hasPrefix("\(file.path):1:1: error: cannot read file") == true)
    }

    @Test("a rule given as JSON (control record)")
    func jsonRule() throws {
        let json: Value = .object(JSONObject([
            ("id", .string("from-json")),
            ("severity", .string("low")),
            ("labels", .object(JSONObject([("team", .string("a\"b\\c\nd\u{2028}"))]))),
            ("key", .array([.string("user"), .string("host")])),
            ("within", .string("5m")),
            ("enabled", .bool(false)),
            ("max_partial_matches", .int(7)),
            ("pattern", .array([
                .object(JSONObject([("name", .string("a")), ("where", .string("x == \"q\"")), ("times", .int(3))])),
                .object(JSONObject([("name", .string("b")), ("times", .string("0..2")), ("where", .bool(true))])),
            ])),
            ("alert", .object(JSONObject([("fields", .object(JSONObject([("n", .string("count(a)"))]))), ("notify", .array([.string("x")]))]))),
        ]))
        let result = RuleLoader.parse(json: json, origin: "control")
        #expect(result.diagnostics.map(\.description) == [])
        let rule = try #require(result.rules.first)
        #expect(rule.id == "from-json")
        #expect(rule.origin == "control")
        #expect(rule.severity == .low)
        #expect(!rule.enabled)
        #expect(rule.labels.first?.1 == "a\"b\\c\nd\u{2028}")
        #expect(rule.keyIsComposite)
        #expect(rule.within == 300_000)
        #expect(rule.maxPartialMatches == 7)
        #expect(rule.pattern[0].condition?.text == "x == \"q\"")
        #expect(rule.pattern[0].quantifier.from == 3 && rule.pattern[0].quantifier.hasTimes)
        #expect(rule.pattern[1].quantifier.optional && rule.pattern[1].quantifier.to == 2)
        #expect(rule.pattern[1].condition?.text == "true")
        #expect(rule.definition == json)

        // The same rule in YAML has the same signatures.
        let yaml = """
        id: from-json
        severity: low
        labels: {team: "a\\"b\\\\c\\nd\\u2028"}
        key: [user, host]
        within: 5m
        enabled: false
        max_partial_matches: 7
        pattern:
          - {name: a, where: 'x == "q"', times: 3}
          - {name: b, times: 0..2, where: true}
        alert: {fields: {n: count(a)}, notify: [x]}
        """
        let fromYAML = try #require(load(yaml).rules.first)
        #expect(fromYAML.definition == json)
        #expect(fromYAML.contentSignature == rule.contentSignature)
        #expect(fromYAML.matchingSignature == rule.matchingSignature)
    }

    @Test("a JSON rule with mistakes is rejected with diagnostics at origin")
    func jsonRuleErrors() {
        let json: Value = .object(JSONObject([
            ("id", .string("j")),
            ("pattern", .array([.object(JSONObject([("name", .string("a")), ("colour", .string("red"))]))])),
        ]))
        let result = RuleLoader.parse(json: json, origin: "control")
        #expect(result.rules.isEmpty)
        #expect(errorLines(result) == [#"control:1:34: error: unknown key 'colour'"#])
        let notObject = RuleLoader.parse(json: .array([]), origin: "control")
        #expect(errorLines(notObject) == ["control:1:1: error: a rule must be a JSON object"])
    }

    @Test("diagnostic text format")
    func diagnosticFormat() {
        #expect(Diagnostic(file: "a.yaml", line: 3, column: 7, severity: .error, message: "boom").description == "a.yaml:3:7: error: boom")
        #expect(Diagnostic(file: "a.yaml", line: 1, column: 1, severity: .warning, message: "hm").description == "a.yaml:1:1: warning: hm")
    }

    @Test("YAML 1.2 core typing of plain scalars in the definition")
    func scalarTyping() throws {
        let yaml = """
        id: typing
        description: ~
        pattern:
          - name: a
        labels:
          a: 12
          b: "12"
          c: 1.5
          d: yes
          f: 0x1F
          g: 0o17
          h: -3
          i: 1e3
          j: .inf
          k: 'true'
          l: |
            text
          m: 2026-01-01
          n: True
          o: null value
        """
        let result = load(yaml)
        #expect(result.diagnostics.map(\.description) == [])
        let rule = try #require(result.rules.first)
        #expect(rule.description == nil)
        #expect(rule.definition[field: "description"] == .null)
        let values = rule.definition[field: "labels"]
        #expect(values?[field: "a"] == .int(12))
        #expect(values?[field: "b"] == .string("12"))
        #expect(values?[field: "c"] == .double(1.5))
        #expect(values?[field: "d"] == .string("yes"))
        #expect(values?[field: "f"] == .int(31))
        #expect(values?[field: "g"] == .int(15))
        #expect(values?[field: "h"] == .int(-3))
        #expect(values?[field: "i"] == .double(1000))
        #expect(values?[field: "j"] == .double(.infinity))
        #expect(values?[field: "k"] == .string("true"))
        #expect(values?[field: "l"] == .string("text\n"))
        #expect(values?[field: "m"] == .string("2026-01-01"))
        #expect(values?[field: "n"] == .bool(true))
        #expect(values?[field: "o"] == .string("null value"))
        // Labels keep the scalar's text.
        #expect(rule.labels.map(\.1) == ["12", "12", "1.5", "yes", "0x1F", "0o17", "-3", "1e3", ".inf", "true", "text\n", "2026-01-01", "True", "null value"])
    }
}

@Suite("Rule: private expressions for a worker thread")
struct RulePrivateExpressionsTests {
    @Test("every compiled expression is a new object that evaluates the same")
    func everyExpressionIsNewAndTheSame() throws {
        let result = load(ruleSpecExample)
        #expect(!result.hasErrors)
        let rule = try #require(result.rules.first)
        let copy = rule.withPrivateExpressions()
        func pairs(_ rule: Rule) -> [CompiledExpression] {
            (rule.key ?? []) + rule.pattern.flatMap { [$0.condition, $0.until].compactMap { $0 } } + rule.alert.fields.map(\.1)
        }
        let original = pairs(rule), copied = pairs(copy)
        #expect(original.count == 5)
        #expect(copied.count == original.count)
        for (a, b) in zip(original, copied) {
            #expect(a !== b)
            #expect(a.text == b.text)
            #expect(a.referencesSteps == b.referencesSteps)
        }
        #expect(copy.alert.title?.text == rule.alert.title?.text)
        // Same results on a match: the shared and the private expressions agree.
        let fail = Value.object(JSONObject([("type", .string("login")), ("ok", .bool(false)), ("ip", .string("10.0.0.1")), ("user", .string("ann"))]))
        let success = Value.object(JSONObject([("type", .string("login")), ("ok", .bool(true)), ("ip", .string("10.0.0.2")), ("user", .string("ann"))]))
        let events = [fail, fail, success].enumerated().map { Event.make(value: $1, timestamp: Int64($0), id: "e\($0)", sequence: Int64($0)) }
        let scope = EvaluationScope(event: events[2], key: .string("ann"), steps: MatchedStepLists([Array(events[0..<2]), [events[2]]]))
        for (a, b) in zip(original, copied) {
            #expect(try a.evaluate(scope) == b.evaluate(scope), "\(a.text)")
        }
    }
}
