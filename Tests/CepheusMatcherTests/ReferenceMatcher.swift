/// A brute-force reference for a small, exactly-specified subset of the pattern
/// language, used by `NFAPropertyTests` to check the NFA.
///
/// The subset (always `skip: no_skip`, no `within`, conditions `name == "x"`, no
/// `greedy`, `until` or absent steps):
/// - a step takes exactly `times` events (`times: n`, n in 1...3); the wider property
///   also uses `times: "n..m"` (any count in n...m) and `times: "n+"` (n or more);
/// - `optional: true` (or `times: "0..m"` / `"0+"`): the step takes no event at all, or
///   as many as it would without `optional`. The main property puts it on middle steps
///   only; the wider one on any step, never on every step;
/// - `contiguity` (with the previous step) and `loop` (between the repetitions of one
///   step) are `strict`, `relaxed` or `any`; the first step's `contiguity` is irrelevant.
///
/// Semantics, derived from Flink's `NFACompiler`/`NFA` for exactly this subset:
/// - A step that takes k events unrolls into k "slots" that take the step's condition
///   (Flink's chain of singleton states; `times: n` has no optional states). The first
///   slot's ignore edge comes from the step's contiguity, the others' from `loop`
///   (Flink's inner consuming strategy, default SKIP_TILL_NEXT). Ignore conditions:
///   strict = no ignore edge, relaxed (skip till next) = NOT(take condition), any (skip
///   till any) = true. So a slot waiting after the event taken at position `prev` may
///   take the event at `p > prev` iff that event satisfies the slot's condition and
///     strict:  p == prev + 1 (every event in between would have to be ignored),
///     relaxed: no event in (prev, p) satisfies the slot's condition (such an event
///              cannot be ignored: it must be taken, which is another path),
///     any:     nothing more (every event can be ignored).
/// - The first slot of a match is taken from the start state: Flink never applies a
///   start state's ignore edges and always keeps a fresh start state, so a match may
///   begin at any event satisfying the first taken slot's condition (with an optional
///   first step, the start state PROCEEDs to the next step's state).
/// - Stopping a step early (an optional step's first singleton, the optional singletons
///   of `n..m`, the looping state of `n+`) is a PROCEED edge (condition true) from the
///   state that has just taken an event (or, for an optional step, has just been
///   reached); the ignore edges of those states lead to separate ignore states without
///   a PROCEED edge. So a step can only stop before any event has been ignored while
///   waiting for its next repetition: stopping after k events is exactly as if the step
///   said `times: k` (k = 0: as if it were not in the pattern), and the gap from its
///   last event to the next step's first event is judged by the NEXT step's contiguity.
///   A last step that may stop completes a match at every count it can stop at
///   (Flink's `findFinalStateAfterProceed`).
/// - Each event is taken at most once per path, so positions strictly increase.
///
/// A complete match is then: a count for every step (not all 0), and an increasing
/// sequence of event positions, one per slot, that satisfies the rule above for every
/// slot. Different counts give different step->events maps, so each match is found
/// once. The reference enumerates every count choice and every increasing position
/// sequence of the right length (every subset of the event list), and keeps those that
/// satisfy the rule.
enum RefContiguity: Int, CaseIterable, Sendable, CustomStringConvertible {
    case strict, relaxed, any

    var description: String {
        switch self {
        case .strict: "strict"
        case .relaxed: "relaxed"
        case .any: "any"
        }
    }
}

struct RefStep: Sendable, CustomStringConvertible {
    var name: String
    /// The event name the step's condition asks for (`name == "<letter>"`).
    var letter: String
    /// Repetition count, 1...3 (`times: n`), or the lower bound of `times: "n..m"`.
    var times: Int
    /// Upper bound of `times: "n..m"`; equal to `times` for a fixed count.
    var maxTimes: Int
    /// `times: "n+"`: at least `times` events, no upper bound (`maxTimes` is ignored).
    var looping = false
    var optional: Bool
    /// Contiguity with the previous step; ignored for the first step.
    var contiguity: RefContiguity
    /// Contiguity between repetitions; only meaningful when the step can take several events.
    var loop: RefContiguity

    var description: String {
        var parts = ["\(name):\(letter)"]
        if looping {
            parts.append("x\(times)+/loop=\(loop)")
        } else if maxTimes > times {
            parts.append("x\(times)..\(maxTimes)/loop=\(loop)")
        } else if times > 1 {
            parts.append("x\(times)/loop=\(loop)")
        }
        parts.append("cont=\(contiguity)")
        if optional { parts.append("optional") }
        return parts.joined(separator: " ")
    }
}

