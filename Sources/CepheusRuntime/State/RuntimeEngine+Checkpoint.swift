import CepheusCore
import CepheusMatcher
import CepheusRules
import CepheusState

extension RuntimeEngine {
    /// The layout of the engine's metadata record.
    static let metadataVersion: UInt8 = 1
    static let metadataKey = StateKey.metadata("engine")

    /// The store key of a (rule, key) state.
    func stateKey(_ slot: RuleSlot, _ state: KeyState) -> [UInt8] {
        StateKey.keyState(group: state.keyGroup, rule: slot.rule.id, canonicalKey: state.canonicalKey)
    }

    /// Starts listing changed states, for incremental checkpoints. Unless the engine
    /// was just restored from its store, every state held now counts as changed (the
    /// first checkpoint writes them all).
    public func trackChangesForCheckpoints() {
        tracksChanges = true
        writeAllStates = !restoredFromStore
    }

    /// The checkpoint that `writeCheckpoint` filled committed: the changes it wrote are
    /// forgotten. (After a failed one they stay listed, and the next checkpoint writes
    /// them again.)
    public func checkpointCommitted() {
        dirtyStates.removeAll(keepingCapacity: true)
        forgottenCompactionBase = 0
        deletedStateKeys.removeAll(keepingCapacity: true)
        writeAllStates = false
    }

    /// What one checkpoint wrote.
    public struct CheckpointWrite: Sendable {
        public var statesWritten = 0
        public var statesDeleted = 0
        public var bytes = 0
        public var keys = 0
        public var partialMatches = 0

        public init() {}
    }

    /// What of the engine a checkpoint writes.
    public enum CheckpointPart: Sendable {
        /// Everything (one engine).
        case whole
        /// Shard 0 of several: everything, the metadata recording these figures (the
        /// sum over the shards).
        case wholeRecording(Figures)
        /// Another shard: its (rule, key) states only; the reorder buffer and metadata
        /// (the same in every shard, but for the figures) come from shard 0.
        case statesOnly
    }

    /// Adds to `batch` everything the store needs to reproduce this engine, with the
    /// states it already holds (spilled ones): the (rule, key) states changed since the
    /// last committed checkpoint and the deletions of keys that went, the events in the
    /// reorder buffer, and the metadata (watermark, rule set with versions, counters).
    ///
    /// Whenever the batch holds more than `drainBytes`, `drain` is called to write it
    /// out and empty it (the working database needs no atomicity: a checkpoint is taken
    /// only after all of it is written), so a large checkpoint does not hold every
    /// encoded state in memory at once.
    public func writeCheckpoint(
        into batch: inout StateBatch, drainBytes: Int = .max, drain: (inout StateBatch) throws -> Void = { _ in },
        part: CheckpointPart = .whole
    ) rethrows -> CheckpointWrite {
        var report = CheckpointWrite()
        var scratch: [UInt8] = []
        for key in deletedStateKeys { batch.delete(key) }
        report.statesDeleted = deletedStateKeys.count
        if writeAllStates {
            for slot in slots {
                for state in slot.states.values {
                    let bytes = state.encoded(json: &scratch)
                    report.bytes += bytes.count
                    batch.put(stateKey(slot, state), bytes)
                    if batch.byteCount > drainBytes { try drain(&batch) }
                    state.persisted = true
                    state.dirty = false
                    report.statesWritten += 1
                }
            }
            let compacted = try writeCompactedStates(into: &batch, drainBytes: drainBytes, drain: drain)
            report.statesWritten += compacted.states
            report.bytes += compacted.bytes
        } else {
            // Compacted states are never dirty (a changed state is compacted only
            // after the checkpoint that writes it).
            for (slot, state) in dirtyStates {
                state.dirty = false
                guard let current = slot.current, current.states.contains(state) else { continue }
                let bytes = state.encoded(json: &scratch)
                report.bytes += bytes.count
                batch.put(stateKey(current, state), bytes)
                if batch.byteCount > drainBytes { try drain(&batch) }
                state.persisted = true
                report.statesWritten += 1
            }
        }
        switch part {
        case .statesOnly:
            break
        case .whole, .wholeRecording:
            batch.deletePrefix([StateKey.reorderPrefix])
            for event in reorderBuffer.events {
                var writer = ByteWriter(capacity: 128)
                event.encode(into: &writer, json: &scratch)
                batch.put(StateKey.reorderEvent(sequence: event.sequence), writer.bytes)
            }
            if case .wholeRecording(let total) = part {
                let own = figures
                adopt(total)
                batch.put(Self.metadataKey, encodedMetadata())
                adopt(own)
            } else {
                batch.put(Self.metadataKey, encodedMetadata())
            }
        }
        for slot in slots {
            report.keys += slot.states.count + slot.spilled.count + slot.compacted.count
            report.partialMatches += slot.partialMatchCount
        }
        return report
    }

