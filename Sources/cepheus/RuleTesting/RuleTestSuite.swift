import CepheusCore
import CepheusRules

/// A parsed `cepheus test` file (docs/testing.md).
struct RuleTestSuite {
    var file: String
    var rulePaths: [String]
    var outOfOrderness: Int64
    var timeField: String
    var cases: [RuleTestCase]

    init(yaml: String, file: String) throws {
        self.file = file
        let root: Value
        do {
            root = try YAMLValues.parse(yaml)
        } catch {
            throw RuleTestFormatError("\(error)")
        }
        guard case .object(let object) = root else { throw RuleTestFormatError("a test file is a YAML mapping") }
        for key in object.keys where !["rules", "out_of_orderness", "time_field", "tests"].contains(key) {
            throw RuleTestFormatError("unknown key '\(key)'")
        }
        switch object["rules"] {
        case .string(let path)?: rulePaths = [path]
        case .array(let paths)?:
            rulePaths = try paths.map {
                guard case .string(let path) = $0 else { throw RuleTestFormatError("'rules' must be a path or a list of paths") }
                return path
            }
        default: throw RuleTestFormatError("'rules' (a path or a list of paths) is required")
        }
        switch object["out_of_orderness"] {
        case nil: outOfOrderness = 0
        case .string(let text)?:
            guard let ms = DurationParser.milliseconds(text) else { throw RuleTestFormatError("'out_of_orderness': bad duration '\(text)'") }
            outOfOrderness = ms
        case .int(0)?: outOfOrderness = 0
        default: throw RuleTestFormatError("'out_of_orderness' must be a duration")
        }
        switch object["time_field"] {
        case nil: timeField = "ts"
        case .string(let name)?: timeField = name
        default: throw RuleTestFormatError("'time_field' must be a string")
        }
        guard case .array(let tests)? = object["tests"] else { throw RuleTestFormatError("'tests' (a list of cases) is required") }
        cases = try tests.enumerated().map { try RuleTestCase($0.element, index: $0.offset) }
    }
}

/// One case of a test file: input events and expected alerts.
struct RuleTestCase {
    enum Input {
        case inline([Value])
        case file(String)
    }

    var name: String
    var input: Input
    var expectations: [AlertExpectation]

    init(_ value: Value, index: Int) throws {
        guard case .object(let object) = value else { throw RuleTestFormatError("test #\(index + 1) must be a mapping") }
        for key in object.keys where !["name", "events", "events_file", "expect"].contains(key) {
            throw RuleTestFormatError("test #\(index + 1): unknown key '\(key)'")
        }
        name = object["name"]?.stringValue ?? "test #\(index + 1)"
        switch (object["events"], object["events_file"]) {
        case (.array(let events)?, nil): input = .inline(events)
        case (nil, .string(let path)?): input = .file(path)
        default: throw RuleTestFormatError("\(name): give exactly one of 'events' (a list) and 'events_file' (a path)")
        }
        guard case .array(let expected)? = object["expect"] else {
            throw RuleTestFormatError("\(name): 'expect' (a list, [] for no alert) is required")
        }
        var expectations: [AlertExpectation] = []
        for item in expected {
            let expectation = try AlertExpectation(item, test: name)
            for _ in 0..<expectation.count { expectations.append(expectation) }
        }
        self.expectations = expectations
    }
}

/// What one expected alert must look like; unset parts are not compared.
struct AlertExpectation {
    var rule: String
    var key: Value?
    var kind: String
    var title: String?
    var fields: [(String, Value)]
    var events: [(String, [String])]?
    var count: Int

    init(_ value: Value, test: String) throws {
        guard case .object(let object) = value else { throw RuleTestFormatError("\(test): each expectation must be a mapping") }
        for key in object.keys where !["rule", "key", "kind", "title", "fields", "events", "count"].contains(key) {
            throw RuleTestFormatError("\(test): unknown expectation key '\(key)'")
        }
        guard case .string(let rule)? = object["rule"] else { throw RuleTestFormatError("\(test): an expectation needs 'rule'") }
        self.rule = rule
        key = object["key"]
        kind = object["kind"]?.stringValue ?? "match"
        guard kind == "match" || kind == "timeout" else { throw RuleTestFormatError("\(test): kind must be match or timeout") }
        title = object["title"]?.stringValue
        if case .object(let fields)? = object["fields"] {
            self.fields = Array(fields.pairs)
        } else if object["fields"] != nil {
            throw RuleTestFormatError("\(test): 'fields' must be a mapping")
        } else {
            fields = []
        }
        if case .object(let steps)? = object["events"] {
            events = try steps.pairs.map { name, ids in
                guard case .array(let list) = ids else { throw RuleTestFormatError("\(test): events.\(name) must be a list of event ids") }
                return (name, list.map { $0.stringValue ?? $0.jsonString })
            }
        } else if object["events"] != nil {
            throw RuleTestFormatError("\(test): 'events' must map step names to lists of ids")
        }
        switch object["count"] {
        case nil: count = 1
        case .int(let n)? where n >= 0: count = Int(n)
        default: throw RuleTestFormatError("\(test): 'count' must be a non-negative integer")
        }
    }

    /// How many of the given constraints there are (stricter expectations claim alerts first).
    var specificity: Int {
        (key == nil ? 0 : 1) + (title == nil ? 0 : 1) + fields.count + (events == nil ? 0 : 2)
    }

    var summary: String {
        var parts = ["rule: \(rule)"]
        if let key { parts.append("key: \(key.jsonString)") }
        parts.append("kind: \(kind)")
        if let title { parts.append("title: \(Value.string(title).jsonString)") }
        if !fields.isEmpty { parts.append("fields: {" + fields.map { "\($0.0): \($0.1.jsonString)" }.joined(separator: ", ") + "}") }
        if let events { parts.append("events: {" + events.map { "\($0.0): [\($0.1.joined(separator: ", "))]" }.joined(separator: ", ") + "}") }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// A malformed test file.
struct RuleTestFormatError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
