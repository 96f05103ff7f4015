import CepheusCore
import CepheusRules
import CepheusState
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's matching: the reading side — parsing, lateness, the watermark (per
/// source), default ids, control records — runs once, on the caller's thread, and the
/// records go in batches to one engine thread per shard (each owning a share of the key
/// groups, every one seeing every record, so they compute the same timers and apply the
/// same rule changes). Parsing is never repeated, and with one engine, parsing and
/// matching still run on two threads.
///
/// `flush` hands the records fed so far to the engines; `sync` waits until they have
/// consumed them (checkpoints, savepoints and restores happen between a `sync` and the
/// next `feed`, with the engine threads idle). The engines publish their figures after
/// each batch, so the reading thread never touches an engine while it runs.
public final class ShardedSession: @unchecked Sendable {
    /// What an engine thread published after its last batch.
    public struct Snapshot: Sendable {
        public var counters = RuntimeCounters()
        public var figures = RuntimeEngine.Figures()
        public var rules: [RuleStatistics] = []
        public var loadedRules: [LoadedRuleSummary] = []
        public var watermark: Int64 = .min
        var controls = -1
    }

    enum Message: Sendable {
        case records([InputRecord])
        case stop
    }

    public let engines: [RuntimeEngine]
    private var decoder: EventDecoder
    private var watermark: WatermarkTracker
    private var line: Int64 = 0
    private var readerCounters = RuntimeCounters()
    /// Processing-time mode: every event's time (see `ReplaySession.processingTime`).
    public var processingTime: Int64?
    private let diagnostic: (String) -> Void
    private var pending: [InputRecord] = []
    private let inboxes: [BlockingQueue<Message>]
    private var threads: [WorkerThread] = []
    private var handed = 0
    private let progress: Mutex<[Int]>
    private let snapshots: Mutex<[Snapshot]>
    private let afterBatch: @Sendable (Int) -> Void
    static let batchRecords = 2048

    /// `emit` makes each engine's alert sink (by engine index); `afterBatch(index)` runs
    /// on engine `index`'s thread after each batch (the daemon hands its alerts on there).
    public init(
        rules: [Rule], sourceName: String, outOfOrderness: Int64, timeField: String, engines count: Int,
        emit: (Int) -> (Alert) -> Void, afterBatch: @escaping @Sendable (Int) -> Void, diagnostic: @escaping (String) -> Void
    ) {
        var engines: [RuntimeEngine] = []
        for index in 0..<max(1, count) {
            // Each engine but the first matches with its own compiled expressions.
            let engine = RuntimeEngine(rules: index == 0 ? rules : rules.map { $0.withPrivateExpressions() }, emit: emit(index))
            engine.privateExpressions = index > 0
            // Every engine applies every control record: one reports on them.
            engine.onDiagnostic = index == 0 ? diagnostic : { _ in }
            if count > 1 { engine.shard = (index, count) }
            engines.append(engine)
        }
        self.engines = engines
        decoder = EventDecoder(timeField: timeField, sourceName: sourceName)
        watermark = WatermarkTracker(outOfOrderness: outOfOrderness)
        self.diagnostic = diagnostic
        self.afterBatch = afterBatch
        inboxes = engines.map { _ in BlockingQueue<Message>(capacity: 8) }
        progress = Mutex(Array(repeating: 0, count: engines.count))
        snapshots = Mutex(Array(repeating: Snapshot(), count: engines.count))
    }

    /// Starts the engine threads (after any restore).
    public func start() {
        for index in engines.indices {
            publishSnapshot(index)
            let thread = WorkerThread { [self] in self.run(index) }
            threads.append(thread)
            thread.start()
        }
    }

    /// Ends the engine threads (after a final `sync`).
    public func stop() {
        for inbox in inboxes { inbox.put(.stop) }
        for thread in threads { thread.join() }
        threads = []
    }

    private func run(_ index: Int) {
        let engine = engines[index]
        while true {
            switch inboxes[index].take() {
            case .records(let records):
                for record in records { engine.consume(record) }
                afterBatch(index)
                publishSnapshot(index)
                progress.withLock { $0[index] += 1 }
            case .stop:
                return
            }
        }
    }

