/// The compiled NFA laid out flat for the hot path: every transition in one array,
/// each state's transitions a range of it, and conditions as a table of small nodes
/// referring to each other by index (no boxed enum payloads to retain while checking).
struct TransitionTable: Sendable {
    enum Condition: Sendable {
        case always
        case stepWhere(Int)
        case stepUntil(Int)
        case not(Int)
        case and(Int, Int)
    }

    struct Transition: Sendable {
        var action: TransitionAction
        var target: Int
        var condition: Int
    }

    let transitions: [Transition]
    /// `transitions[ranges[s]]` are state `s`'s transitions, in NFA order.
    let ranges: [Range<Int>]
    let conditions: [Condition]
    let kinds: [NFAStateKind]
    let steps: [Int]

    init(_ nfa: CompiledNFA) {
        var transitions: [Transition] = []
        var ranges: [Range<Int>] = []
        var conditions: [Condition] = []
        func flatten(_ condition: TransitionCondition) -> Int {
            let node: Condition
            switch condition {
            case .always: node = .always
            case .stepWhere(let step): node = .stepWhere(step)
            case .stepUntil(let step): node = .stepUntil(step)
            case .not(let inner): node = .not(flatten(inner))
            case .and(let left, let right):
                let l = flatten(left)
                node = .and(l, flatten(right))
            }
            conditions.append(node)
            return conditions.count - 1
        }
        for state in nfa.states {
            let start = transitions.count
            for transition in state.transitions {
                transitions.append(Transition(action: transition.action, target: transition.target, condition: flatten(transition.condition)))
            }
            ranges.append(start..<transitions.count)
        }
        self.transitions = transitions
        self.ranges = ranges
        self.conditions = conditions
        kinds = nfa.states.map(\.kind)
        steps = nfa.states.map(\.step)
    }

    /// For each state: `true` when an event for which every step's `where` and `until`
    /// is false leaves a partial match in that state exactly as it was (Flink re-adds it
    /// unchanged, same version). `hasWhere[s]` says whether step `s` has a `where` (a
    /// step without one matches everything).
    func quietStates(hasWhere: [Bool]) -> [Bool] {
        func holds(_ condition: Int) -> Bool {
            switch conditions[condition] {
            case .always: return true
            case .stepWhere(let step): return !hasWhere[step]
            case .stepUntil: return false
            case .not(let inner): return !holds(inner)
            case .and(let left, let right): return holds(left) && holds(right)
            }
        }
        var quiet = Array(repeating: false, count: kinds.count)
        for state in kinds.indices {
            switch kinds[state] {
            case .final, .stop: continue
            case .start, .normal, .pending: break
            }
            var selfIgnores = 0, otherEdges = 0
            var stack = [state]
            var visited = 0
            while let current = stack.popLast() {
                visited += 1
                if visited > 10_000 { break }
                for index in ranges[current] where holds(transitions[index].condition) {
                    let transition = transitions[index]
                    switch transition.action {
                    case .proceed: stack.append(transition.target)
                    case .ignore where transition.target == state: selfIgnores += 1
                    case .ignore, .take: otherEdges += 1
                    }
                }
            }
            if visited > 10_000 { continue }
            quiet[state] = kinds[state] == .start ? otherEdges == 0 : (otherEdges == 0 && selfIgnores == 1)
        }
        return quiet
    }
}
