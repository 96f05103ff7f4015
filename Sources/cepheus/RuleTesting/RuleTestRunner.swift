import CepheusCore
import CepheusRules
import CepheusRuntime

/// Runs the cases of a test suite and compares alerts with expectations.
enum RuleTestRunner {
    struct Outcome {
        var name: String
        var failures: [String]
    }

    static func run(_ suite: RuleTestSuite, baseDirectory: String) -> [Outcome] {
        let paths = suite.rulePaths.map { resolve($0, in: baseDirectory) }
        let loaded = RuleLoader.load(paths: paths)
        if loaded.hasErrors {
            return [Outcome(name: "rules", failures: loaded.errors.map(\.description))]
        }
        return suite.cases.map { runCase($0, suite: suite, rules: loaded.rules, baseDirectory: baseDirectory) }
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : (directory == "." ? path : directory + "/" + path)
    }

    private static func runCase(_ test: RuleTestCase, suite: RuleTestSuite, rules: [Rule], baseDirectory: String) -> Outcome {
        var alerts: [Alert] = []
        var problems: [String] = []
        let sourceName: String
        switch test.input {
        case .inline: sourceName = "test"
        case .file(let path): sourceName = FileChecks.baseName(path)
        }
        let session = ReplaySession(
            rules: rules, sourceName: sourceName, outOfOrderness: suite.outOfOrderness, timeField: suite.timeField,
            sinks: .init(
                alert: { alerts.append($0) },
                rejected: { line, reason, _ in problems.append("input line \(line) rejected: \(reason)") },
                diagnostic: { problems.append($0) }))
        switch test.input {
        case .inline(let events):
            for event in events { session.feed(ArraySlice(Array(event.jsonString.utf8))) }
            session.finish()
        case .file(let path):
            do {
                var reader = try LineReader.open(path: resolve(path, in: baseDirectory))
                _ = try session.run(&reader)
            } catch {
                return Outcome(name: test.name, failures: ["\(error)"])
            }
        }
        var failures = problems
        var unused = alerts
        var missing: [AlertExpectation] = []
        let ordered = test.expectations.enumerated().sorted {
            $0.element.specificity != $1.element.specificity ? $0.element.specificity > $1.element.specificity : $0.offset < $1.offset
        }
        for (_, expectation) in ordered {
            if let index = unused.firstIndex(where: { matches(expectation, $0) }) {
                unused.remove(at: index)
            } else {
                missing.append(expectation)
            }
        }
        for expectation in missing { failures.append("missing:    " + expectation.summary) }
        for alert in unused { failures.append("unexpected: " + describe(alert)) }
        return Outcome(name: test.name, failures: failures)
    }

    static func matches(_ expectation: AlertExpectation, _ alert: Alert) -> Bool {
        guard expectation.rule == alert.rule, expectation.kind == alert.kind.rawValue else { return false }
        if let key = expectation.key, !sameValue(key, alert.key) { return false }
        if let title = expectation.title, title != alert.title { return false }
        for (name, expected) in expectation.fields {
            guard let actual = alert.fields.first(where: { $0.0 == name })?.1, sameValue(expected, actual) else { return false }
        }
        if let events = expectation.events {
            let actual = alert.events.filter { !$0.1.isEmpty }
            let expected = events.filter { !$0.1.isEmpty }
            guard actual.count == expected.count else { return false }
            for (name, ids) in expected {
                guard let list = actual.first(where: { $0.0 == name })?.1, list.map(\.id) == ids else { return false }
            }
        }
        return true
    }

    /// JSON equality with numbers compared by value (`5 == 5.0`).
    static func sameValue(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameValue($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.pairs.allSatisfy { key, value in y[key].map { sameValue(value, $0) } ?? false }
        default:
            if let p = a.doubleValue, let q = b.doubleValue { return p == q }
            return a == b
        }
    }

    static func describe(_ alert: Alert) -> String {
        var parts = ["rule: \(alert.rule)", "key: \(alert.key.jsonString)", "kind: \(alert.kind.rawValue)", "title: \(Value.string(alert.title).jsonString)"]
        if !alert.fields.isEmpty {
            parts.append("fields: {" + alert.fields.map { "\($0.0): \($0.1.jsonString)" }.joined(separator: ", ") + "}")
        }
        parts.append("events: {" + alert.events.map { "\($0.0): [\($0.1.map(\.id).joined(separator: ", "))]" }.joined(separator: ", ") + "}")
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