    private func encodedMetadata() -> [UInt8] {
        var writer = ByteWriter(capacity: 1024)
        writer.byte(Self.metadataVersion)
        writer.signed(watermark)
        counters.encode(into: &writer)
        writer.unsigned(slots.count)
        for slot in slots {
            slot.rule.definition.encode(into: &writer)
            writer.string(slot.rule.origin)
            writer.unsigned(slot.version)
            writer.unsigned(slot.stats.steps)
            writer.unsigned(slot.stats.droppedPartialMatches)
            writer.unsigned(slot.stats.conditionTypeErrors)
        }
        let counters = versionCounters.sorted { $0.key < $1.key }
        writer.unsigned(counters.count)
        for (id, version) in counters {
            writer.string(id)
            writer.unsigned(version)
        }
        writer.unsigned(retiredDropped)
        writer.unsigned(retiredTypeErrors)
        writer.unsigned(alertTypeErrors)
        return writer.bytes
    }

    /// Replaces this engine's rules and state with those in `store` (written by
    /// `writeCheckpoint`). Only the (rule, key) states of key groups `owns` accepts
    /// are loaded (a worker's share; any worker count can restore any checkpoint).
    /// Returns `false` when the store holds no engine state.
    @discardableResult
    public func restore(from store: some StateStore, owns: (Int) -> Bool = { _ in true }) throws -> Bool {
        guard let metadata = try store.get(Self.metadataKey) else { return false }
        var reader = ByteReader(metadata)
        let version = try reader.byte()
        guard version == Self.metadataVersion else {
            throw StateStoreError("engine metadata format \(version) is not one this release reads (\(Self.metadataVersion))")
        }
        watermark = try reader.signed()
        counters = try RuntimeCounters.decode(from: &reader)
        slots = []
        slotIndex = [:]
        for _ in 0..<(try reader.count(limit: 1 << 20)) {
            let definition = try Value.decode(from: &reader)
            let origin = try reader.string()
            let ruleVersion = try reader.count()
            let loaded = RuleLoader.parse(json: definition, origin: origin)
            guard let rule = loaded.rules.first, loaded.diagnostics.allSatisfy({ $0.severity != .error }) else {
                throw StateStoreError("stored rule from \(origin) no longer loads: \(loaded.diagnostics.map(\.description).joined(separator: "; "))")
            }
            let slot = RuleSlot(rule: rule, version: ruleVersion)
            slot.stats.steps = try reader.count(limit: .max)
            slot.stats.droppedPartialMatches = try reader.count(limit: .max)
            slot.stats.conditionTypeErrors = try reader.count(limit: .max)
            slotIndex[rule.id] = slots.count
            slots.append(slot)
        }
        versionCounters = [:]
        for _ in 0..<(try reader.count(limit: 1 << 20)) {
            let id = try reader.string()
            versionCounters[id] = try reader.count()
        }
        retiredDropped = try reader.count(limit: .max)
        retiredTypeErrors = try reader.count(limit: .max)
        alertTypeErrors = try reader.count(limit: .max)
        try reader.expectEnd()
        assignKeyCacheIndices()

        var parser = TapeParser()
        var shared: [Int64: Event] = [:]
        timers = TimerQueue()
        compactedWakeUpMin = nil
        nextCompactionFloor = 0
        // Under a memory limit, states load until the heap reaches it; the rest stay in
        // the store, indexed, with their timers' wake-ups stored.
        var loaded = 0
        var indexOnly = false
        var wakeUps = StateBatch()
        try store.scan(prefix: [StateKey.keyStatePrefix]) { key, value in
            guard let (group, ruleId, _) = StateKey.parseKeyState(key) else {
                throw StateStoreError("malformed state key \(key)")
            }
            guard owns(group), let index = slotIndex[ruleId] else { return true }
            let slot = slots[index]
            if let memoryLimit, !indexOnly, loaded % 256 == 0, let heap = Self.memoryInUse(), heap > memoryLimit * 3 / 4 {
                indexOnly = true
            }
            do {
                if indexOnly {
                    let (stateKeyValue, timer, partialMatches) = try KeyState.peek(value)
                    slot.spilled.insert(KeyProbe(value: stateKeyValue).hash)
                    slot.spilledPartialMatches += partialMatches
                    if let timer {
                        wakeUps.put(StateKey.timer(time: timer, stateKey: key), [])
                        if spilledTimerMin == nil || timer < spilledTimerMin! { spilledTimerMin = timer }
                    }
                    return true
                }
                let state = try KeyState.decode(value, parser: &parser, events: &shared)
                slot.states.insert(state)
                loaded += 1
                if let due = state.scheduledTimer { timers.insert(TimerQueue.Timer(time: due, slot: slot, state: state)) }
            } catch {
                throw StateStoreError("state of rule \(ruleId), key group \(group): \(error)")
            }
            return true
        }
        try store.write(wakeUps)
        // Wake-ups stored before the checkpoint (states that were spilled then).
        try store.scan(prefix: [StateKey.timerPrefix]) { key, _ in
            if let (time, _) = StateKey.parseTimer(key), spilledTimerMin == nil || time < spilledTimerMin! { spilledTimerMin = time }
            return false
        }
        reorderBuffer = ReorderBuffer()
        try store.scan(prefix: [StateKey.reorderPrefix]) { _, value in
            var eventReader = ByteReader(value)
            reorderBuffer.insert(try Event.decode(from: &eventReader, parser: &parser))
            return true
        }
        dirtyStates = []
        deletedStateKeys = []
        restoredFromStore = true
        syncMatcherCounters()
        return true
    }
}
