import CepheusCore
import CepheusState

extension ReplaySession {
    static let metadataKey = ReaderCheckpoint.key

    /// Adds the session's state (lines read, reader counters, the input-order
    /// watermark) and the engine's to `batch`. One worker only.
    public func writeCheckpoint(
        into batch: inout StateBatch, drainBytes: Int = .max, drain: (inout StateBatch) throws -> Void = { _ in },
        part: RuntimeEngine.CheckpointPart = .whole
    ) rethrows -> RuntimeEngine.CheckpointWrite {
        precondition(engine != nil, "checkpoints need a single-worker session")
        let reader = ReaderCheckpoint(line: line, counters: readerCounters, watermark: watermark, processingTime: nil)
        if case .statesOnly = part {} else { batch.put(Self.metadataKey, reader.encoded()) }
        return try engine!.writeCheckpoint(into: &batch, drainBytes: drainBytes, drain: drain, part: part)
    }

    /// Restores the session and its engine from `store`; `false` when it holds none.
    /// When the engine is one shard of several (`engine.shard`), only the states of
    /// its key groups are loaded: a checkpoint restores with any worker count.
    public func restore(from store: some StateStore) throws -> Bool {
        precondition(engine != nil, "checkpoints need a single-worker session")
        guard let bytes = try store.get(Self.metadataKey) else { return false }
        let reader = try ReaderCheckpoint.decode(bytes, outOfOrderness: watermark.outOfOrderness)
        line = reader.line
        readerCounters = reader.counters
        watermark = reader.watermark
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
