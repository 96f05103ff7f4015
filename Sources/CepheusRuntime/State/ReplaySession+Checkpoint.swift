import CepheusCore
import CepheusState

extension ReplaySession {
    static let metadataKey = StateKey.metadata("replay")

    /// Adds the session's state (lines read, reader counters, the input-order
    /// watermark) and the engine's to `batch`. One worker only.
    public func writeCheckpoint(
        into batch: inout StateBatch, drainBytes: Int = .max, drain: (inout StateBatch) throws -> Void = { _ in },
        part: RuntimeEngine.CheckpointPart = .whole
    ) rethrows -> RuntimeEngine.CheckpointWrite {
        precondition(engine != nil, "checkpoints need a single-worker session")
        var writer = ByteWriter(capacity: 128)
        // Format 2 adds the per-source watermarks and the processing-time clock.
        writer.byte(2)
        writer.signed(line)
        readerCounters.encode(into: &writer)
        writer.optionalSigned(watermark.maxTimestamp)
        writer.signed(watermark.current)
        writer.unsigned(UInt64(watermark.sources.count))
        for (name, state) in watermark.sources.sorted(by: { $0.key < $1.key }) {
            writer.string(name)
            writer.signed(state.maxTimestamp)
            writer.byte(state.idle ? 1 : 0)
        }
        writer.optionalSigned(processingTime)
        if case .statesOnly = part {} else { batch.put(Self.metadataKey, writer.bytes) }
        return try engine!.writeCheckpoint(into: &batch, drainBytes: drainBytes, drain: drain, part: part)
    }

    /// Restores the session and its engine from `store`; `false` when it holds none.
    /// When the engine is one shard of several (`engine.shard`), only the states of
    /// its key groups are loaded: a checkpoint restores with any worker count.
    public func restore(from store: some StateStore) throws -> Bool {
        precondition(engine != nil, "checkpoints need a single-worker session")
        guard let bytes = try store.get(Self.metadataKey) else { return false }
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == 1 || version == 2 else {
            throw StateStoreError("replay metadata format \(version) is not one this release reads (1, 2)")
        }
        line = try reader.signed()
        readerCounters = try RuntimeCounters.decode(from: &reader)
        let maxTimestamp = try reader.optionalSigned()
        let current = try reader.signed()
        var sources: [String: WatermarkTracker.SourceState] = [:]
        if version >= 2 {
            let count = try reader.unsigned()
            for _ in 0..<count {
                let name = try reader.string()
                let sourceMax = try reader.signed()
                sources[name] = WatermarkTracker.SourceState(maxTimestamp: sourceMax, idle: try reader.byte() == 1)
            }
            processingTime = try reader.optionalSigned()
        }
        try reader.expectEnd()
        watermark = WatermarkTracker(
            outOfOrderness: watermark.outOfOrderness, maxTimestamp: maxTimestamp, current: current, sources: sources)
        let shard = engine!.shard
        let owns: (Int) -> Bool = { group in shard.map { group % $0.count == $0.index } ?? true }
        guard try engine!.restore(from: store, owns: owns) else { throw StateStoreError("the store has replay metadata but no engine state") }
        return true
    }

    /// Turns on change tracking for incremental checkpoints.
    public func prepareForCheckpoints() {
        engine?.trackChangesForCheckpoints()
    }
}

extension ReplaySession {
    /// The checkpoint `writeCheckpoint` filled committed (see
    /// `RuntimeEngine.checkpointCommitted`).
    public func checkpointCommitted() {
        engine?.checkpointCommitted()
    }

    /// Where states spill and checkpoints go; see `RuntimeEngine.attach`.
    public func attach(store: any StateStore, memoryLimit: Int?) {
        engine?.attach(store: store, memoryLimit: memoryLimit)
    }

    /// The manifest fields for a checkpoint at `offset` of the input named `source`.
    public func manifest(source: String, offset: Int64, written: RuntimeEngine.CheckpointWrite) -> CheckpointManifest {
        let engineWatermark = engine?.watermark ?? .min
        return CheckpointManifest(
            sources: [CheckpointManifest.SourcePosition(name: source, offset: offset, line: line)],
            records: line, watermark: engineWatermark == .min ? nil : engineWatermark,
            rules: engine?.ruleVersions.map { (id: $0.id, version: $0.version) } ?? [],
            workers: 1, keys: written.keys, partialMatches: written.partialMatches)
    }
}
