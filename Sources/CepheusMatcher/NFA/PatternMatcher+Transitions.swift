import CepheusCore
import CepheusRules

/// What a condition can see for one partial match and one event: the event, the key,
/// and (lazily, once) the events the partial match holds so far. Condition results are
/// cached per step, since Flink's compiled conditions evaluate the same `where` on
/// several edges.
struct ConditionContext {
    let computation: ComputationState
    let event: Event
    let key: Value
    /// Two bits per step (known, value) for `where`, and the same for `until` in `untilBits`.
    private var whereBits: UInt64 = 0
    private var untilBits: UInt64 = 0
    private var matched: [[Value]]?

    init(computation: ComputationState, event: Event, key: Value) {
        self.computation = computation
        self.event = event
        self.key = key
    }

    mutating func matchedEvents(_ buffer: SharedBuffer, stepCount: Int) -> [[Value]] {
        if let matched { return matched }
        var result = Array(repeating: [Value](), count: stepCount)
        if let entry = computation.previousEntry, let path = buffer.extractPatterns(entry, version: computation.version).first {
            for (step, key) in path {
                if let event = buffer.event(key) { result[step].append(event.value) }
            }
        }
        matched = result
        return result
    }

    func cached(step: Int, until: Bool) -> Bool? {
        guard step < 32 else { return nil }
        let bits = (until ? untilBits : whereBits) >> UInt64(step * 2)
        return bits & 1 == 0 ? nil : bits & 2 != 0
    }

    mutating func store(step: Int, until: Bool, _ value: Bool) {
        guard step < 32 else { return }
        let bits: UInt64 = (value ? 3 : 1) << UInt64(step * 2)
        if until { untilBits |= bits } else { whereBits |= bits }
    }
}

extension PatternMatcher {
    private struct Edge {
        var action: TransitionAction
        var source: Int
        var target: Int
    }

    func check(_ condition: TransitionCondition, _ context: inout ConditionContext, buffer: SharedBuffer, stats: inout MatcherStats) -> Bool {
        switch condition {
        case .always:
            return true
        case .not(let inner):
            return !check(inner, &context, buffer: buffer, stats: &stats)
        case .and(let left, let right):
            return check(left, &context, buffer: buffer, stats: &stats) && check(right, &context, buffer: buffer, stats: &stats)
        case .stepWhere(let step):
            return evaluate(conditions[step], step: step, until: false, &context, buffer: buffer, stats: &stats)
        case .stepUntil(let step):
            return evaluate(untils[step], step: step, until: true, &context, buffer: buffer, stats: &stats)
        }
    }

    private func evaluate(
        _ expression: CompiledExpression?, step: Int, until: Bool, _ context: inout ConditionContext,
        buffer: SharedBuffer, stats: inout MatcherStats
    ) -> Bool {
        guard let expression else { return !until }
        if let cached = context.cached(step: step, until: until) { return cached }
        var scope = EvaluationScope(event: context.event.value, key: context.key)
        if expression.referencesSteps {
            let matched = context.matchedEvents(buffer, stepCount: stepCount)
            scope.stepEvents = { index in index < matched.count ? matched[index] : [] }
        }
        let outcome = expression.test(scope)
        let result: Bool
        switch outcome {
        case .matched: result = true
        case .notMatched: result = false
        case .typeError:
            stats.conditionTypeErrors += 1
            result = false
        }
        context.store(step: step, until: until, result)
        return result
    }

