import CepheusCore
import CepheusMatcher
import CepheusState

extension RuntimeEngine {
    /// States held compacted (encoded in memory) now, over all rules.
    public var compactedStateCount: Int { slots.reduce(0) { $0 + $1.compacted.count } }

    /// Called every 256 dispatches (fewer under a small limit): compacts cold states
    /// once more are live than `hotStateLimit` and than twice what the last sweep kept
    /// (so a sweep's cost is paid for by at least as many new or reloaded states).
    func checkCompaction() {
        guard hotStateLimit > 0 else { return }
        if residentStateCount > max(hotStateLimit, nextCompactionFloor) { compactColdStates() }
    }

    /// Compacts every state not touched since the last sweep (CLOCK: a touch sets the
    /// state's reference bit, a sweep clears it) into its rule's `CompactStateTable`:
    /// its encoding replaces the live object, and its timer becomes a wake-up. States
    /// changed since the last checkpoint wait until it is taken. Returns how many were
    /// compacted.
    /// `everything`: every state that is not dirty, touched or not (tests).
    @discardableResult
    public func compactColdStates(everything: Bool = false) -> Int {
        var scratch: [UInt8] = []
        var compacted = 0
        var kept = 0
        for slot in slots {
            var victims: [KeyState] = []
            for index in 0..<slot.states.capacity {
                guard let state = slot.states.state(atSlot: index) else { continue }
                if state.dirty || state.partialMatches > Self.mostCompactedPartialMatches {
                    kept += 1
                } else if state.referenced && !everything {
                    state.referenced = false
                    kept += 1
                } else {
                    victims.append(state)
                }
            }
            for state in victims {
                let bytes = state.encoded(json: &scratch)
                guard bytes.count <= Self.largestCompactedState else {
                    kept += 1
                    continue
                }
                compacted += 1
                slot.states.remove(state)
                slot.compacted.insert(hash: state.hash, state: bytes, persisted: state.persisted)
                slot.compactedPartialMatches += state.partialMatches
                if let due = state.scheduledTimer {
                    slot.wakeUps.insert(time: due, hash: state.hash)
                    if compactedWakeUpMin == nil || due < compactedWakeUpMin! { compactedWakeUpMin = due }
                }
                // No longer the key's state: its queued timer is dropped below, and what
                // it held is freed now.
                state.evicted = true
                state.matcher = .empty
            }
        }
        if compacted > 0 { timers.removeEvicted() }
        counters.statesCompacted += compacted
        nextCompactionFloor = 2 * kept
        return compacted
    }

    /// States larger than this stay live (a hot key with thousands of partial matches
    /// is not cold for long, and decoding it costs more than it saves); so do states
    /// with more partial matches than `mostCompactedPartialMatches`, without being
    /// encoded to find out.
    static let largestCompactedState = 1 << 20
    static let mostCompactedPartialMatches = 1024

    /// Decodes the compacted state of the key `probe` stands for, if `slot` holds one,
    /// and makes it live again.
    func inflateCompacted(_ slot: RuleSlot, probe: KeyProbe) -> KeyState? {
        let found = slot.compacted.find(probe.hash) { bytes in
            guard let key = try? KeyState.peek(Array(bytes)).key else { return false }
            return probe.matches(key: key)
        }
        guard let found else { return nil }
        return inflate(slot, hash: probe.hash, at: found)
    }

    /// Makes the compacted state at `location` live again: back in the rule's table,
    /// its timer queued.
    @discardableResult
    func inflate(_ slot: RuleSlot, hash: UInt64, at location: CompactStateTable.Location) -> KeyState? {
        // It was encoded by this process: a failure would be a bug, reported, and the
        // bytes stay where they are.
        guard let state = decodeState(slot.compacted.state(at: location), or: "compacted state of rule \(slot.rule.id) does not decode")
        else { return nil }
        slot.compacted.remove(hash: hash, at: location)
        state.persisted = location.persisted
        slot.compactedPartialMatches -= state.partialMatches
        makeLive(state, in: slot)
        counters.statesInflated += 1
        return state
    }

