import CepheusCore
import CepheusState

/// What a store holds, per rule: for `cepheus inspect` (read-only; decodes every state
/// to count its partial matches, so it also proves the states are readable).
public struct StateInspection: Sendable {
    /// One rule's share of the state.
    public struct RuleState: Sendable {
        public var rule: String
        public var keys = 0
        public var partialMatches = 0
        public var heldMatches = 0
        public var bufferedEvents = 0
        public var bytes = 0
    }

    public var rules: [RuleState] = []
    public var keyGroups = Set<Int>()
    public var reorderEvents = 0
    public var reorderBytes = 0
    public var outboxEntries = 0
    /// States that failed to decode, with the reason (should be none).
    public var damaged: [String] = []

    /// Reads every record of `store`.
    public static func inspect(_ store: some StateStore) throws -> StateInspection {
        var inspection = StateInspection()
        var byRule: [String: Int] = [:]
        var parser = TapeParser()
        try store.scan(prefix: [StateKey.keyStatePrefix]) { key, value in
            guard let (group, rule, canonical) = StateKey.parseKeyState(key) else {
                inspection.damaged.append("unreadable state key of \(key.count) bytes")
                return true
            }
            let index: Int
            if let known = byRule[rule] {
                index = known
            } else {
                index = inspection.rules.count
                byRule[rule] = index
                inspection.rules.append(RuleState(rule: rule))
            }
            inspection.keyGroups.insert(group)
            inspection.rules[index].keys += 1
            inspection.rules[index].bytes += key.count + value.count
            var shared: [Int64: Event] = [:]
            do {
                let state = try KeyState.decode(value, parser: &parser, events: &shared)
                inspection.rules[index].partialMatches += state.matcher.partialMatchCount
                inspection.rules[index].heldMatches += state.matcher.heldMatchCount
                inspection.rules[index].bufferedEvents += shared.count
            } catch {
                inspection.damaged.append("rule \(rule), key \(canonical): \(error)")
            }
            return true
        }
        try store.scan(prefix: [StateKey.reorderPrefix]) { key, value in
            inspection.reorderEvents += 1
            inspection.reorderBytes += key.count + value.count
            return true
        }
        try store.scan(prefix: [StateKey.outboxPrefix]) { _, _ in
            inspection.outboxEntries += 1
            return true
        }
        inspection.rules.sort { $0.rule < $1.rule }
        return inspection
    }
}