    /// Flink's `computeNextStates`: the decision graph of the partial match's state,
    /// then one new partial match per take/ignore edge, with Dewey versions assigned
    /// the same way.
    func computeNextStates(
        _ buffer: inout SharedBuffer, _ computation: ComputationState, event: Event, eventKey: EventKey,
        key: Value, stats: inout MatcherStats
    ) -> [ComputationState] {
        var context = ConditionContext(computation: computation, event: event, key: key)
        // decision graph
        var edges: [Edge] = []
        var totalTake = 0
        var totalIgnore = 0
        var stack = [computation.state]
        while let current = stack.popLast() {
            for transition in nfa.states[current].transitions {
                guard check(transition.condition, &context, buffer: buffer, stats: &stats) else { continue }
                switch transition.action {
                case .proceed:
                    stack.append(transition.target)
                case .ignore, .take:
                    let selfIgnore = transition.action == .ignore && transition.target == computation.state
                    if !selfIgnore {
                        if transition.action == .ignore { totalIgnore += 1 } else { totalTake += 1 }
                    }
                    edges.append(Edge(action: transition.action, source: current, target: transition.target))
                }
            }
        }

        let isStart = nfa.states[computation.state].kind == .start
        var takeBranchesToVisit = max(0, totalTake - 1)
        var ignoreBranchesToVisit = totalIgnore
        let totalTakeToSkip = max(0, totalTake - 1)
        var result: [ComputationState] = []

        func addState(_ stateId: Int, _ entry: NodeKey?, _ version: DeweyNumber, _ start: Int64, _ previous: Int64, _ startEvent: EventKey?) {
            result.append(ComputationState(state: stateId, previousEntry: entry, version: version, startTimestamp: start, previousTimestamp: previous, startEvent: startEvent))
            if let entry { buffer.lockNode(entry, version: version) }
        }

        for edge in edges {
            switch edge.action {
            case .ignore:
                if !isStart {
                    let version: DeweyNumber
                    if edge.target == computation.state {
                        version = computation.version.increase(Self.increasingSelfState(totalIgnore, totalTake))
                    } else {
                        version = computation.version.increase(totalTakeToSkip + ignoreBranchesToVisit).addStage()
                        ignoreBranchesToVisit -= 1
                    }
                    addState(edge.target, computation.previousEntry, version, computation.startTimestamp, computation.previousTimestamp, computation.startEvent)
                }
            case .take:
                let currentVersion = computation.version.increase(takeBranchesToVisit)
                let nextVersion = currentVersion.addStage()
                takeBranchesToVisit -= 1
                let newEntry = buffer.put(step: nfa.states[edge.source].step, event: eventKey, previous: computation.previousEntry, version: currentVersion)
                let start = isStart ? event.timestamp : computation.startTimestamp
                let startEvent = isStart ? eventKey : computation.startEvent
                addState(edge.target, newEntry, nextVersion, start, event.timestamp, startEvent)
                if let final = findFinalStateAfterProceed(edge.target, &context, buffer: buffer, stats: &stats) {
                    addState(final, newEntry, nextVersion, start, event.timestamp, startEvent)
                }
            case .proceed:
                break
            }
        }

        if isStart {
            let version = computation.version.increase(Self.increasingSelfState(totalIgnore, totalTake))
            result.append(.start(computation.state, version: version))
        }
        if let entry = computation.previousEntry {
            buffer.releaseNode(entry, version: computation.version)
        }
        return result
    }

    private func findFinalStateAfterProceed(_ state: Int, _ context: inout ConditionContext, buffer: SharedBuffer, stats: inout MatcherStats) -> Int? {
        var stack = [state]
        while let current = stack.popLast() {
            for transition in nfa.states[current].transitions where transition.action == .proceed {
                guard check(transition.condition, &context, buffer: buffer, stats: &stats) else { continue }
                if nfa.states[transition.target].kind == .final { return transition.target }
                stack.append(transition.target)
            }
        }
        return nil
    }

    /// `true` when `event` can start a partial match (some take edge of the start
    /// state's decision graph fires). A key without state needs no state for an event
    /// that cannot start one: the runtime skips it without allocating anything.
    public func canStart(_ event: Event, key: Value, stats: inout MatcherStats) -> Bool {
        // Type errors are counted here only when nothing starts: otherwise `process`
        // evaluates the same conditions again and counts them itself.
        var scratch = MatcherStats()
        let result = canStart(event, key: key, scratch: &scratch)
        if !result { stats.conditionTypeErrors += scratch.conditionTypeErrors }
        return result
    }

    private func canStart(_ event: Event, key: Value, scratch stats: inout MatcherStats) -> Bool {
        var context = ConditionContext(computation: .start(nfa.start, version: DeweyNumber(1)), event: event, key: key)
        let empty = SharedBuffer()
        var stack = [nfa.start]
        while let current = stack.popLast() {
            for transition in nfa.states[current].transitions {
                guard check(transition.condition, &context, buffer: empty, stats: &stats) else { continue }
                switch transition.action {
                case .proceed: stack.append(transition.target)
                case .take: return true
                case .ignore: break
                }
            }
        }
        return false
    }

    static func increasingSelfState(_ ignoreBranches: Int, _ takeBranches: Int) -> Int {
        takeBranches == 0 && ignoreBranches == 0 ? 0 : ignoreBranches + max(1, takeBranches)
    }
}
