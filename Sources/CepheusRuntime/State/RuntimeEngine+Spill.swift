import CepheusCore
import CepheusMatcher
import CepheusState

extension RuntimeEngine {
    /// Gives the engine a store: checkpoints write there, and when `memoryLimit` is
    /// set, (rule, key) states spill there whenever the heap passes it (checked every
    /// 4,096 events), coldest first, and load back when their key is seen again or
    /// their timer is due. Spilled states stay exact: nothing is dropped.
    public func attach(store: any StateStore, memoryLimit: Int?) {
        self.store = store
        self.memoryLimit = memoryLimit
    }

    /// States spilled to the store now.
    public var spilledStateCount: Int { slots.reduce(0) { $0 + $1.spilled.count } }

    /// States held in memory now.
    public var residentStateCount: Int { slots.reduce(0) { $0 + $1.states.count } }

    /// Memory the limit is checked against: the heap or the resident set, whichever
    /// is larger (freed memory that the allocator keeps counts too, so the resident set
    /// stays near the limit).
    static func memoryInUse() -> Int? {
        guard let allocated = HeapUsage.allocatedBytes() else { return nil }
        return max(allocated, HeapUsage.residentBytes() ?? 0)
    }

    /// Checks memory against the limit and spills cold states until it is about three
    /// quarters of it.
    func enforceMemoryLimit() {
        guard let memoryLimit, let allocated = Self.memoryInUse(), allocated > memoryLimit else { return }
        let resident = residentStateCount + compactedStateCount
        guard resident > 0 else { return }
        // Spill the share of states that should bring the heap to 3/4 of the limit,
        // assuming states hold most of it; at least 1/16 of them, so rounds are rare.
        let excess = Double(allocated - memoryLimit * 3 / 4) / Double(allocated)
        let target = max(resident / 16, Int(Double(resident) * min(excess, 0.9)))
        evictColdStates(target)
        HeapUsage.releaseFreedMemory()
    }

    /// Spills up to `count` states that were not touched since the sweep last passed
    /// them (CLOCK, an approximation of least-recently-used). Each is written to the
    /// store with its timer's wake-up, and dropped from memory; its key goes into the
    /// rule's spilled index. Returns how many were spilled.
    @discardableResult
    public func evictColdStates(_ count: Int) -> Int {
        guard store != nil, count > 0, !slots.isEmpty else { return 0 }
        // Compacted states are the coldest, and encoded already: they go first.
        let spilledCompacted = spillCompactedStates(count)
        return spilledCompacted + evictLiveStates(count - spilledCompacted)
    }

    /// `evictColdStates` for live states.
    private func evictLiveStates(_ count: Int) -> Int {
        guard let store, count > 0, !slots.isEmpty else { return 0 }
        var batch = StateBatch()
        // Pending deletions go first: a key that went idle and came back must not have
        // its newly spilled state deleted by the next checkpoint.
        for key in deletedStateKeys { batch.delete(key) }
        var victims: [(RuleSlot, KeyState)] = []
        var scratch: [UInt8] = []
        let totalSlots = slots.reduce(0) { $0 + $1.states.capacity }
        var examined = 0
        // Two full turns at most: the first clears reference bits, the second evicts.
        while victims.count < count && examined < 2 * totalSlots {
            if evictionHand.slot >= slots.count { evictionHand = (0, 0) }
            let slot = slots[evictionHand.slot]
            if evictionHand.index >= slot.states.capacity {
                evictionHand = (evictionHand.slot + 1, 0)
                continue
            }
            examined += 1
            let index = evictionHand.index
            evictionHand.index += 1
            guard let state = slot.states.state(atSlot: index), !state.evicted else { continue }
            if state.referenced {
                state.referenced = false
                continue
            }
            let key = stateKey(slot, state)
            batch.put(key, state.encoded(json: &scratch))
            if let due = state.scheduledTimer { batch.put(StateKey.timer(time: due, stateKey: key), []) }
            // Marked now: the hand's second turn must not pick it again.
            state.evicted = true
            victims.append((slot, state))
        }
        guard !victims.isEmpty else { return 0 }
        do {
            try store.write(batch)
        } catch {
            // Nothing is dropped when the store cannot take the states: they stay
            // in memory, over the limit, and the failure is reported.
            onDiagnostic("cannot spill \(victims.count) states to the store (they stay in memory): \(error)")
            for (_, state) in victims { state.evicted = false }
            return 0
        }
        deletedStateKeys.removeAll(keepingCapacity: true)
        for (slot, state) in victims {
            slot.states.remove(state)
            slot.spilled.insert(state.hash)
            slot.spilledPartialMatches += state.partialMatches
            state.persisted = true
            if let due = state.scheduledTimer {
                if spilledTimerMin == nil || due < spilledTimerMin! { spilledTimerMin = due }
                // A wake-up may now lie before where the next scan would start.
                timerScanStart = nil
            }
        }
        timers.removeEvicted()
        dirtyStates.removeAll { $0.state.evicted }
        counters.statesSpilled += victims.count
        return victims.count
    }

