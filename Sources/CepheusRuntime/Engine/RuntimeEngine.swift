import CepheusCore
import CepheusMatcher
import CepheusRules
import CepheusState

/// The keyed event-time operator that `replay` and the daemon share: it consumes the
/// ordered record stream (events, control records, watermark advances), holds on-time
/// events in a reorder buffer until the watermark passes them, feeds them in
/// (timestamp, arrival) order to every rule's matcher under that rule's key, closes
/// windows as the watermark moves, and turns matches into alerts.
///
/// Not thread-safe: one engine belongs to one worker.
public final class RuntimeEngine {
    public internal(set) var counters = RuntimeCounters()
    /// The current watermark (`Int64.min` before the first advance).
    public internal(set) var watermark: Int64 = .min
    /// With several workers: this engine owns the (rule, key) states whose key group
    /// (`StableHash.keyGroup`, 128 groups) modulo `count` is `index`, and ignores the
    /// others. Events without a key are counted by shard 0 only.
    public var shard: (index: Int, count: Int)?
    /// Messages about rejected control records and other non-fatal problems.
    public var onDiagnostic: (String) -> Void = { _ in }

    var slots: [RuleSlot] = []
    /// Compile every installed rule's expressions again for this engine alone
    /// (`Rule.withPrivateExpressions`): set on each engine but one when several run on
    /// their own threads with the same rules, so no two cores update one reference count.
    public var privateExpressions = false
    var slotIndex: [String: Int] = [:]
    var versionCounters: [String: Int] = [:]
    var reorderBuffer = ReorderBuffer()
    var timers = TimerQueue()
    /// When set, the processing time of every event (its dispatch to every rule, in
    /// nanoseconds) is recorded here (`cepheus bench`).
    public var dispatchLatency: LatencyHistogram?
    /// Set while a `KeyRouter` counts the rules each event has no key for where the
    /// event is parsed (`key_skipped`): the engine then does not count them at dispatch.
    var keySkipsCountedUpstream = false
    /// Set while the slots are exactly the rule set events are routed by (`Event.routing`):
    /// a rule whose key another worker owns is then skipped without computing the key.
    var slotsMatchRouting = false
    /// Set when checkpoints are taken: states touched since the last one are listed in
    /// `dirtyStates`, and removed ones that the store holds in `deletedStateKeys`.
    var tracksChanges = false
    var dirtyStates: [(slot: RuleSlot, state: KeyState)] = []
    /// `dirtyStates.count` after its last compaction.
    var forgottenCompactionBase = 0
    var deletedStateKeys: [[UInt8]] = []
    /// A rule's states were discarded (rule deleted or its matching part changed): the
    /// next checkpoint rewrites every state instead of only the dirty ones.
    var writeAllStates = false
    /// The states were loaded from the store (which holds them already).
    var restoredFromStore = false
    /// Where states spill and checkpoints go (`attach(store:memoryLimit:)`).
    var store: (any StateStore)?
    /// Spill states when the heap passes this many bytes (`nil`: never).
    var memoryLimit: Int?
    /// Dispatches since the heap was last checked against `memoryLimit`.
    var dispatchesSinceMemoryCheck = 0
    /// The eviction sweep's position: slot, then table slot.
    var evictionHand = (slot: 0, index: 0)
    /// The earliest stored wake-up of a spilled state's timer.
    var spilledTimerMin: Int64?
    /// Where the next scan of stored wake-ups starts (`nil`: at the first).
    var timerScanStart: [UInt8]?
    /// Working storage for decoding spilled states.
    var spillParser = TapeParser()
    /// Cold states are compacted (kept encoded in memory) once more than this many are
    /// live (`compactColdStates`); 0 = never.
    public var hotStateLimit = RuntimeEngine.defaultHotStateLimit {
        didSet { compactionCheckInterval = max(1, min(256, hotStateLimit)) }
    }
    /// Compact every state before each dispatch (tests: every state then goes through
    /// its encoding between any two events).
    public var compactsBeforeEveryDispatch = false
    /// Dispatches between two counts of the live states (fewer than the limit).
    var compactionCheckInterval = 256
    /// `hotStateLimit` unless set otherwise.
    public static let defaultHotStateLimit = 16_384
    /// Twice the states the last compaction sweep kept live: the next waits for more.
    var nextCompactionFloor = 0
    /// Dispatches since live states were last counted against `hotStateLimit`.
    var dispatchesSinceCompactionCheck = 0
    /// The earliest wake-up of a compacted state's timer.
    var compactedWakeUpMin: Int64?
    /// How long a key holding only a throttle is kept after its last alert
    /// (`state.ttl`); `nil` = auto, twice the longest `within`.
    public var stateTTL: Int64? {
        didSet { assignKeyCacheIndices() }
    }
    var effectiveTTL: Int64 = 0
    /// Working storage for the matchers (one engine runs on one thread).
    private let scratch = MatcherScratch()
    private let emit: (Alert) -> Void