    private func publishSnapshot(_ index: Int) {
        let engine = engines[index]
        let counters = engine.counters
        let controls = counters.controlApplied + counters.controlRejected
        let previous = snapshots.withLock { $0[index].controls }
        let loaded = controls != previous ? engine.loadedRules : nil
        let snapshot = (counters, engine.figures, engine.ruleStatistics, engine.watermark)
        snapshots.withLock { all in
            all[index].counters = snapshot.0
            all[index].figures = snapshot.1
            all[index].rules = snapshot.2
            all[index].watermark = snapshot.3
            if let loaded {
                all[index].loadedRules = loaded
                all[index].controls = controls
            }
        }
    }

    // MARK: - Reading (the caller's thread)

    /// Records read so far (the log position a checkpoint records).
    public var linesRead: Int64 { line }

    /// Feeds one line from `source` (its line `sourceLine` there): see
    /// `ReplaySession.feed(_:source:sourceLine:)`.
    public func feed(_ bytes: ArraySlice<UInt8>, source: String, sourceLine: Int64) {
        line += 1
        switch decoder.decode(bytes, sequence: line, idSource: source, idLine: sourceLine, processingTime: processingTime) {
        case .blank:
            break
        case .rejected:
            readerCounters.rejected += 1
        case .control(let value):
            let position = RecordPosition(source: source, line: sourceLine)
            switch ControlRecord.parse(value) {
            case .success(let record):
                append(.control(record, position: position))
            case .failure(let error):
                readerCounters.controlRejected += 1
                for message in error.messages { diagnostic("\(position): control record rejected: \(message)") }
            }
        case .event(let event):
            readerCounters.events += 1
            let timestamp = event.timestamp
            if watermark.isLate(timestamp) {
                readerCounters.late += 1
                return
            }
            append(.event(event))
            if let advanced = watermark.observe(timestamp, source: source) { append(.watermark(advanced)) }
        }
    }

    /// A watermark advance recorded in the log (every source idle; processing time).
    public func feedWatermark(_ time: Int64) {
        line += 1
        if let advanced = watermark.advance(to: time) { append(.watermark(advanced)) }
    }

    /// `source` went idle (see `WatermarkTracker.markIdle`).
    public func feedIdle(source: String) {
        line += 1
        if let advanced = watermark.markIdle(source) { append(.watermark(advanced)) }
    }

    /// The sources of the input from here on (see `WatermarkTracker.declare`).
    public func feedSources(_ names: [String]) {
        line += 1
        if let advanced = watermark.declare(sources: names) { append(.watermark(advanced)) }
    }

    private func append(_ record: InputRecord) {
        pending.append(record)
        if pending.count >= Self.batchRecords { flush() }
    }