    /// Loads the spilled state of `key` for `slot`, or `nil` when it has none (the
    /// index only said it might).
    func loadSpilled(_ slot: RuleSlot, key: Value, hash: UInt64) -> KeyState? {
        guard let store else { return nil }
        let storeKey = StateKey.keyState(group: StableHash.keyGroup(of: key), rule: slot.rule.id, canonicalKey: key.canonicalJSONString)
        let bytes: [UInt8]
        do {
            guard let stored = try store.get(storeKey) else {
                slot.spilled.remove(hash)
                return nil
            }
            bytes = stored
        } catch {
            onDiagnostic("cannot read the spilled state of rule \(slot.rule.id), key \(key.jsonString): \(error)")
            return nil
        }
        guard let state = decodeState(bytes, or: "spilled state of rule \(slot.rule.id), key \(key.jsonString) is damaged")
        else { return nil }
        slot.spilled.remove(hash)
        slot.spilledPartialMatches -= state.partialMatches
        makeLive(state, in: slot)
        if let due = state.scheduledTimer {
            var batch = StateBatch()
            batch.delete(StateKey.timer(time: due, stateKey: storeKey))
            try? store.write(batch)
        }
        counters.statesLoaded += 1
        return state
    }

    /// Loads up to `limit` spilled states whose timers are due at `time`, earliest
    /// first (their timers then fire with the resident ones). Leaves `spilledTimerMin`
    /// at the next stored wake-up.
    func wakeSpilledTimers(through time: Int64, limit: Int) {
        guard let store else { return }
        var due: [(Int64, [UInt8], [UInt8])] = []
        spilledTimerMin = nil
        // Resume after the wake-ups already taken (their deletions would otherwise be
        // skipped over again and again).
        try? store.scan(prefix: [StateKey.timerPrefix], from: timerScanStart) { key, _ in
            guard let (at, stateKey) = StateKey.parseTimer(key) else { return true }
            if at > time || due.count >= limit {
                spilledTimerMin = at
                return false
            }
            due.append((at, stateKey, key))
            return true
        }
        if let last = due.last { timerScanStart = last.2 + [0] }
        var batch = StateBatch()
        for (_, stateKey, timerKey) in due {
            // Another shard's wake-up (the daemon's workers share one store): its own.
            if let (group, _, _) = StateKey.parseKeyState(stateKey), !owns(group: group) { continue }
            batch.delete(timerKey)
            guard let (_, ruleId, canonical) = StateKey.parseKeyState(stateKey),
                  let index = slotIndex[ruleId], let key = try? JSONReader.parse(canonical) else { continue }
            let slot = slots[index]
            let probe = KeyProbe(value: key)
            if slot.states.find(probe.hash, { probe.matches($0) }) != nil { continue }
            guard slot.spilled.contains(probe.hash) else { continue }
            _ = loadSpilled(slot, key: key, hash: probe.hash)
        }
        try? store.write(batch)
    }

    /// A rule's states were discarded (rule deleted, or its matching part changed):
    /// its stored states go too, now, so states the new version spills are not
    /// caught by the deletion later.
    func discardStoredStates(of slot: RuleSlot) {
        guard let store else { return }
        var batch = StateBatch()
        for group in 0..<StableHash.keyGroupCount where owns(group: group) {
            batch.deletePrefix(StateKey.keyGroupPrefix(group) + Array(slot.rule.id.utf8) + [0])
        }
        do {
            try store.write(batch)
        } catch {
            onDiagnostic("cannot delete the stored states of rule \(slot.rule.id): \(error)")
        }
        slot.spilled = SpilledKeyIndex()
        slot.spilledPartialMatches = 0
        // The discarded states must not be written back by the next checkpoint.
        for state in slot.states.values { state.persisted = false }
    }
}

extension RuntimeEngine {
    /// A spilled or compacted state's bytes decoded, or `nil` after reporting
    /// `failure` with the reason.
    func decodeState(_ bytes: [UInt8], or failure: @autoclosure () -> String) -> KeyState? {
        var shared: [Int64: Event] = [:]
        do {
            return try KeyState.decode(bytes, parser: &spillParser, events: &shared)
        } catch {
            onDiagnostic("\(failure()): \(error)")
            return nil
        }
    }

    /// A decoded state back in its rule's table, touched, its timer queued.
    func makeLive(_ state: KeyState, in slot: RuleSlot) {
        slot.states.insert(state)
        state.referenced = true
        if let due = state.scheduledTimer { timers.insert(TimerQueue.Timer(time: due, slot: slot, state: state)) }
    }
}
