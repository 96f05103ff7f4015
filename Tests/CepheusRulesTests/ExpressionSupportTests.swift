import CepheusCore
import Testing
@testable import CepheusRules

/// Shared fixtures for the expression tests.
enum ExpressionFixture {
    static func object(_ pairs: KeyValuePairs<String, Value>) -> Value {
        .object(JSONObject(pairs.map { ($0.key, $0.value) }))
    }

    static let stepNames = ["fails", "success"]

    static let event: Value = object([
        "type": .string("login"),
        "ok": .bool(false),
        "user": .string("alice"),
        "ip": .string("10.0.0.9"),
        "amount": .int(12),
        "price": .double(2.5),
        "geo": object(["country": .string("FR"), "city": .string("Paris")]),
        "tags": .array([.string("a"), .string("b"), .string("c")]),
        "name": .string("Xavier"),
        "success": .bool(true),
        "nothing": .null,
        "pattern": .string("^X"),
        "badPattern": .string("("),
    ])

    static let fails: [Value] = [
        object(["ip": .string("1.1.1.1"), "amount": .int(1), "geo": object(["country": .string("DE")])]),
        object(["ip": .string("2.2.2.2"), "amount": .int(2)]),
        object(["ip": .string("3.3.3.3")]),
    ]

    /// An event with `value` as its object (read from its tape, as in the engine).
    static func record(_ value: Value, sequence: Int64 = 0) -> Event {
        Event.make(value: value, timestamp: 0, id: "fixture:\(sequence)", sequence: sequence)
    }

    static func scope(event: Value = event, key: Value = .string("alice"), steps: [[Value]] = [fails, []]) -> EvaluationScope {
        let stepEvents = steps.map { values in values.map { record($0) } }
        return EvaluationScope(event: record(event), key: key, steps: MatchedStepLists(stepEvents))
    }

    static func compiler(_ stepNames: [String] = stepNames) -> ExpressionCompiler {
        ExpressionCompiler(stepNames: stepNames)
    }

    /// Compiles and evaluates `text` against the fixture scope.
    static func eval(_ text: String, scope: EvaluationScope = scope()) throws -> Value {
        try compiler().compile(text).evaluate(scope)
    }

    /// Compiles and tests `text` as a condition against the fixture scope.
    static func test(_ text: String, scope: EvaluationScope = scope()) throws -> ConditionOutcome {
        try compiler().compile(text).test(scope)
    }

    /// `true` when evaluating `text` is a type error.
    static func isTypeError(_ text: String) throws -> Bool {
        let compiled = try compiler().compile(text)
        do {
            _ = try compiled.evaluate(scope())
            return false
        } catch {
            return true
        }
    }

    /// The error compiling `text`, or `nil`.
    static func compileError(_ text: String) -> ExpressionError? {
        do {
            _ = try compiler().compile(text)
            return nil
        } catch {
            return error
        }
    }
}