    /// An engine running `rules` (each at version 1), sending alerts to `emit`.
    public init(rules: [Rule], emit: @escaping (Alert) -> Void) {
        self.emit = emit
        for rule in rules { install(rule) }
    }

    /// Loaded rules (slots), in load order.
    var slotCount: Int { slots.count }

    /// Rule ids with their versions, in load order.
    public var ruleVersions: [(id: String, version: Int)] {
        slots.map { ($0.rule.id, $0.version) }
    }

    /// Per rule: partial-match steps taken, live partial matches, keys with state.
    public var ruleStatistics: [RuleStatistics] {
        slots.map {
            RuleStatistics(
                id: $0.rule.id, steps: $0.stats.steps, partialMatches: $0.partialMatchCount,
                keys: $0.states.count + $0.spilled.count + $0.compacted.count,
                droppedPartialMatches: $0.stats.droppedPartialMatches)
        }
    }

    /// Live partial matches over all rules and keys.
    public var partialMatchCount: Int { slots.reduce(0) { $0 + $1.partialMatchCount } }

    /// Consumes one record of the input stream.
    public func consume(_ record: InputRecord) {
        switch record {
        case .event(let event):
            counters.events += 1
            reorderBuffer.insert(event)
        case .control(let control, let position):
            apply(control, at: position)
            syncMatcherCounters()
        case .watermark(let time):
            advance(to: time)
        }
    }


    // MARK: time

    private func advance(to time: Int64) {
        guard time > watermark else { return }
        watermark = time
        // Most advances release nothing (the watermark moves with almost every event):
        // those cost three comparisons.
        if !reorderBuffer.hasDue(through: time) && !timers.hasDue(through: time)
            && (spilledTimerMin.map { $0 > time } ?? true) && (compactedWakeUpMin.map { $0 > time } ?? true)
        {
            return
        }
        if dispatchLatency != nil {
            while let next = reorderBuffer.popFirst(through: time) {
                let started = MonotonicClock.nanoseconds()
                dispatch(next)
                dispatchLatency!.record(MonotonicClock.nanoseconds() &- started)
            }
        } else {
            while let next = reorderBuffer.popFirst(through: time) {
                dispatch(next)
            }
        }
        // Spilled states whose timers are due load in rounds, each round's timers firing
        // before the next loads, so a window closing over millions of spilled keys
        // stays within the memory limit.
        // Compacted states whose timers are due are made live in rounds too.
        timerScanStart = nil
        repeat {
            if let due = spilledTimerMin, due <= time { wakeSpilledTimers(through: time, limit: 4096) }
            if let due = compactedWakeUpMin, due <= time { wakeCompactedStates(through: time, limit: 4096) }
            fireTimers(through: time)
        } while (spilledTimerMin.map { $0 <= time } ?? false) || (compactedWakeUpMin.map { $0 <= time } ?? false)
        syncMatcherCounters()
    }

