import CepheusRules

/// Compiles a rule's pattern into an NFA of take/ignore/proceed transitions, the way
/// Flink's `NFACompiler` does: states are built backwards from the final state, absent
/// steps become stop states (or a pending state at the end), quantifiers become chains
/// of singleton states and looping states. Building it the same way is what makes the
/// matches, and their order of discovery, the same as Flink CEP's.
public struct NFACompiler {
    /// Compiles `rule.pattern`; the rule must have passed validation.
    public static func compile(_ rule: Rule) -> CompiledNFA {
        let builder = NFABuilder(rule: rule)
        return builder.build()
    }
}

/// Flink's `Quantifier.ConsumingStrategy`.
enum ConsumingStrategy {
    case strict, skipTillNext, skipTillAny, notNext, notFollow
}

/// A pattern step seen as a Flink `Pattern` (consuming strategies, quantifier properties).
struct PatternView {
    let index: Int
    let consuming: ConsumingStrategy
    let inner: ConsumingStrategy
    let looping: Bool
    let times: Bool
    let optional: Bool
    let greedy: Bool
    let from: Int
    let to: Int
    let hasUntil: Bool

    init(step: Step, index: Int, isLast: Bool) {
        self.index = index
        if step.absent {
            consuming = step.contiguity == .strict ? .notNext : .notFollow
        } else if index == 0 {
            consuming = .skipTillNext
        } else {
            consuming = Self.strategy(step.contiguity)
        }
        inner = Self.strategy(step.loop)
        looping = step.quantifier.looping
        times = step.quantifier.hasTimes && !step.quantifier.looping
        optional = step.quantifier.optional
        // Flink CEP does not apply greedy to the last step of a pattern (its sink is the
        // final state): the conformance cases from GreedyITCase expect every length.
        greedy = step.greedy && !isLast
        from = step.quantifier.from
        to = step.quantifier.looping ? step.quantifier.from : step.quantifier.to
        hasUntil = step.until != nil
    }

    static func strategy(_ contiguity: Contiguity) -> ConsumingStrategy {
        switch contiguity {
        case .strict: return .strict
        case .relaxed: return .skipTillNext
        case .any: return .skipTillAny
        }
    }
}

/// Mutable state of one compilation (Flink's `NFAFactoryCompiler`).
final class NFABuilder {
    private var states: [NFAStateNode] = []
    private var stopStates: [Int: Int] = [:]
    private var originalStateMap: [Int: Int] = [:]
    private let patterns: [PatternView]
    private var current: Int
    private var following: Int?
    private let window: Int64?

    init(rule: Rule) {
        patterns = rule.pattern.enumerated().map {
            PatternView(step: $0.element, index: $0.offset, isLast: $0.offset == rule.pattern.count - 1)
        }
        current = patterns.count - 1
        window = rule.within
    }

    func build() -> CompiledNFA {
        var sink = createState(step: -1, kind: .final)
        sink = createMiddleStates(sink)
        let start = convertPattern(sink)
        states[start].kind = .start
        return CompiledNFA(states: states, start: start, window: window)
    }

    // MARK: state and transition helpers

    private func createState(step: Int, kind: NFAStateKind) -> Int {
        let id = states.count
        states.append(NFAStateNode(id: id, step: step, kind: kind, transitions: []))
        return id
    }

    private func add(_ source: Int, _ action: TransitionAction, _ target: Int, _ condition: TransitionCondition) {
        states[source].transitions.append(NFATransition(action: action, target: target, condition: condition))
    }

    private var pattern: PatternView { patterns[current] }

    private func takeCondition(_ p: PatternView) -> TransitionCondition { .stepWhere(p.index) }

    private func ignoreCondition(for strategy: ConsumingStrategy, _ p: PatternView) -> TransitionCondition? {
        switch strategy {
        case .strict: return nil
        case .skipTillNext: return .not(takeCondition(p))
        case .skipTillAny: return .always
        case .notNext, .notFollow: return nil
        }
    }

