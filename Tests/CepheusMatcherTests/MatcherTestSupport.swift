import CepheusCore
import CepheusMatcher
import CepheusRules

/// Builds rules from YAML and runs a matcher over one key's events in order.
enum MatcherHarness {
    static func rule(_ yaml: String) throws -> Rule {
        let result = RuleLoader.parse(yaml: yaml, file: "test.yaml")
        guard !result.hasErrors, let rule = result.rules.first else {
            throw HarnessError(message: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return rule
    }

    static func event(_ id: String, _ ts: Int64, _ fields: [(String, Value)], sequence: Int64) -> Event {
        Event.make(value: .object(JSONObject([("id", .string(id)), ("ts", .int(ts))] + fields)), timestamp: ts, id: id, sequence: sequence)
    }

    /// Runs the events (in timestamp order) through one key's matcher, closing windows
    /// before each timestamp and at the end, as the runtime does. Returns each result as
    /// step name -> event ids, with its kind.
    static func run(_ rule: Rule, _ events: [Event]) -> [(kind: MatchResult.Kind, steps: [String: [String]])] {
        let matcher = PatternMatcher(rule: rule)
        var state = MatcherState(matcher: matcher)
        var stats = MatcherStats()
        var results: [MatchResult] = []
        for event in events {
            matcher.advanceTime(&state, to: event.timestamp, results: &results, stats: &stats)
            matcher.process(&state, event: event, key: .null, results: &results, stats: &stats)
        }
        matcher.advanceTime(&state, to: .max, results: &results, stats: &stats)
        return results.map { result in
            var steps: [String: [String]] = [:]
            for (index, list) in result.events.enumerated() where !list.isEmpty {
                steps[rule.pattern[index].name] = list.map(\.id)
            }
            return (result.kind, steps)
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension PatternMatcher {
    /// `admits` on the event's tape.
    func withTape(of event: Event) -> Bool {
        event.withTape { admits($0) }
    }
}

/// One key's matcher fed event by event (no window closing), its state open to
/// inspection between events.
struct MatcherRun {
    let matcher: PatternMatcher
    var state: MatcherState
    var stats = MatcherStats()
    var results: [MatchResult] = []

    init(_ rule: Rule) {
        matcher = PatternMatcher(rule: rule)
        state = MatcherState(matcher: matcher)
    }

    mutating func feed(_ events: some Sequence<Event>) {
        for event in events { matcher.process(&state, event: event, key: .null, results: &results, stats: &stats) }
    }
}