    /// Hands the records fed so far to the engines.
    public func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        for inbox in inboxes { inbox.put(.records(batch)) }
        handed += 1
    }

    /// Hands over what is fed and waits until every engine has consumed it.
    public func sync() {
        flush()
        while progress.withLock({ $0.contains { $0 < handed } }) { usleep(100) }
    }

    /// Whether every engine has consumed what was handed to it.
    public var isIdle: Bool { pending.isEmpty && progress.withLock { !$0.contains { $0 < handed } } }

    // MARK: - Figures (any thread)

    /// The run's counters: the reader's with the engines' (every engine applies every
    /// control record: engine 0's count).
    public var counters: RuntimeCounters {
        RuntimeCounters.combining(reader: readerCountersSnapshot, engines: snapshots.withLock { $0.map(\.counters) })
    }

    private let readerShared = Mutex(RuntimeCounters())

    /// The reader's counters as of the last `publishReader` (read from other threads).
    private var readerCountersSnapshot: RuntimeCounters { readerShared.withLock { $0 } }

    /// Makes the reader's counters visible to other threads (`counters`).
    public func publishReader() {
        let counters = readerCounters
        readerShared.withLock { $0 = counters }
    }

    /// Per-rule statistics, summed over the engines.
    public var ruleStatistics: [RuleStatistics] {
        let all = snapshots.withLock { $0.map(\.rules) }
        guard var total = all.first else { return [] }
        for other in all.dropFirst() {
            for (index, rule) in other.enumerated() where index < total.count && total[index].id == rule.id {
                total[index].steps += rule.steps
                total[index].partialMatches += rule.partialMatches
                total[index].keys += rule.keys
                total[index].droppedPartialMatches += rule.droppedPartialMatches
            }
        }
        return total
    }

    /// The rules as the engines run them (the same in each).
    public var loadedRules: [LoadedRuleSummary] { snapshots.withLock { $0[0].loadedRules } }

    /// The engines' watermark (`Int64.min` before the first event).
    public var engineWatermark: Int64 { snapshots.withLock { $0[0].watermark } }

    // MARK: - State (between a `sync` and the next `feed`)

    /// Where states spill and checkpoints go.
    public func attach(store: any StateStore, memoryLimit: Int?) {
        for engine in engines { engine.attach(store: store, memoryLimit: memoryLimit) }
    }

    public func prepareForCheckpoints() {
        for engine in engines { engine.trackChangesForCheckpoints() }
    }

    public func checkpointCommitted() {
        for engine in engines { engine.checkpointCommitted() }
    }

    /// Installs rule files that changed since the checkpoint (see `RuntimeEngine.reconcile`).
    public func reconcile(with rules: [Rule]) -> [String] {
        var messages: [String] = []
        for (index, engine) in engines.enumerated() {
            let said = engine.reconcile(with: rules)
            if index == 0 { messages = said }
        }
        return messages
    }

    /// Adds the reader's record and every engine's share to `batch`: engine 0 writes the
    /// reorder buffer and the metadata recording the figures summed over the engines, the
    /// others their (rule, key) states.
    public func writeCheckpoint(
        into batch: inout StateBatch, drainBytes: Int, drain: (inout StateBatch) throws -> Void
    ) throws -> RuntimeEngine.CheckpointWrite {
        let reader = ReaderCheckpoint(line: line, counters: readerCounters, watermark: watermark, processingTime: processingTime)
        batch.put(ReaderCheckpoint.key, reader.encoded())
        let total = RuntimeEngine.Figures.total(engines.map(\.figures))
        var written = RuntimeEngine.CheckpointWrite()
        for (index, engine) in engines.enumerated() {
            let part: RuntimeEngine.CheckpointPart = engines.count == 1 ? .whole : index == 0 ? .wholeRecording(total) : .statesOnly
            written.add(try engine.writeCheckpoint(into: &batch, drainBytes: drainBytes, drain: drain, part: part))
        }
        return written
    }

    /// Restores the reader and every engine (its key groups) from `store`; `false` when
    /// it holds no state. The checkpoint's figures are totals: engine 0 keeps them.
    public func restore(from store: some StateStore) throws -> Bool {
        guard let bytes = try store.get(ReaderCheckpoint.key) else { return false }
        let reader = try ReaderCheckpoint.decode(bytes, outOfOrderness: watermark.outOfOrderness)
        line = reader.line
        readerCounters = reader.counters
        watermark = reader.watermark
        processingTime = reader.processingTime
        for (index, engine) in engines.enumerated() {
            let owns: (Int) -> Bool = { group in engine.shard.map { group % $0.count == $0.index } ?? true }
            guard try engine.restore(from: store, owns: owns) else { throw StateStoreError("the store has reader metadata but no engine state") }
            if index > 0 { engine.adopt(RuntimeEngine.Figures()) }
        }
        publishReader()
        return true
    }

    /// The manifest fields for a checkpoint at ingest-log position `position`.
    public func manifest(position: Int64, written: RuntimeEngine.CheckpointWrite) -> CheckpointManifest {
        let engineWatermark = engines[0].watermark
        return CheckpointManifest(
            sources: [CheckpointManifest.SourcePosition(name: "ingest-log", offset: position, line: line)],
            records: position, watermark: engineWatermark == .min ? nil : engineWatermark,
            rules: engines[0].ruleVersions.map { (id: $0.id, version: $0.version) },
            workers: engines.count, keys: written.keys, partialMatches: written.partialMatches)
    }
}