    private func fireTimers(through time: Int64) {
        var fired = 0
        while let timer = timers.popFirst(through: time) {
            if memoryLimit != nil {
                fired += 1
                if fired & 4095 == 0 { enforceMemoryLimit() }
            }
            guard timer.state.scheduledTimer == timer.time else { continue }
            timer.state.scheduledTimer = nil
            // A new version of the rule may have taken the key state over.
            guard let slot = timer.slot.current else { continue }
            guard slot.enabled, slot.states.contains(timer.state) else { continue }
            timer.state.referenced = true
            var results: [MatchResult] = []
            slot.matcher.advanceTime(&timer.state.matcher, to: time, results: &results, stats: &slot.stats)
            deliver(results, slot: slot, state: timer.state)
            settle(slot, timer.state, now: time)
        }
    }

    private func dispatch(_ event: Event) {
        keyEpoch += 1
        if memoryLimit != nil {
            dispatchesSinceMemoryCheck += 1
            if dispatchesSinceMemoryCheck >= 4096 {
                dispatchesSinceMemoryCheck = 0
                enforceMemoryLimit()
            }
        }
        if compactsBeforeEveryDispatch { compactColdStates(everything: true) }
        dispatchesSinceCompactionCheck += 1
        if dispatchesSinceCompactionCheck >= compactionCheckInterval {
            dispatchesSinceCompactionCheck = 0
            checkCompaction()
        }
        // The tape stays lent for the whole dispatch: key probes point into it.
        let routing = slotsMatchRouting ? event.routing : .max
        // The slots are read unretained: a dispatch never changes the rule set, and the
        // array holds them (no reference count to update per rule and event).
        event.withTape { tape in
            slots.withUnsafeBufferPointer { slots in
                if routing != .max, let shard {
                    for index in slots.indices {
                        // The key's owner is another worker, or there is no key (counted
                        // where the event was parsed): nothing to do here.
                        guard Int((routing >> UInt64(4 * index)) & 0xF) == shard.index else { continue }
                        Unmanaged.passUnretained(slots[index])._withUnsafeGuaranteedRef { slot in
                            if slot.enabled { dispatch(event, tape: tape, to: slot, routedHere: true) }
                        }
                    }
                } else {
                    for index in slots.indices {
                        Unmanaged.passUnretained(slots[index])._withUnsafeGuaranteedRef { slot in
                            if slot.enabled { dispatch(event, tape: tape, to: slot) }
                        }
                    }
                }
            }
        }
    }

    /// `routedHere`: where the event was parsed, this rule's key was found to belong to
    /// this engine's shard (its key group is not computed again).
    private func dispatch(_ event: Event, tape: TapeView, to slot: RuleSlot, routedHere: Bool = false) {
        let cacheIndex = slot.keyCacheIndex
        if keyCache[cacheIndex].epoch != keyEpoch {
            var entry = KeyCacheEntry(epoch: keyEpoch)
            entry.probe = slot.keyExtractor.probe(of: event, tape: tape)
            if !routedHere, let shard, let probe = entry.probe { entry.owned = probe.keyGroup % shard.count == shard.index }
            keyCache[cacheIndex] = entry
        }
        guard let probe = keyCache[cacheIndex].probe else {
            if !keySkipsCountedUpstream && (shard == nil || shard!.index == 0) { counters.keySkipped += 1 }
            return
        }
        guard keyCache[cacheIndex].owned else { return }
        var conditions = EventConditionCache()
        // One field read can rule the event out for every step of the rule.
        let admitted = slot.matcher.admits(tape)
        let state: KeyState
        if let existing = slot.states.find(probe.hash, { probe.matches($0) })
            ?? (slot.compacted.count > 0 ? inflateCompacted(slot, probe: probe) : nil)
            ?? (slot.spilled.count > 0 && slot.spilled.contains(probe.hash) ? loadSpilled(slot, key: probe.materialize(), hash: probe.hash) : nil)
        {
            state = existing
            state.referenced = true
            // An event no step can take changes nothing for partial matches that
            // wait in quiet states (Flink would re-add each one unchanged).
            if state.quiet && (!admitted || !slot.matcher.isRelevant(event, key: state.key, conditions: &conditions)) {
                if let due = state.windowEnd, due <= event.timestamp {
                    // Windows still close in order before later events of the key.
                } else {
                    return
                }
            }
        } else {
            // Most events start nothing: a key without state stays without state.
            guard admitted else { return }
            let key = probe.materialize()
            guard slot.matcher.canStart(event, key: key, stats: &slot.stats, conditions: conditions) else { return }
            state = KeyState(key: key, hash: probe.hash, matcher: MatcherState(matcher: slot.matcher))
            // On probation: a key not seen again before the next sweep is compacted by
            // it (a key explosion's keys are seen once).
            state.referenced = false
            slot.states.insert(state)
        }
        var results: [MatchResult] = []
        if let due = state.windowEnd, due <= event.timestamp {
            slot.matcher.advanceTime(&state.matcher, to: event.timestamp, results: &results, stats: &slot.stats)
        }
        slot.matcher.process(
            &state.matcher, event: event, key: state.key, results: &results, stats: &slot.stats, conditions: conditions,
            scratch: scratch)
        deliver(results, slot: slot, state: state)
        settle(slot, state, now: event.timestamp)
    }

