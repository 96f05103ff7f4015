import CepheusCore
import CepheusRules

/// What a condition can see for one partial match and one event: the event, the key,
/// and (lazily, once) the events the partial match holds so far. Condition results are
/// cached per step, since Flink's compiled conditions evaluate the same `where` on
/// several edges.
struct ConditionContext {
    /// The partial match, kept only when some condition reads steps (copying it can
    /// retain its Dewey number's digits, so rules that never read steps skip it).
    private(set) var computation: ComputationState?
    /// The event and key, as conditions see them (built once per event: each test
    /// borrows it instead of retaining the event and key again). `steps` is set only
    /// while a condition that reads steps is tested.
    var scope: EvaluationScope
    var event: Event { scope.event! }
    var key: Value { scope.key }
    /// This partial match's results of conditions that name steps.
    private var wheres = ConditionBits()
    private var untils = ConditionBits()
    private var matched: MatchedEventsLoader?
    /// Results of conditions that name no step: the same for every partial match of
    /// the key, so they are evaluated once per event and shared.
    var shared: EventConditionCache

    /// `loader` (reused across partial matches, see `MatcherScratch`) is pointed at
    /// `computation` here; without one, one is made on first use.
    init(computation: ComputationState?, event: Event, key: Value, shared: EventConditionCache = EventConditionCache(), loader: MatchedEventsLoader? = nil) {
        self.computation = computation
        scope = EvaluationScope(event: event, key: key)
        self.shared = shared
        if let computation, let loader {
            loader.begin(computation)
            matched = loader
        }
    }

    /// Moves on to the next partial match of the same event (when conditions read
    /// steps): its own results start empty, the shared ones stay.
    mutating func begin(_ computation: ComputationState, loader: MatchedEventsLoader?) {
        self.computation = computation
        wheres = ConditionBits()
        untils = ConditionBits()
        if let loader {
            loader.begin(computation)
            matched = loader
        } else {
            matched = nil
        }
    }

    mutating func loader() -> MatchedEventsLoader {
        if let matched { return matched }
        let loader = MatchedEventsLoader()
        guard let computation else { preconditionFailure("a condition read steps without its partial match") }
        loader.begin(computation)
        matched = loader
        return loader
    }

    func cached(step: Int, until: Bool, shared useShared: Bool) -> Bool? {
        if useShared { return shared.cached(step: step, until: until) }
        return until ? untils.cached(step) : wheres.cached(step)
    }

    mutating func store(step: Int, until: Bool, shared useShared: Bool, _ value: Bool) {
        if useShared { return shared.store(step: step, until: until, value) }
        if until { untils.store(step, value) } else { wheres.store(step, value) }
    }
}

/// A step's `where` or `until`, boxed: reading it from the matcher's arrays then costs
/// one reference, not a copy of the expression's fields.
final class StepCondition: Sendable {
    let expression: CompiledExpression
    init(_ expression: CompiledExpression) { self.expression = expression }
}

/// An edge of a decision graph: a take or ignore transition that fired.
struct TransitionEdge {
    var action: TransitionAction
    var source: Int
    var target: Int
}

/// A partial match's events per step, read from the shared buffer on first use: the
/// first path back from its last entry (as Flink's `extractPatterns(...).first`), kept
/// as node indices, so `first(a).ip` reads one event and builds no list.
/// It sees the buffer only while an expression is being evaluated (`attach`/`detach`):
/// holding it longer would make the next write to the buffer copy it. One per
/// `MatcherScratch`, pointed at each partial match in turn (`begin`).
final class MatchedEventsLoader: MatchedSteps {
    /// The buffer's nodes while attached (only they are read: holding the whole buffer
    /// would retain and release each of its arrays per evaluation).
    private var nodes: [SharedBuffer.Node]?
    private var computation = ComputationState.start(0, version: DeweyNumber.one)
    private var loaded = false
    private var path: [Int32] = []
    private var search: [PatternSearchStep] = []

    func begin(_ computation: ComputationState) {
        self.computation = computation
        loaded = false
    }

    func attach(_ buffer: SharedBuffer) { if !loaded { nodes = buffer.nodes } }
    func detach() { nodes = nil }

    private func load() {
        guard !loaded, let nodes else { return }
        loaded = true
        path.clear()
        if let entry = computation.previousEntry {
            _ = SharedBuffer.firstPattern(in: nodes, entry, version: computation.version, into: &path, stack: &search)
        }
        // Keep only nodes that hold an event, with their step: what the reads need.
        steps.clear()
        events.clear()
        for node in path {
            guard let event = nodes[Int(node)].event else { continue }
            steps.append(Int(nodes[Int(node)].step))
            events.append(event)
        }
    }

