import CepheusCore
import CepheusRules

/// Runs one rule's compiled NFA over the events of one key at a time, with Flink CEP's
/// semantics: `process` feeds one event (Flink's `NFA.process`), `advanceTime` closes
/// windows (Flink's `NFA.advanceTime`). The matcher is immutable and shared by every
/// key of the rule; each key's mutable part is its `MatcherState`.
public final class PatternMatcher: Sendable {
    public let nfa: CompiledNFA
    let table: TransitionTable
    let conditions: [StepCondition?]
    let untils: [StepCondition?]
    let skip: SkipStrategy
    let skipStep: Int?
    let handleTimeout: Bool
    let maxPartialMatches: Int
    let stepCount: Int
    let startHasProceed: Bool
    /// The start state's only way forward is taking an event that satisfies the first
    /// step's step-free `where`: `canStart` is then that one condition.
    let startIsFirstWhere: Bool
    /// States whose partial matches an event satisfying no step's condition leaves as
    /// they are.
    let quiet: [Bool]
    /// Some step's `where` or `until` reads the events of a step (`first(a).ip`):
    /// only then does a condition need the partial match it is evaluated for.
    let conditionsReadSteps: Bool
    /// When every step's `where` starts with `FIELD == "text"` on one field and no step
    /// has an `until`: that field, and the texts. An event whose field holds none of
    /// them satisfies no step's condition (see `admits`).
    let admissionPath: PinnedPath?
    let admissionTexts: PinnedByteList

    public init(rule: Rule) {
        nfa = NFACompiler.compile(rule)
        table = TransitionTable(nfa)
        conditions = rule.pattern.map { $0.condition.map(StepCondition.init) }
        untils = rule.pattern.map { $0.until.map(StepCondition.init) }
        skip = rule.skip
        switch rule.skip {
        case .toFirst(let name), .toLast(let name):
            skipStep = rule.pattern.firstIndex { $0.name == name }
        default:
            skipStep = nil
        }
        handleTimeout = rule.onTimeout == .alert
        maxPartialMatches = max(1, rule.maxPartialMatches)
        stepCount = rule.pattern.count
        startHasProceed = nfa.states[nfa.start].transitions.contains { $0.action == .proceed }
        var admissionPath: [Int32]?
        var admissionTexts: [[UInt8]] = []
        for step in rule.pattern {
            guard step.until == nil, let equality = step.condition?.leadingEquality,
                  admissionPath == nil || admissionPath == equality.path
            else {
                admissionPath = nil
                break
            }
            admissionPath = equality.path
            if !admissionTexts.contains(equality.utf8) { admissionTexts.append(equality.utf8) }
        }
        self.admissionPath = admissionPath.map { Pinned.path($0) }
        self.admissionTexts = Pinned.byteList(admissionPath == nil ? [] : admissionTexts)
        conditionsReadSteps = rule.pattern.contains { ($0.condition?.referencesSteps ?? false) || ($0.until?.referencesSteps ?? false) }
        quiet = table.quietStates(hasWhere: rule.pattern.map { $0.condition != nil })
        let flat = TransitionTable(nfa)
        let takes = flat.ranges[nfa.start].map { flat.transitions[$0] }.filter { $0.action == .take }
        if !startHasProceed, takes.count == 1, case .stepWhere(0) = flat.conditions[takes[0].condition],
           let first = rule.pattern.first?.condition, !first.referencesSteps {
            startIsFirstWhere = true
        } else {
            startIsFirstWhere = false
        }
    }

    // MARK: process