    private func extendWithUntil(_ condition: TransitionCondition?, isTake: Bool) -> TransitionCondition? {
        guard pattern.hasUntil else { return condition }
        let notUntil = TransitionCondition.not(.stepUntil(pattern.index))
        if let condition { return .and(notUntil, condition) }
        return isTake ? notUntil : nil
    }

    // MARK: Flink's compile steps

    private func createMiddleStates(_ sinkState: Int) -> Int {
        var lastSink = sinkState
        while current > 0 {
            let p = pattern
            if p.consuming == .notFollow {
                if window != nil && states[lastSink].kind == .final {
                    let notFollow = createState(step: p.index, kind: .pending)
                    let notCondition = takeCondition(p)
                    let stop = createStopState(notCondition, step: p.index)
                    add(notFollow, .proceed, stop, notCondition)
                    add(notFollow, .ignore, notFollow, .not(notCondition))
                    lastSink = notFollow
                }
            } else if p.consuming == .notNext {
                let notNext = createState(step: p.index, kind: .normal)
                let notCondition = takeCondition(p)
                let stop = createStopState(notCondition, step: p.index)
                if states[lastSink].kind == .final {
                    add(notNext, .ignore, lastSink, .not(notCondition))
                } else {
                    add(notNext, .proceed, lastSink, .not(notCondition))
                }
                add(notNext, .proceed, stop, notCondition)
                lastSink = notNext
            } else {
                lastSink = convertPattern(lastSink)
            }
            following = current
            current -= 1
        }
        return lastSink
    }

    private func convertPattern(_ sinkState: Int) -> Int {
        let lastSink: Int
        if pattern.looping {
            let sink = copyWithoutTransitiveNots(sinkState)
            let looping = createLooping(sink)
            lastSink = createTimesState(looping, proceedState: sinkState, from: pattern.from, to: pattern.to)
        } else if pattern.times {
            lastSink = createTimesState(sinkState, proceedState: sinkState, from: pattern.from, to: pattern.to)
        } else {
            lastSink = createSingletonState(
                sinkState, proceedState: sinkState, take: takeCondition(pattern),
                ignore: ignoreCondition(for: pattern.consuming, pattern), isOptional: pattern.optional)
        }
        addStopStates(lastSink)
        return lastSink
    }

    /// Not conditions of absent steps before the current one that an optional path can
    /// reach (Flink's `getCurrentNotCondition`).
    private func currentNotConditions() -> [(TransitionCondition, Int)] {
        var result: [(TransitionCondition, Int)] = []
        var previous = current
        while previous > 0 && (patterns[previous - 1].optional || patterns[previous - 1].consuming == .notFollow) {
            previous -= 1
            if patterns[previous].consuming == .notFollow {
                result.append((takeCondition(patterns[previous]), previous))
            }
        }
        return result
    }

    private func copyWithoutTransitiveNots(_ sinkState: Int) -> Int {
        let nots = currentNotConditions()
        if nots.isEmpty || !pattern.optional { return sinkState }
        let copy = createState(step: states[sinkState].step, kind: states[sinkState].kind)
        for transition in states[sinkState].transitions {
            if transition.action == .proceed {
                var target = transition.target
                var remove = false
                if states[target].kind == .stop {
                    for (_, step) in nots where states[target].step == step { remove = true }
                } else {
                    target = copyWithoutTransitiveNots(transition.target)
                }
                if !remove { add(copy, transition.action, target, transition.condition) }
            } else {
                let target = transition.target == sinkState ? copy : transition.target
                add(copy, transition.action, target, transition.condition)
            }
        }
        return copy
    }

    private func copy(_ state: Int) -> Int {
        let copy = createState(step: states[state].step, kind: states[state].kind)
        for transition in states[state].transitions {
            add(copy, transition.action, transition.target == state ? copy : transition.target, transition.condition)
        }
        return copy
    }