    private var steps: [Int] = []
    private var events: [Event] = []

    func events(ofStep step: Int) -> [Event] {
        load()
        var result: [Event] = []
        for index in steps.indices where steps[index] == step { result.append(events[index]) }
        return result
    }

    func event(ofStep step: Int, first: Bool) -> Event? {
        load()
        if first {
            for index in steps.indices where steps[index] == step { return events[index] }
        } else {
            for index in steps.indices.reversed() where steps[index] == step { return events[index] }
        }
        return nil
    }
}

extension PatternMatcher {
    func check(_ condition: Int, _ context: inout ConditionContext, buffer: SharedBuffer, stats: inout MatcherStats) -> Bool {
        switch table.conditions[condition] {
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
        _ condition: StepCondition?, step: Int, until: Bool, _ context: inout ConditionContext,
        buffer: SharedBuffer, stats: inout MatcherStats
    ) -> Bool {
        guard let condition else { return !until }
        let expression = condition.expression
        let useShared = !expression.referencesSteps
        if let cached = context.cached(step: step, until: until, shared: useShared) { return cached }
        if useShared == false && expression.hasPrefilter {
            // The step-free leading operands are false for this event: so is the whole
            // condition, whatever the partial match holds.
            let passes: Bool
            if let cached = context.shared.cachedPrefilter(step: step, until: until) {
                passes = cached
            } else {
                let outcome = expression.testPrefilter(context.scope)
                passes = outcome != .notMatched
                context.shared.storePrefilter(step: step, until: until, passes)
            }
            if !passes {
                context.store(step: step, until: until, shared: false, false)
                return false
            }
        }
        let outcome: ConditionOutcome
        if expression.referencesSteps {
            // Extracted from the buffer only if the expression really reads a step
            // (`type == "login" && last(a).ip != ip` short-circuits on most events).
            let loader = context.loader()
            loader.attach(buffer)
            context.scope.steps = loader
            outcome = expression.test(context.scope)
            context.scope.steps = nil
            loader.detach()
        } else {
            outcome = expression.test(context.scope)
        }
        let result: Bool
        switch outcome {
        case .matched: result = true
        case .notMatched: result = false
        case .typeError:
            stats.conditionTypeErrors += 1
            result = false
        }
        context.store(step: step, until: until, shared: useShared, result)
        return result
    }

    /// Flink's `computeNextStates`: the decision graph of the partial match's state,
    /// then one new partial match per take/ignore edge, with Dewey versions assigned
    /// the same way. `context` holds the event (and, when conditions read steps, was
    /// pointed at `computation` by the caller: `ConditionContext.begin`).
    func computeNextStates(
        _ buffer: inout SharedBuffer, _ computation: consuming ComputationState, event: Event, eventKey: EventKey,
        context: inout ConditionContext, stats: inout MatcherStats,
        into result: inout [ComputationState], edges: inout [TransitionEdge], stack: inout [Int],
        graphs: MatcherScratch? = nil
    ) {
        result.clear()
        edges.clear()
        stack.clear()
        // decision graph
        var totalTake = 0
        var totalIgnore = 0
        if let graphs, graphs.graphs[computation.state].epoch == graphs.graphEpoch {
            // Another partial match in this state already walked it for this event.
            let graph = graphs.graphs[computation.state]
            for index in Int(graph.start)..<Int(graph.start + graph.count) { edges.append(graphs.graphEdges[index]) }
            totalTake = Int(graph.takes)
            totalIgnore = Int(graph.ignores)
        } else {
            stack.append(computation.state)
            while let current = stack.popLast() {
                for index in table.ranges[current] {
                    let transition = table.transitions[index]
                    guard check(transition.condition, &context, buffer: buffer, stats: &stats) else { continue }
                    switch transition.action {
                    case .proceed:
                        stack.append(transition.target)
                    case .ignore, .take:
                        let selfIgnore = transition.action == .ignore && transition.target == computation.state
                        if !selfIgnore {
                            if transition.action == .ignore { totalIgnore += 1 } else { totalTake += 1 }
                        }
                        edges.append(TransitionEdge(action: transition.action, source: current, target: transition.target))
                    }
                }
            }
            if let graphs {
                graphs.graphs[computation.state] = MatcherScratch.DecisionGraph(
                    epoch: graphs.graphEpoch, start: Int32(graphs.graphEdges.count), count: Int32(edges.count),
                    takes: Int32(totalTake), ignores: Int32(totalIgnore))
                for edge in edges { graphs.graphEdges.append(edge) }
            }
        }

        let isStart = table.kinds[computation.state] == .start
        // Only the self-loop ignore fired: Flink re-adds the same partial match with the
        // same version, locking and then releasing its buffer entry, a net no-op.
        if !isStart && totalTake == 0 && totalIgnore == 0 && edges.count == 1 {
            result.append(computation)
            return
        }
        var takeBranchesToVisit = max(0, totalTake - 1)
        var releaseOwnEntry = true
        var ignoreBranchesToVisit = totalIgnore
        let totalTakeToSkip = max(0, totalTake - 1)

        func addState(_ stateId: Int, _ entry: Int32?, _ version: DeweyNumber, _ start: Int64, _ previous: Int64, _ startEvent: EventKey?) {
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
                // The last take keeps the partial match's own version: locking its entry
                // with it here and releasing the same entry with the same version at the
                // end cancel out exactly (the partial match holds that lock already, so
                // no count can reach zero in between), and both are skipped: two passes
                // over the entry's edges fewer per step.
                let keepsOwnLock = takeBranchesToVisit == 0 && computation.previousEntry != nil
                if keepsOwnLock { releaseOwnEntry = false }
                takeBranchesToVisit -= 1
                let newEntry = buffer.put(
                    step: table.steps[edge.source], event: eventKey, event, previous: computation.previousEntry,
                    version: currentVersion, lockPrevious: !keepsOwnLock)
                let start = isStart ? event.timestamp : computation.startTimestamp
                let startEvent = isStart ? eventKey : computation.startEvent
                addState(edge.target, newEntry, nextVersion, start, event.timestamp, startEvent)
                let final: Int?
                if let graphs, graphs.finalEpochs[edge.target] == graphs.graphEpoch {
                    // Found for another partial match taking into the same state.
                    let cached = graphs.finals[edge.target]
                    final = cached < 0 ? nil : Int(cached)
                } else {
                    final = findFinalStateAfterProceed(edge.target, &context, buffer: buffer, stats: &stats, stack: &stack)
                    if let graphs {
                        graphs.finals[edge.target] = Int32(final ?? -1)
                        graphs.finalEpochs[edge.target] = graphs.graphEpoch
                    }
                }
                if let final {
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
        if releaseOwnEntry, let entry = computation.previousEntry {
            buffer.releaseNode(entry, version: computation.version)
        }
    }

    private func findFinalStateAfterProceed(
        _ state: Int, _ context: inout ConditionContext, buffer: SharedBuffer, stats: inout MatcherStats, stack: inout [Int]
    ) -> Int? {
        stack.clear()
        stack.append(state)
        defer { stack.clear() }
        while let current = stack.popLast() {
            for index in table.ranges[current] where table.transitions[index].action == .proceed {
                let transition = table.transitions[index]
                guard check(transition.condition, &context, buffer: buffer, stats: &stats) else { continue }
                if table.kinds[transition.target] == .final { return transition.target }
                stack.append(transition.target)
            }
        }
        return nil
    }

    /// `true` when `event` can start a partial match (some take edge of the start
    /// state's decision graph fires). A key without state needs no state for an event
    /// that cannot start one: the runtime skips it without allocating anything.
    public func canStart(_ event: Event, key: Value, stats: inout MatcherStats, conditions: EventConditionCache = EventConditionCache()) -> Bool {
        if startIsFirstWhere, let first = self.conditions[0] {
            if let cached = conditions.cached(step: 0, until: false) { return cached }
            switch first.expression.test(EvaluationScope(event: event, key: key)) {
            case .matched: return true
            case .notMatched: return false
            case .typeError:
                stats.conditionTypeErrors += 1
                return false
            }
        }
        // Type errors are counted here only when nothing starts: otherwise `process`
        // evaluates the same conditions again and counts them itself.
        var scratch = MatcherStats()
        let result = canStart(event, key: key, scratch: &scratch, conditions: conditions)
        if !result { stats.conditionTypeErrors += scratch.conditionTypeErrors }
        return result
    }

    private func canStart(_ event: Event, key: Value, scratch stats: inout MatcherStats, conditions: EventConditionCache) -> Bool {
        var context = ConditionContext(computation: .start(nfa.start, version: DeweyNumber.one), event: event, key: key, shared: conditions)
        let empty = SharedBuffer()
        if !startHasProceed {
            for index in table.ranges[nfa.start] where table.transitions[index].action == .take {
                if check(table.transitions[index].condition, &context, buffer: empty, stats: &stats) { return true }
            }
            return false
        }
        var stack = [nfa.start]
        while let current = stack.popLast() {
            for index in table.ranges[current] {
                let transition = table.transitions[index]
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