    /// Feeds `event` to the partial matches of one key; completed matches are appended
    /// to `results`. `scratch` is working storage reused across calls (one per thread).
    public func process(
        _ state: inout MatcherState, event: Event, key: Value,
        results: inout [MatchResult], stats: inout MatcherStats,
        conditions: EventConditionCache = EventConditionCache(), scratch: MatcherScratch = MatcherScratch()
    ) {
        let eventKey = EventKey(timestamp: event.timestamp, sequence: event.sequence)
        var newPartialMatches = scratch.takeQueue()
        var potentialMatches = FlinkPriorityQueue()
        swap(&potentialMatches, &scratch.potentialMatches)
        var live = 0
        var context = ConditionContext(computation: nil, event: event, key: key, shared: conditions)
        let graphs: MatcherScratch? = conditionsReadSteps ? nil : scratch
        graphs?.beginGraphs(states: table.kinds.count)
        // The working arrays are held locally while the partial matches are stepped:
        // no access to the scratch object's fields per partial match.
        var next: [ComputationState] = []
        swap(&next, &scratch.next)
        var retained: [ComputationState] = []
        swap(&retained, &scratch.retained)
        var edges: [TransitionEdge] = []
        swap(&edges, &scratch.edges)
        var stack: [Int] = []
        swap(&stack, &scratch.stack)

        stats.steps += state.partialMatches.count
        // The partial matches are moved out and taken one by one, in queue order: none
        // is copied (a Dewey number may hold a reference-counted digit array).
        var pending = state.partialMatches.takeElements(reusing: &scratch.pending)
        let pendingCount = pending.count
        // About as many partial matches come out as go in (a hot key holds thousands).
        if pendingCount > 4 { newPartialMatches.reserveCapacity(pendingCount + 2) }
        state.buffer.edgeCapacityHint = pendingCount
        // Each is moved out of its slot in turn, and the emptied slots are refilled with
        // a placeholder that holds nothing before the array sees them again.
        /// A successor that keeps waiting goes to the next queue, unless the key has
        /// reached `maxPartialMatches` (then it is dropped, counted, and its entry released).
        @inline(__always)
        func keep(_ candidate: consuming ComputationState) {
            if candidate.startEvent != nil {
                if live >= maxPartialMatches {
                    stats.droppedPartialMatches += 1
                    if let entry = candidate.previousEntry { state.buffer.releaseNode(entry, version: candidate.version) }
                    return
                }
                live += 1
            }
            newPartialMatches.add(candidate)
        }
        pending.withUnsafeMutableBufferPointer { pendingSlots in
            guard pendingCount > 0, let base = pendingSlots.baseAddress else { return }
            for slot in 0..<pendingCount {
                let computation = (base + slot).move()
                if conditionsReadSteps { context.begin(computation, loader: scratch.loader) }
                computeNextStates(
                    &state.buffer, computation, event: event, eventKey: eventKey, context: &context, stats: &stats,
                    into: &next, edges: &edges, stack: &stack, graphs: graphs)
                if next.count == 1 {
                    // The common case: one successor (no other to discard with it).
                    let candidate = next.removeLast()
                    switch table.kinds[candidate.state] {
                    case .final:
                        potentialMatches.add(candidate)
                    case .stop:
                        if let entry = candidate.previousEntry { state.buffer.releaseNode(entry, version: candidate.version) }
                    default:
                        keep(candidate)
                    }
                    continue
                }
                var discard = false
                // Successors are moved out in order, not copied: a partial match's Dewey
                // number may hold a reference-counted digit array.
                next.drain { candidate in
                    switch table.kinds[candidate.state] {
                    case .final:
                        potentialMatches.add(candidate)
                    case .stop:
                        discard = true
                        if let entry = candidate.previousEntry { state.buffer.releaseNode(entry, version: candidate.version) }
                    default:
                        retained.append(candidate)
                    }
                }
                if discard {
                    retained.drain { candidate in
                        if let entry = candidate.previousEntry { state.buffer.releaseNode(entry, version: candidate.version) }
                    }
                } else {
                    retained.drain { candidate in keep(candidate) }
                }
            }
            base.initialize(repeating: ComputationState.placeholder, count: pendingCount)
        }
        pending.removeAll(keepingCapacity: true)
        if pending.capacity <= 4096 { swap(&pending, &scratch.pending) }
        next.clear()
        swap(&next, &scratch.next)
        retained.clear()
        swap(&retained, &scratch.retained)
        edges.clear()
        swap(&edges, &scratch.edges)
        stack.clear()
        swap(&stack, &scratch.stack)

        if skip != .noSkip {
            processMatchesAccordingToSkipStrategy(&state, potentialMatches, &newPartialMatches, results: &results)
        } else {
            for match in potentialMatches.elements {
                if let entry = match.previousEntry {
                    if state.buffer.firstPattern(entry, version: match.version, into: &scratch.path, stack: &scratch.search) {
                        results.append(materialize(scratch.path, match: match, buffer: state.buffer))
                    }
                    state.buffer.releaseNode(entry, version: match.version)
                }
            }
        }
        swap(&state.partialMatches, &newPartialMatches)
        scratch.recycle(&newPartialMatches)
        potentialMatches.removeAll()
        swap(&potentialMatches, &scratch.potentialMatches)
    }

    /// `true` when every partial match of `state` is in a quiet state: an event that
    /// is not relevant (`isRelevant`) would leave all of them exactly as they are.
    public func isQuiet(_ state: borrowing MatcherState) -> Bool {
        guard state.completedMatches.isEmpty else { return false }
        for computation in state.partialMatches.elements where !quiet[computation.state] { return false }
        return true
    }

    /// `false` only when the event (its tape) satisfies no step's condition, decided
    /// from one field: every step's `where` starts with `FIELD == "text"` on the same
    /// field and the event's field holds none of the texts (`type` is "download" for a
    /// rule about logins and payments). Then `isRelevant` and `canStart` are false too,
    /// without evaluating any condition. `true` means "maybe".
    public func admits(_ tape: TapeView) -> Bool {
        guard let admissionPath else { return true }
        guard let index = tape.path(admissionPath), tape[index].kind == .string else { return false }
        for text in admissionTexts.items where tape.string(at: index, equals: text.bytes) { return true }
        return false
    }