    private func createTimesState(_ sinkState: Int, proceedState: Int, from: Int, to: Int) -> Int {
        var lastSink = sinkState
        let innerIgnore = extendWithUntil(ignoreCondition(for: pattern.inner, pattern), isTake: false)
        let take = extendWithUntil(takeCondition(pattern), isTake: true)!
        if pattern.greedy && from != to {
            if pattern.hasUntil {
                originalStateMap[sinkState] = copy(sinkState)
            }
            updateWithGreedyCondition(sinkState, take)
        }
        var i = from
        while i < to {
            lastSink = createSingletonState(lastSink, proceedState: proceedState, take: take, ignore: innerIgnore, isOptional: true)
            addStopStateToLooping(lastSink)
            i += 1
        }
        i = 0
        while i < from - 1 {
            lastSink = createSingletonState(lastSink, proceedState: nil, take: take, ignore: innerIgnore, isOptional: false)
            addStopStateToLooping(lastSink)
            i += 1
        }
        return createSingletonState(
            lastSink, proceedState: proceedState, take: take,
            ignore: ignoreCondition(for: pattern.consuming, pattern), isOptional: pattern.optional)
    }

    private func updateWithGreedyCondition(_ state: Int, _ take: TransitionCondition) {
        for index in states[state].transitions.indices {
            let condition = states[state].transitions[index].condition
            states[state].transitions[index].condition = .and(condition, .not(take))
        }
    }

    private func createSingletonState(
        _ sinkState: Int, proceedState: Int?, take: TransitionCondition,
        ignore: TransitionCondition?, isOptional: Bool
    ) -> Int {
        let singleton = createState(step: pattern.index, kind: .normal)
        let sink = copyWithoutTransitiveNots(sinkState)
        add(singleton, .take, sink, take)
        if isOptional, let proceedState {
            if pattern.greedy {
                if pattern.hasUntil, let original = originalStateMap[proceedState] {
                    add(singleton, .proceed, original, .and(.always, .stepUntil(pattern.index)))
                }
                add(singleton, .proceed, proceedState, .and(.always, .not(take)))
            } else {
                add(singleton, .proceed, proceedState, .always)
            }
        }
        if let ignore {
            let ignoreState: Int
            if isOptional {
                ignoreState = createState(step: pattern.index, kind: .normal)
                add(ignoreState, .take, sink, take)
                add(ignoreState, .ignore, ignoreState, ignore)
                addStopStates(ignoreState)
            } else {
                ignoreState = singleton
            }
            add(singleton, .ignore, ignoreState, ignore)
        }
        return singleton
    }

    private func createLooping(_ sinkState: Int) -> Int {
        let ignore = extendWithUntil(ignoreCondition(for: pattern.inner, pattern), isTake: false)
        let take = extendWithUntil(takeCondition(pattern), isTake: true)!
        let looping = createState(step: pattern.index, kind: .normal)
        if pattern.greedy {
            if pattern.hasUntil {
                let sinkCopy = copy(sinkState)
                add(looping, .proceed, sinkCopy, .and(.always, .stepUntil(pattern.index)))
                originalStateMap[sinkState] = sinkCopy
            }
            add(looping, .proceed, sinkState, .and(.always, .not(take)))
            updateWithGreedyCondition(sinkState, takeCondition(pattern))
        } else {
            add(looping, .proceed, sinkState, .always)
        }
        add(looping, .take, looping, take)
        addStopStateToLooping(looping)
        if let ignore {
            let ignoreState = createState(step: pattern.index, kind: .normal)
            add(ignoreState, .take, looping, take)
            add(ignoreState, .ignore, ignoreState, ignore)
            add(looping, .ignore, ignoreState, ignore)
            addStopStateToLooping(ignoreState)
        }
        return looping
    }

    private func addStopStates(_ state: Int) {
        for (condition, step) in currentNotConditions() {
            let stop = createStopState(condition, step: step)
            add(state, .proceed, stop, condition)
        }
    }

    private func addStopStateToLooping(_ state: Int) {
        if let following, patterns[following].consuming == .notFollow {
            let condition = takeCondition(patterns[following])
            let stop = createStopState(condition, step: following)
            add(state, .proceed, stop, condition)
        }
    }

    private func createStopState(_ condition: TransitionCondition, step: Int) -> Int {
        if let existing = stopStates[step] { return existing }
        let stop = createState(step: step, kind: .stop)
        add(stop, .take, stop, condition)
        stopStates[step] = stop
        return stop
    }
}