struct RefPattern: Sendable, CustomStringConvertible {
    var steps: [RefStep]

    var description: String { steps.map(\.description).joined(separator: " ; ") }

    /// The rule as YAML, for `RuleLoader`.
    var yaml: String {
        var lines = ["id: prop", "skip: no_skip", "pattern:"]
        for (index, step) in steps.enumerated() {
            lines.append("  - name: \(step.name)")
            lines.append("    where: name == \"\(step.letter)\"")
            var optionalInTimes = false
            if step.looping {
                optionalInTimes = step.optional && step.times == 1
                lines.append("    times: \"\(optionalInTimes ? 0 : step.times)+\"")
                lines.append("    loop: \(step.loop)")
            } else if step.maxTimes > step.times {
                // `times: 0..m` is the same as `times: 1..m` with `optional: true`
                optionalInTimes = step.optional && step.times == 1
                lines.append("    times: \"\(optionalInTimes ? 0 : step.times)..\(step.maxTimes)\"")
                lines.append("    loop: \(step.loop)")
            } else if step.times > 1 {
                lines.append("    times: \(step.times)")
                lines.append("    loop: \(step.loop)")
            }
            if index > 0 {
                lines.append("    contiguity: \(step.contiguity)")
            }
            if step.optional && !optionalInTimes {
                lines.append("    optional: true")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

enum ReferenceMatcher {
    /// One event slot of an unrolled pattern.
    private struct Slot {
        var step: Int
        var letter: String
        /// How the slot may follow the previous slot's event; nil for the very first slot.
        var gap: RefContiguity?
    }

    /// Every complete match of `pattern` over `letters` (event i has id "e\(i+1)"), as
    /// step name -> event ids, steps without events left out.
    static func matches(_ pattern: RefPattern, letters: [String]) -> [[String: [String]]] {
        var results: [[String: [String]]] = []
        for counts in countChoices(pattern.steps, eventCount: letters.count) where counts.contains(where: { $0 > 0 }) {
            let slots = unroll(pattern, counts: counts)
            for positions in increasingSequences(length: slots.count, below: letters.count)
            where accepts(slots, positions, letters) {
                var match: [String: [String]] = [:]
                for (slot, position) in zip(slots, positions) {
                    match[pattern.steps[slot.step].name, default: []].append("e\(position + 1)")
                }
                results.append(match)
            }
        }
        return results
    }

    /// Every choice of how many events each step takes: `times...maxTimes`, or 0 for an
    /// optional step.
    private static func countChoices(_ steps: [RefStep], eventCount: Int) -> [[Int]] {
        var choices: [[Int]] = [[]]
        for step in steps {
            // a looping step cannot take more events than there are
            let upper = step.looping ? max(step.times, eventCount) : step.maxTimes
            let counts = (step.optional ? [0] : []) + Array(step.times...upper)
            choices = choices.flatMap { prefix in counts.map { prefix + [$0] } }
        }
        return choices
    }

    private static func unroll(_ pattern: RefPattern, counts: [Int]) -> [Slot] {
        var slots: [Slot] = []
        for (index, step) in pattern.steps.enumerated() {
            for repetition in 0..<counts[index] {
                let gap: RefContiguity?
                if slots.isEmpty {
                    gap = nil
                } else if repetition == 0 {
                    gap = step.contiguity
                } else {
                    gap = step.loop
                }
                slots.append(Slot(step: index, letter: step.letter, gap: gap))
            }
        }
        return slots
    }

    private static func accepts(_ slots: [Slot], _ positions: [Int], _ letters: [String]) -> Bool {
        for (index, slot) in slots.enumerated() {
            let position = positions[index]
            guard letters[position] == slot.letter else { return false }
            guard let gap = slot.gap else { continue }
            let previous = positions[index - 1]
            switch gap {
            case .strict:
                if position != previous + 1 { return false }
            case .relaxed:
                if letters[(previous + 1)..<position].contains(slot.letter) { return false }
            case .any:
                break
            }
        }
        return true
    }

    /// Every strictly increasing sequence of `length` indices in `0..<below`.
    private static func increasingSequences(length: Int, below count: Int) -> [[Int]] {
        guard length > 0 else { return [[]] }
        guard length <= count else { return [] }
        var result: [[Int]] = []
        func extend(_ prefix: [Int]) {
            if prefix.count == length {
                result.append(prefix)
                return
            }
            let from = (prefix.last ?? -1) + 1
            guard from < count else { return }
            for next in from..<count {
                extend(prefix + [next])
            }
        }
        extend([])
        return result
    }
}