    /// `false` when `event` satisfies no step's `where` or `until`: for a key whose
    /// partial matches are all quiet (`isQuiet`) the runtime then skips the step
    /// altogether. Conditions it evaluates are kept in `conditions` for `process`. A type
    /// error, or a condition that can only be decided per partial match, makes the
    /// event relevant.
    public func isRelevant(_ event: Event, key: Value, conditions: inout EventConditionCache) -> Bool {
        let scope = EvaluationScope(event: event, key: key)
        for step in 0..<stepCount {
            if decidesTrue(conditions: &conditions, step: step, until: false, scope) { return true }
            if untils[step] != nil, decidesTrue(conditions: &conditions, step: step, until: true, scope) { return true }
        }
        return false
    }

    /// Whether the condition may hold for some partial match (caching what it learns).
    private func decidesTrue(conditions cache: inout EventConditionCache, step: Int, until: Bool, _ scope: EvaluationScope) -> Bool {
        guard let condition = until ? untils[step] : conditions[step] else { return !until }
        let expression = condition.expression
        if !expression.referencesSteps {
            if let cached = cache.cached(step: step, until: until) { return cached }
            switch expression.test(scope) {
            case .matched:
                cache.store(step: step, until: until, true)
                return true
            case .notMatched:
                cache.store(step: step, until: until, false)
                return false
            case .typeError:
                return true  // evaluated (and counted) again where it matters
            }
        }
        if let cached = cache.cachedPrefilter(step: step, until: until) { return cached }
        guard let outcome = expression.testPrefilter(scope) else { return true }
        let passes = outcome != .notMatched
        cache.storePrefilter(step: step, until: until, passes)
        return passes
    }

    /// What the runtime keeps about a key after each step, read in one access (an
    /// `inout` access does not copy the state): the earliest window end, whether every
    /// partial match is quiet, and whether nothing is left at all.
    public func summarize(_ state: inout MatcherState) -> (windowEnd: Int64?, quiet: Bool, idle: Bool, partialMatches: Int) {
        // One pass over the queue, reading fields in place (no partial match is copied).
        var live = 0
        var quiet = state.completedMatches.isEmpty
        state.partialMatches.elements.withUnsafeBufferPointer { elements in
            for index in elements.indices {
                if elements[index].startEvent != nil { live += 1 }
                if !self.quiet[elements[index].state] { quiet = false }
            }
        }
        return (state.nextWindowEnd(window: nfa.window), quiet, live == 0 && state.completedMatches.isEmpty, live)
    }

    // MARK: advanceTime

    /// Closes every partial match whose window ends at or before `timestamp`: pending
    /// absent-at-end matches complete, the others time out (reported when the rule
    /// says `on_timeout: alert`).
    public func advanceTime(
        _ state: inout MatcherState, to timestamp: Int64,
        results: inout [MatchResult], stats: inout MatcherStats
    ) {
        guard let window = nfa.window, window > 0 else { return }
        var newPartialMatches = FlinkPriorityQueue()
        var potentialMatches = FlinkPriorityQueue()
        var timeouts: [MatchResult] = []
        for computation in state.partialMatches.elements {
            let kind = table.kinds[computation.state]
            let (elapsed, overflow) = timestamp.subtractingReportingOverflow(computation.startTimestamp)
            let timedOut = kind != .start && (overflow || elapsed >= window)
            if timedOut {
                if kind == .pending {
                    potentialMatches.add(computation)
                    continue
                }
                if let entry = computation.previousEntry {
                    if handleTimeout {
                        let paths = state.buffer.extractPatterns(entry, version: computation.version)
                        if let path = paths.first {
                            var result = materialize(path, match: computation, buffer: state.buffer)
                            result.kind = .timeout
                            result.end = computation.startTimestamp &+ window
                            timeouts.append(result)
                        }
                    }
                    state.buffer.releaseNode(entry, version: computation.version)
                }
            } else {
                newPartialMatches.add(computation)
            }
        }
        processMatchesAccordingToSkipStrategy(&state, potentialMatches, &newPartialMatches, results: &results)
        state.partialMatches = newPartialMatches
        results.append(contentsOf: timeouts)
    }

    /// Drops every partial and held match of `state` (rule change), releasing buffer
    /// entries. Returns how many partial matches were discarded.
    public func discardAll(_ state: inout MatcherState) -> Int {
        let count = state.partialMatchCount + state.completedMatches.count
        state = MatcherState(matcher: self)
        return count
    }

    // MARK: internals