    /// After a key was touched at event time `now`: queue its next window end, or
    /// forget an idle key (one that holds only a throttle once `state.ttl` has passed
    /// since its last alert, counted as expired).
    private func settle(_ slot: RuleSlot, _ state: KeyState, now: Int64) {
        if tracksChanges && !state.dirty {
            state.dirty = true
            dirtyStates.append((slot, state))
        }
        let summary = slot.matcher.summarize(&state.matcher)
        state.partialMatches = summary.partialMatches
        state.quiet = summary.quiet
        state.windowEnd = summary.windowEnd
        if let due = summary.windowEnd {
            // An earlier timer stays: when it fires it finds nothing due yet and queues
            // the next one. Window ends only move later, so this keeps the queue short.
            if state.scheduledTimer == nil || due < state.scheduledTimer! {
                state.scheduledTimer = due
                timers.insert(TimerQueue.Timer(time: due, slot: slot, state: state))
            }
        } else if summary.idle {
            if let last = state.lastAlertEnd {
                // Only the throttle is left: it dies `throttle` after the last alert
                // (events are dispatched in time order, so no later alert can end
                // earlier), and the key goes `state.ttl` after that alert at the latest.
                let (expiry, overflow) = last.addingReportingOverflow(max(slot.throttle ?? 0, effectiveTTL))
                if !overflow && expiry <= now {
                    forget(slot, state)
                    counters.keysExpired += 1
                } else if !overflow && state.scheduledTimer != expiry {
                    state.scheduledTimer = expiry
                    timers.insert(TimerQueue.Timer(time: expiry, slot: slot, state: state))
                } else if overflow {
                    state.scheduledTimer = nil
                }
            } else {
                state.scheduledTimer = nil
                forget(slot, state)
            }
        } else {
            state.scheduledTimer = nil
        }
    }

    /// Removes a key's state (and, at the next checkpoint, its stored copy).
    private func forget(_ slot: RuleSlot, _ state: KeyState) {
        state.scheduledTimer = nil
        slot.states.remove(state)
        state.forgotten = true
        // The object may live on in the timer queue until its last timer comes due
        // (minutes of event time): what it held is freed now. (Keeping it measured 115
        // against 55 MB peak RSS on P1.)
        state.matcher = .empty
        // The change list must not keep forgotten states alive until the next
        // checkpoint: compacted once it is mostly garbage.
        if dirtyStates.count > 4096 && dirtyStates.count > 2 * forgottenCompactionBase {
            dirtyStates.removeAll { $0.state.forgotten || $0.state.evicted }
            forgottenCompactionBase = dirtyStates.count
        }
        if state.persisted {
            deletedStateKeys.append(stateKey(slot, state))
            state.persisted = false
        }
    }

