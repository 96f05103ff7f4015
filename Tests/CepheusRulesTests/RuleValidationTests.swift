import CepheusCore
import Testing
@testable import CepheusRules

/// Error lines (`r.yaml:L:C: error: M`) for a YAML text.
private func errors(_ yaml: String, receivers: Set<String>? = nil) -> [String] {
    let result = RuleLoader.parse(yaml: yaml, file: "r.yaml", knownReceivers: receivers)
    let lines = result.diagnostics.filter { $0.severity == .error }.map(\.description)
    if !lines.isEmpty { #expect(result.rules.isEmpty && result.hasErrors) }
    return lines
}

/// Like `errors`, for a rule made of `head` (rule-level lines) and `steps` (the
/// pattern's lines, indented by the caller).
private func errors(head: String = "id: r", steps: String, tail: String = "", receivers: Set<String>? = nil) -> [String] {
    errors("\(head)\npattern:\n\(steps)\n\(tail)", receivers: receivers)
}

@Suite("RuleLoader: validation")
struct RuleValidationTests {
    @Test("three different mistakes give exactly three errors, each at its node")
    func threeMistakes() {
        let yaml = """
        id: Bad_ID
        severity: urgent
        pattern:
          - name: first
            times: 0
        """
        #expect(errors(yaml) == [
            "r.yaml:1:5: error: invalid rule id 'Bad_ID': it must match [a-z0-9][a-z0-9_.-]*",
            "r.yaml:2:11: error: unknown severity 'urgent': expected info, low, medium, high or critical",
            #"r.yaml:5:12: error: 'times' must be at least 1 (use "0..m" or optional: true for an optional step)"#,
        ])
    }

    @Test("every error of a file is reported, across documents, in order")
    func allErrorsReported() {
        let yaml = """
        id: a
        enabled: maybe
        pattern:
          - name: x
            contiguity: loose
        ---
        id: b
        within: soon
        pattern:
          - name: y
        alert:
          throttle: 0s5
        """
        #expect(errors(yaml) == [
            "r.yaml:2:10: error: 'enabled' must be true or false",
            "r.yaml:5:17: error: 'contiguity' must be strict, relaxed or any (got 'loose')",
            "r.yaml:8:9: error: bad duration 'soon' for 'within': expected e.g. 250ms, 30s, 10m, 2h, 1d or 1h30m",
            "r.yaml:12:13: error: bad duration '0s5' for 'throttle': expected e.g. 250ms, 30s, 10m, 2h, 1d or 1h30m",
        ])
    }

    // MARK: Keys and types

    @Test("unknown keys at rule, step and alert level")
    func unknownKeys() {
        #expect(errors(steps: "  - name: a\n    wher: x", tail: "colour: red\nalert:\n  titel: hi") == [
            "r.yaml:4:5: error: unknown key 'wher'",
            "r.yaml:5:1: error: unknown key 'colour'",
            "r.yaml:7:3: error: unknown key 'titel'",
        ])
    }

    @Test("required id and pattern")
    func requiredKeys() {
        #expect(errors("description: nothing else\n") == [
            "r.yaml:1:1: error: missing required key 'id'",
            "r.yaml:1:1: error: missing required key 'pattern'",
        ])
        #expect(errors("id:\npattern:\n  - name: a\n") == ["r.yaml:1:1: error: missing required key 'id'"])
    }

    @Test("a document that is not a mapping")
    func notAMapping() {
        #expect(errors("- id: a\n") == ["r.yaml:1:1: error: a rule must be a mapping of keys to values"])
    }

    @Test("rule id syntax")
    func idSyntax() {
        #expect(errors(head: "id: -starts-with-dash", steps: "  - name: a") == [
            "r.yaml:1:5: error: invalid rule id '-starts-with-dash': it must match [a-z0-9][a-z0-9_.-]*",
        ])
        #expect(errors(head: "id: [a]", steps: "  - name: a") == ["r.yaml:1:5: error: 'id' must be a string"])
        #expect(errors(head: "id: 0k.v-1_x", steps: "  - name: a") == [])
    }

    @Test("step names: required, syntax, unique")
    func stepNames() {
        #expect(errors(steps: "  - where: x == 1") == ["r.yaml:3:5: error: missing required key 'name' in pattern step"])
        #expect(errors(steps: "  - name: 1st") == ["r.yaml:3:11: error: invalid step name '1st': it must match [a-z_][a-z0-9_]*"])
        #expect(errors(steps: "  - name: a\n  - name: b\n  - name: a") == [
            "r.yaml:5:11: error: duplicate step name 'a' (first defined at r.yaml:3:11)",
        ])
        #expect(errors(steps: "  - just a string") == ["r.yaml:3:5: error: a pattern step must be a map with at least 'name'"])
    }

    @Test("severity, enabled, max_partial_matches, on_timeout")
    func enumsAndScalars() {
        #expect(errors(head: "id: r\nseverity: High", steps: "  - name: a") == [
            "r.yaml:2:11: error: unknown severity 'High': expected info, low, medium, high or critical",
        ])
        #expect(errors(head: "id: r\nenabled: \"true\"", steps: "  - name: a") == ["r.yaml:2:10: error: 'enabled' must be true or false"])
        #expect(errors(head: "id: r\nmax_partial_matches: 0", steps: "  - name: a") == [
            "r.yaml:2:22: error: 'max_partial_matches' must be a positive integer",
        ])
        #expect(errors(head: "id: r\nmax_partial_matches: lots", steps: "  - name: a") == [
            "r.yaml:2:22: error: 'max_partial_matches' must be an integer",
        ])
        #expect(errors(head: "id: r\nwithin: 1m\non_timeout: shout", steps: "  - name: a") == [
            "r.yaml:3:13: error: 'on_timeout' must be ignore or alert (got 'shout')",
        ])
    }

    @Test("on_timeout: alert needs within")
    func onTimeoutNeedsWithin() {
        #expect(errors(head: "id: r\non_timeout: alert", steps: "  - name: a") == ["r.yaml:2:13: error: 'on_timeout: alert' needs 'within'"])
        #expect(errors(head: "id: r\non_timeout: alert\nwithin: 5m", steps: "  - name: a") == [])
    }

    @Test("labels must be a string map")
    func labels() {
        #expect(errors(head: "id: r\nlabels: [a, b]", steps: "  - name: a") == ["r.yaml:2:9: error: 'labels' must be a map of names to strings"])
        #expect(errors(head: "id: r\nlabels: {team: }", steps: "  - name: a") == ["r.yaml:2:16: error: label 'team' must be a string"])
        #expect(errors(head: "id: r\nlabels: {team: [x]}", steps: "  - name: a") == ["r.yaml:2:16: error: label 'team' must be a string"])
    }

    @Test("key: an expression or a non-empty list of expressions")
    func key() {
        #expect(errors(head: "id: r\nkey: []", steps: "  - name: a") == ["r.yaml:2:6: error: 'key' must be an expression or a non-empty list of expressions"])
        #expect(errors(head: "id: r\nkey: {a: b}", steps: "  - name: a") == ["r.yaml:2:6: error: 'key' must be an expression or a non-empty list of expressions"])
        #expect(errors(head: "id: r\nkey: [user, [x]]", steps: "  - name: a") == ["r.yaml:2:13: error: 'key' must be an expression"])
        let bad = errors(head: "id: r\nkey: [user, 'nosuchfn(x)']", steps: "  - name: a")
        #expect(bad.count == 1)
        #expect(bad.first?.hasPrefix("r.yaml:2:14: error: ") == true)
    }

    @Test("within: a duration greater than zero")
    func within() {
        #expect(errors(head: "id: r\nwithin: 0s", steps: "  - name: a") == ["r.yaml:2:9: error: 'within' must be a duration greater than zero"])
        #expect(errors(head: "id: r\nwithin: 600", steps: "  - name: a") == [
            "r.yaml:2:9: error: bad duration '600' for 'within': expected e.g. 250ms, 30s, 10m, 2h, 1d or 1h30m",
        ])
        #expect(errors(head: "id: r\nwithin: [1m]", steps: "  - name: a") == [
            "r.yaml:2:9: error: 'within' must be a duration such as 30s, 10m or 1h30m",
        ])
    }

    @Test("skip strategies")
    func skip() throws {
        let message = "'skip' must be no_skip, to_next, past_last_event, {to_first: STEP} or {to_last: STEP}"
        #expect(errors(head: "id: r\nskip: sometimes", steps: "  - name: a") == ["r.yaml:2:7: error: \(message)"])
        #expect(errors(head: "id: r\nskip: {to_middle: a}", steps: "  - name: a") == ["r.yaml:2:8: error: \(message)"])
        #expect(errors(head: "id: r\nskip: {to_first: a, to_last: a}", steps: "  - name: a") == ["r.yaml:2:7: error: \(message)"])
        #expect(errors(head: "id: r\nskip: {to_first: nope}", steps: "  - name: a") == ["r.yaml:2:18: error: 'to_first' names unknown step 'nope'"])
        #expect(errors(head: "id: r\nskip:\n  to_last: nope", steps: "  - name: a") == ["r.yaml:3:12: error: 'to_last' names unknown step 'nope'"])
        for (text, expected) in [("no_skip", SkipStrategy.noSkip), ("to_next", .toNext), ("past_last_event", .pastLastEvent),
                                 ("{to_first: a}", .toFirst("a")), ("{to_last: a}", .toLast("a"))] {
            let result = RuleLoader.parse(yaml: "id: r\nskip: \(text)\npattern:\n  - name: a\n", file: "r.yaml")
            #expect(result.rules.first?.skip == expected)
        }
    }

    @Test("pattern: a non-empty list")
    func patternShape() {
        #expect(errors(steps: "  []") == ["r.yaml:3:3: error: 'pattern' must be a non-empty list of steps"])
        #expect(errors("id: r\npattern: a then b\n") == ["r.yaml:2:10: error: 'pattern' must be a non-empty list of steps"])
    }

    // MARK: Quantifiers

    @Test("bad times forms", arguments: [
        ("0", #"'times' must be at least 1 (use "0..m" or optional: true for an optional step)"#),
        ("-2", #"'times' must be at least 1 (use "0..m" or optional: true for an optional step)"#),
        ("3..2", #"'times' range "3..2" needs n <= m and m >= 1"#),
        ("0..0", #"'times' range "0..0" needs n <= m and m >= 1"#),
        ("many", #"'times' must be an integer, "n..m" or "n+""#),
        ("1.5", #"'times' must be an integer, "n..m" or "n+""#),
        ("+", #"'times' must be an integer, "n..m" or "n+""#),
        ("..3", #"'times' must be an integer, "n..m" or "n+""#),
        ("[1, 2]", #"'times' must be an integer, "n..m" or "n+""#),
    ])
    func badTimes(text: String, message: String) {
        #expect(errors(steps: "  - name: a\n    times: \(text)") == ["r.yaml:4:12: error: \(message)"])
    }

    @Test("optional, greedy and absent must be booleans")
    func booleans() {
        #expect(errors(steps: "  - name: a\n    optional: 1") == ["r.yaml:4:15: error: 'optional' must be true or false"])
        #expect(errors(steps: "  - name: a\n    times: 2+\n    greedy: yes") == ["r.yaml:5:13: error: 'greedy' must be true or false"])
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: no") == ["r.yaml:5:13: error: 'absent' must be true or false"])
    }

    @Test("contiguity and loop values")
    func contiguityValues() {
        #expect(errors(steps: "  - name: a\n  - name: b\n    contiguity: next") == ["r.yaml:5:17: error: 'contiguity' must be strict, relaxed or any (got 'next')"])
        #expect(errors(steps: "  - name: a\n    times: 2+\n    loop: consecutive") == ["r.yaml:5:11: error: 'loop' must be strict, relaxed or any (got 'consecutive')"])
    }

    @Test("until only on a looping step")
    func untilNeedsLooping() {
        #expect(errors(steps: "  - name: a\n    times: 3\n    until: x > 1") == [#"r.yaml:5:5: error: 'until' is only allowed on a looping step (times: "n+")"#])
        #expect(errors(steps: "  - name: a\n    until: x > 1") == [#"r.yaml:4:5: error: 'until' is only allowed on a looping step (times: "n+")"#])
        #expect(errors(steps: "  - name: a\n    times: 0+\n    until: x > 1") == [])
    }

    @Test("greedy and loop need times; greedy excludes loop: any")
    func greedyAndLoop() {
        #expect(errors(steps: "  - name: a\n    greedy: true\n  - name: b") == ["r.yaml:4:5: error: 'greedy' needs 'times'"])
        #expect(errors(steps: "  - name: a\n    loop: strict") == ["r.yaml:4:5: error: 'loop' needs 'times'"])
        #expect(errors(steps: "  - name: a\n    times: 2+\n    loop: any\n    greedy: true\n  - name: b") == [
            "r.yaml:6:5: error: 'greedy' cannot be combined with 'loop: any'",
        ])
        #expect(errors(steps: "  - name: a\n    times: 2..3\n    loop: strict\n    greedy: true\n  - name: b") == [])
        // greedy: false on a plain step is harmless.
        #expect(errors(steps: "  - name: a\n    greedy: false") == [])
    }

    @Test("an optional step cannot follow a greedy one")
    func optionalAfterGreedy() {
        let greedy = "  - name: a\n    times: 1+\n    greedy: true\n"
        #expect(errors(steps: greedy + "  - name: b\n    optional: true") == ["r.yaml:7:5: error: an optional step cannot follow a greedy step ('a')"])
        #expect(errors(steps: greedy + "  - name: b\n    times: 0..3") == ["r.yaml:7:5: error: an optional step cannot follow a greedy step ('a')"])
        #expect(errors(steps: greedy + "  - name: b\n    times: 0+") == ["r.yaml:7:5: error: an optional step cannot follow a greedy step ('a')"])
        #expect(errors(steps: greedy + "  - name: b\n    times: 2") == [])
    }

    // MARK: Absent steps

    @Test("a pattern cannot start with an absent step")
    func startsWithAbsent() {
        #expect(errors(head: "id: r\nwithin: 1m", steps: "  - name: a\n    absent: true\n  - name: b") == [
            "r.yaml:5:5: error: a pattern cannot start with an absent step",
        ])
        // A pattern of absent steps only has no non-absent step either: one error, at the start.
        #expect(errors(head: "id: r\nwithin: 1m", steps: "  - name: a\n    absent: true") == [
            "r.yaml:5:5: error: a pattern cannot start with an absent step",
        ])
    }

    @Test("an absent step can be neither looping nor optional", arguments: [
        ("times: 2", "times"), ("optional: true", "optional"), ("greedy: true", "greedy"),
        ("until: x > 1", "until"), ("loop: strict", "loop"),
    ])
    func absentWithQuantifier(line: String, key: String) {
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: true\n    contiguity: strict\n    \(line)") == [
            "r.yaml:7:5: error: an absent step cannot have '\(key)'",
        ])
    }

    @Test("a pattern ending with a relaxed absent step needs within")
    func endingAbsentNeedsWithin() {
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: true") == [
            "r.yaml:5:5: error: a pattern that ends with a relaxed absent step needs 'within'",
        ])
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: true\n    contiguity: any") == [
            "r.yaml:5:5: error: a pattern that ends with a relaxed absent step needs 'within'",
        ])
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: true\n    contiguity: strict") == [])
        #expect(errors(head: "id: r\nwithin: 10m", steps: "  - name: a\n  - name: b\n    absent: true") == [])
        // An absent step in the middle needs no window.
        #expect(errors(steps: "  - name: a\n  - name: b\n    absent: true\n  - name: c") == [])
    }

    @Test("an absent step cannot follow an optional one")
    func absentAfterOptional() {
        #expect(errors(steps: "  - name: a\n  - name: b\n    optional: true\n  - name: c\n    absent: true\n  - name: d") == [
            "r.yaml:7:5: error: an absent step cannot follow an optional step ('b')",
        ])
        #expect(errors(steps: "  - name: a\n  - name: b\n    times: 0..2\n  - name: c\n    absent: true\n  - name: d") == [
            "r.yaml:7:5: error: an absent step cannot follow an optional step ('b')",
        ])
    }

    // MARK: Expressions

    @Test("an unknown function in a plain scalar points at the function")
    func unknownFunctionPlain() {
        let lines = errors(steps: "  - name: a\n    where: x == 1 && nosuchfn(x)")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("r.yaml:4:22: error: ") == true)
        #expect(lines.first?.contains("nosuchfn") == true)
    }

    @Test("expression positions inside quoted scalars count the quote and escapes")
    func quotedPositions() {
        #expect(errors(steps: "  - name: a\n    where: \"x == 1 && nosuchfn(x)\"").first?.hasPrefix("r.yaml:4:23: error: ") == true)
        #expect(errors(steps: "  - name: a\n    where: 'y == ''q'' && nosuchfn(x)'").first?.hasPrefix("r.yaml:4:27: error: ") == true)
        #expect(errors(steps: "  - name: a\n    where: \"y == \\\"q\\\" && nosuchfn(x)\"").first?.hasPrefix("r.yaml:4:27: error: ") == true)
        // Flow style: the scalar's own column.
        #expect(errors(steps: "  - {name: a, where: nosuchfn(x)}").first?.hasPrefix("r.yaml:3:22: error: ") == true)
    }

    @Test("a block scalar expression error is reported at the scalar")
    func blockScalarPosition() {
        let lines = errors(steps: "  - name: a\n    where: >\n      x == 1 &&\n      nosuchfn(x)")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("r.yaml:4:12: error: ") == true)
    }

    @Test("unparsable expressions in where, until, key and fields")
    func unparsable() {
        let yaml = """
        id: r
        key: "user =="
        pattern:
          - name: a
            where: (x == 1
            times: 1+
            until: x ==
        alert:
          fields:
            ok: count(a)
            bad: a.b +
        """
        let lines = errors(yaml)
        #expect(lines.count == 4)
        #expect(lines.map { $0.split(separator: ":").prefix(2).joined(separator: ":") } == ["r.yaml:2", "r.yaml:5", "r.yaml:7", "r.yaml:11"])
    }

    @Test("an empty where is a missing expression, a null one counts as omitted")
    func emptyExpressions() {
        #expect(errors(steps: "  - name: a\n    where: ''").count == 1)
        #expect(errors(steps: "  - name: a\n    where:") == [])
        #expect(errors(steps: "  - name: a\n    where: [x]") == ["r.yaml:4:12: error: 'where' must be an expression"])
    }

    // MARK: Alert

    @Test("alert: title template, fields, notify, throttle")
    func alert() {
        #expect(errors(steps: "  - name: a", tail: "alert: loud") == ["r.yaml:4:8: error: 'alert' must be a map with title, fields, notify and throttle"])
        #expect(errors(steps: "  - name: a", tail: "alert:\n  fields: [a]") == ["r.yaml:5:11: error: 'fields' must be a map of names to expressions"])
        #expect(errors(steps: "  - name: a", tail: "alert:\n  fields: {n: [a]}") == ["r.yaml:5:15: error: field 'n' must be an expression"])
        #expect(errors(steps: "  - name: a", tail: "alert:\n  notify: secops") == ["r.yaml:5:11: error: 'notify' must be a list of receiver names"])
        #expect(errors(steps: "  - name: a", tail: "alert:\n  notify: [secops, [x]]") == ["r.yaml:5:20: error: 'notify' must be a list of receiver names"])
        #expect(errors(steps: "  - name: a", tail: "alert:\n  throttle: 5 minutes") == [
            "r.yaml:5:13: error: bad duration '5 minutes' for 'throttle': expected e.g. 250ms, 30s, 10m, 2h, 1d or 1h30m",
        ])
        let title = errors(steps: "  - name: a", tail: "alert:\n  title: \"{{ count(a) }} and {{ nosuchfn(a) }}\"")
        #expect(title.count == 1)
        #expect(title.first?.hasPrefix("r.yaml:5:33: error: ") == true)
        #expect(errors(steps: "  - name: a", tail: "alert:\n  title: \"{{ count(a) \"").count == 1)
    }

    @Test("unknown receivers are errors only when the receivers are known")
    func receivers() {
        let tail = "alert:\n  notify: [secops, pager]"
        #expect(errors(steps: "  - name: a", tail: tail) == [])
        #expect(errors(steps: "  - name: a", tail: tail, receivers: ["secops", "console"]) == ["r.yaml:5:20: error: unknown receiver 'pager'"])
        #expect(errors(steps: "  - name: a", tail: tail, receivers: ["secops", "pager"]) == [])
    }

    // MARK: YAML itself

    @Test("a YAML syntax error is one diagnostic at the position Yams reports")
    func yamlSyntax() {
        let lines = errors("id: r\npattern:\n  - name: [a\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("r.yaml:4:1: error: invalid YAML: ") == true)
        let tab = errors("id: r\npattern:\n\t- name: a\n")
        #expect(tab.count == 1)
        #expect(tab.first?.hasPrefix("r.yaml:3:1: error: invalid YAML: ") == true)
    }

    @Test("a duplicate key in a mapping is an error")
    func duplicateYAMLKey() {
        let lines = errors("id: r\nid: s\npattern:\n  - name: a\n")
        #expect(lines == ["r.yaml:1:1: error: duplicate key 'id' in a mapping"])
    }

    @Test("non-string keys")
    func nonStringKeys() {
        #expect(errors("id: r\n[a]: b\npattern:\n  - name: a\n") == ["r.yaml:2:1: error: keys must be strings"])
    }

    @Test("compiler warnings are reported at their position and leave the rule valid")
    func warningsKeepRule() throws {
        // With a step `ip`, a bare `ip` compared with a string means the step: a warning.
        let result = RuleLoader.parse(yaml: "id: r\npattern:\n  - name: ip\n    where: ip == \"x\"\n", file: "r.yaml")
        #expect(!result.hasErrors)
        #expect(result.rules.count == 1)
        #expect(result.warnings.map(\.description) == [
            "r.yaml:4:12: warning: 'ip' names a step, not the field of that name; write event.ip for the field",
        ])
        let fields = RuleLoader.parse(yaml: "id: r\npattern:\n  - name: ip\nalert:\n  fields: {x: 'count(ip) + ip'}\n", file: "r.yaml")
        #expect(fields.rules.count == 1)
        #expect(fields.warnings.map(\.line) == [5])
        #expect(fields.warnings.first?.column == 28)
    }

    @Test("CRLF line breaks count as one")
    func crlf() {
        let lines = errors("id: r\r\npattern:\r\n  - name: a\r\n    where: x == 1 && nosuchfn(x)\r\n    times: 0\r\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("r.yaml:4:22: error: ") == true)
        #expect(lines.last?.hasPrefix("r.yaml:5:12: error: ") == true)
    }
}