    private func processMatchesAccordingToSkipStrategy(
        _ state: inout MatcherState,
        _ potentialMatches: FlinkPriorityQueue,
        _ partialMatches: inout FlinkPriorityQueue,
        results: inout [MatchResult]
    ) {
        for match in potentialMatches.elements { state.completedMatches.add(match) }
        while let earliest = state.completedMatches.first {
            if let earliestPartial = partialMatches.first, ComputationState.compare(earliest, earliestPartial) > 0 {
                break
            }
            _ = state.completedMatches.poll()
            guard let entry = earliest.previousEntry else { continue }
            let paths = state.buffer.extractPatterns(entry, version: earliest.version)
            // When the skip prunes every partial and held match that holds an entry,
            // nothing will follow any edge of the buffer again once this match is read:
            // the buffer is emptied at once instead of releasing each pruned chain edge
            // by edge (a hot key's chains are long and its nodes have many edges).
            var emptyBuffer = false
            if let pruningId = pruningId(paths, buffer: state.buffer) {
                if prunesEveryEntry(partialMatches, pruningId) && prunesEveryEntry(state.completedMatches, pruningId) {
                    emptyBuffer = true
                    prune(&partialMatches, pruningId, buffer: nil)
                    prune(&state.completedMatches, pruningId, buffer: nil)
                } else {
                    prune(&partialMatches, pruningId, buffer: &state.buffer)
                    prune(&state.completedMatches, pruningId, buffer: &state.buffer)
                }
            }
            if let path = paths.first {
                results.append(materialize(path, match: earliest, buffer: state.buffer))
            }
            if emptyBuffer {
                state.buffer.removeAll()
            } else {
                state.buffer.releaseNode(entry, version: earliest.version)
            }
        }
    }

    /// Whether pruning with `pruningId` removes every element of `queue` that holds a
    /// shared-buffer entry.
    private func prunesEveryEntry(_ queue: FlinkPriorityQueue, _ pruningId: EventKey) -> Bool {
        let inclusive = pruneIsInclusive
        for state in queue.elements where state.previousEntry != nil {
            guard let start = state.startEvent else { return false }
            if !(inclusive ? start <= pruningId : start < pruningId) { return false }
        }
        return true
    }

    private var pruneIsInclusive: Bool {
        switch skip {
        case .toFirst, .toLast: return false
        default: return true
        }
    }

    private func pruningId(_ paths: [[Int32]], buffer: SharedBuffer) -> EventKey? {
        var result: EventKey?
        func maxOf(_ a: EventKey?, _ b: EventKey) -> EventKey { a.map { Swift.max($0, b) } ?? b }
        func minOf(_ a: EventKey?, _ b: EventKey) -> EventKey { a.map { Swift.min($0, b) } ?? b }
        for path in paths {
            switch skip {
            case .noSkip:
                return nil
            case .toNext:
                // the first event of every step's list: overall, the earliest event
                for node in path { result = minOf(result, buffer.eventKey(at: node)) }
            case .pastLastEvent:
                // the last event of every step's list: overall, the latest event
                for node in path { result = maxOf(result, buffer.eventKey(at: node)) }
            case .toFirst:
                if let first = path.first(where: { buffer.step(at: $0) == skipStep }) { result = maxOf(result, buffer.eventKey(at: first)) }
            case .toLast:
                if let last = path.last(where: { buffer.step(at: $0) == skipStep }) { result = maxOf(result, buffer.eventKey(at: last)) }
            }
        }
        return result
    }

    /// Removes the elements of `queue` the skip prunes, releasing their entries in
    /// `buffer` (none when `buffer` is nil: the caller empties it).
    private func prune(_ queue: inout FlinkPriorityQueue, _ pruningId: EventKey, buffer: UnsafeMutablePointer<SharedBuffer>?) {
        let inclusive = pruneIsInclusive
        func shouldPrune(_ state: ComputationState) -> Bool {
            guard let start = state.startEvent else { return false }
            return inclusive ? start <= pruningId : start < pruningId
        }
        if let buffer {
            for state in queue.elements where shouldPrune(state) {
                if let entry = state.previousEntry { buffer.pointee.releaseNode(entry, version: state.version) }
            }
        }
        queue.removeAll(where: shouldPrune)
    }

    private func materialize(_ path: [Int32], match: ComputationState, buffer: SharedBuffer) -> MatchResult {
        var events = Array(repeating: [Event](), count: stepCount)
        var end = Int64.min
        for node in path {
            if let event = buffer.event(at: node) {
                events[buffer.step(at: node)].append(event)
                end = Swift.max(end, event.timestamp)
            }
        }
        if nfa.states[match.state].kind == .pending, let window = nfa.window {
            end = match.startTimestamp &+ window
        }
        return MatchResult(kind: .match, events: events, start: match.startTimestamp, end: end)
    }
}