    /// Measures the per-key state this engine holds now.
    public func stateFootprint() -> StateFootprint {
        var footprint = StateFootprint()
        var events = Set<ObjectIdentifier>()
        for slot in slots {
            // The table: one (HashedKey, KeyState) entry per bucket.
            footprint.stateBytes += slot.states.capacity * (MemoryLayout<UInt64>.stride + MemoryLayout<KeyState?>.stride)
            for state in slot.states.values {
                footprint.keys += 1
                footprint.partialMatches += state.matcher.partialMatchCount
                footprint.stateBytes += AllocationSize.of(state, estimate: 128)
                footprint.stateBytes += state.matcher.footprint(events: &events, eventBytes: &footprint.eventBytes)
            }
            // Compacted states: their encoding holds their events.
            footprint.keys += slot.compacted.count
            footprint.partialMatches += slot.compactedPartialMatches
            footprint.stateBytes += slot.compacted.bytes + slot.wakeUps.bytes
            footprint.compactedKeys += slot.compacted.count
            footprint.compactedBytes += slot.compacted.bytes + slot.wakeUps.bytes
        }
        footprint.events = events.count
        return footprint
    }

    func syncMatcherCounters() {
        var dropped = 0, typeErrors = 0
        for slot in slots {
            dropped += slot.stats.droppedPartialMatches
            typeErrors += slot.stats.conditionTypeErrors
        }
        counters.partialMatchesDropped = dropped + retiredDropped
        counters.typeErrors = typeErrors + retiredTypeErrors + alertTypeErrors
    }

    var keyCacheIndices: [String: Int] = [:]
    var keyCache: [KeyCacheEntry] = []
    private var keyEpoch: Int64 = 0
    var retiredDropped = 0
    var retiredTypeErrors = 0
    var alertTypeErrors = 0

    // MARK: alerts

    private func deliver(_ results: [MatchResult], slot: RuleSlot, state: KeyState) {
        for result in results {
            if let throttle = slot.throttle, let last = state.lastAlertEnd {
                let (distance, overflow) = result.end.subtractingReportingOverflow(last)
                if !overflow && distance < throttle {
                    counters.throttled += 1
                    continue
                }
            }
            if slot.throttle != nil { state.lastAlertEnd = result.end }
            let alert = makeAlert(result, slot: slot, state: state)
            counters.alerts += 1
            emit(alert)
        }
    }

    private func makeAlert(_ result: MatchResult, slot: RuleSlot, state: KeyState) -> Alert {
        let rule = slot.rule
        var steps: [(String, [Event])] = []
        for (index, step) in rule.pattern.enumerated() where !result.events[index].isEmpty {
            steps.append((step.name, result.events[index]))
        }
        let kind: Alert.Kind = result.kind == .timeout ? .timeout : .match
        let id = AlertIdentity.id(rule: rule.id, version: slot.version, kind: kind.rawValue, canonicalKey: state.canonicalKey, steps: steps)
        // The scope (and its step lists) only for a rule whose title or fields need it.
        let needsScope = rule.alert.title != nil || !rule.alert.fields.isEmpty
        let scope = needsScope
            ? EvaluationScope(event: result.lastEvent, key: state.key, steps: MatchedStepLists(result.events))
            : EvaluationScope(event: nil, key: .null)
        let title: String
        if let template = rule.alert.title {
            let rendered = template.render(scope)
            alertTypeErrors += rendered.typeErrors
            title = rendered.text
        } else {
            title = rule.description ?? rule.id
        }
        var fields: [(String, Value)] = []
        for (name, expression) in rule.alert.fields {
            do {
                fields.append((name, try expression.evaluate(scope)))
            } catch {
                alertTypeErrors += 1
                fields.append((name, .null))
            }
        }
        return Alert(
            id: id, rule: rule.id, ruleVersion: slot.version, kind: kind, key: state.key,
            severity: rule.severity.rawValue, labels: rule.labels, title: title, fields: fields,
            start: result.start, end: result.end, events: steps, notify: rule.alert.notify)
    }
}