    /// Makes live up to about `limit` compacted states whose timers are due at `time`,
    /// earliest first per rule (their timers then fire with the live ones'). Leaves
    /// `compactedWakeUpMin` at the next wake-up.
    func wakeCompactedStates(through time: Int64, limit: Int) {
        var woken = 0
        for slot in slots {
            while woken < limit, let (_, hash) = slot.wakeUps.popFirst(through: time) {
                // A stale wake-up (the state was live since, and may be compacted again
                // with a later timer) finds nothing due.
                while let location = slot.compacted.find(hash, { bytes in
                    guard let peeked = try? KeyState.peek(Array(bytes)), let timer = peeked.timer else { return false }
                    return timer <= time
                }) {
                    guard inflate(slot, hash: hash, at: location) != nil else { break }
                    woken += 1
                }
            }
        }
        compactedWakeUpMin = slots.compactMap(\.wakeUps.firstTime).min()
    }

    /// Adds every compacted state to `batch` as it is (it is already in the store
    /// encoding), marking each persisted. Returns the bytes added.
    func writeCompactedStates(
        into batch: inout StateBatch, drainBytes: Int, drain: (inout StateBatch) throws -> Void
    ) rethrows -> (states: Int, bytes: Int) {
        var written = (states: 0, bytes: 0)
        for slot in slots {
            for (hash, location) in slot.compacted.allRecords {
                let bytes = slot.compacted.state(at: location)
                guard let key = try? KeyState.peek(bytes).key else { continue }
                batch.put(StateKey.keyState(group: StableHash.keyGroup(of: key), rule: slot.rule.id, canonicalKey: key.canonicalJSONString), bytes)
                slot.compacted.markPersisted(hash: hash, at: location)
                written.states += 1
                written.bytes += bytes.count
                if batch.byteCount > drainBytes { try drain(&batch) }
            }
        }
        return written
    }

    /// Spills up to `count` compacted states to the store (they are encoded already),
    /// with their timers' wake-ups. Returns how many went.
    func spillCompactedStates(_ count: Int) -> Int {
        guard let store, count > 0 else { return 0 }
        var batch = StateBatch()
        for key in deletedStateKeys { batch.delete(key) }
        var moved: [(slot: RuleSlot, hash: UInt64, location: CompactStateTable.Location, timer: Int64?, partialMatches: Int)] = []
        outer: for slot in slots where slot.compacted.count > 0 {
            for (hash, location) in slot.compacted.allRecords {
                if moved.count >= count { break outer }
                let bytes = slot.compacted.state(at: location)
                guard let (key, timer, partialMatches) = try? KeyState.peek(bytes) else { continue }
                let storeKey = StateKey.keyState(group: StableHash.keyGroup(of: key), rule: slot.rule.id, canonicalKey: key.canonicalJSONString)
                batch.put(storeKey, bytes)
                if let timer { batch.put(StateKey.timer(time: timer, stateKey: storeKey), []) }
                moved.append((slot, hash, location, timer, partialMatches))
            }
        }
        guard !moved.isEmpty else { return 0 }
        do {
            try store.write(batch)
        } catch {
            onDiagnostic("cannot spill \(moved.count) compacted states to the store (they stay in memory): \(error)")
            return 0
        }
        deletedStateKeys.removeAll(keepingCapacity: true)
        for entry in moved {
            entry.slot.compacted.remove(hash: entry.hash, at: entry.location, relocating: false)
            entry.slot.compactedPartialMatches -= entry.partialMatches
            entry.slot.spilled.insert(entry.hash)
            entry.slot.spilledPartialMatches += entry.partialMatches
            if let due = entry.timer {
                if spilledTimerMin == nil || due < spilledTimerMin! { spilledTimerMin = due }
                timerScanStart = nil
            }
        }
        for slot in slots { slot.compacted.relocateSparseChunks() }
        counters.statesSpilled += moved.count
        // Their wake-ups here are stale now (nothing compacted is found for them).
        return moved.count
    }
}
