import CepheusCore
import CepheusRules

/// `cepheus replay`: reads a JSON Lines input, computes the watermark in input order,
/// turns each line into a record of the runtime's input stream, and at the end of the
/// input advances the watermark to +infinity so every window closes.
public final class ReplaySession {
    /// Where rejected and late lines go, and what happens to alerts.
    public struct Sinks {
        public var alert: (Alert) -> Void
        /// Line number, reason, raw line.
        public var rejected: ((Int64, String, ArraySlice<UInt8>) -> Void)?
        /// The raw late line.
        public var late: ((ArraySlice<UInt8>) -> Void)?
        /// Non-fatal messages (rejected control records), for stderr.
        public var diagnostic: (String) -> Void
        /// Alerts already serialized: JSON Lines (`Alert.writeJSON`, each followed by a
        /// newline), in the order `alert` would have been called. When set, worker threads
        /// serialize (and free) their alerts themselves and the reader only writes the
        /// bytes; without workers `alert` is called as usual.
        public var alertLines: (([UInt8]) -> Void)?

        public init(
            alert: @escaping (Alert) -> Void,
            rejected: ((Int64, String, ArraySlice<UInt8>) -> Void)? = nil,
            late: ((ArraySlice<UInt8>) -> Void)? = nil,
            diagnostic: @escaping (String) -> Void = { _ in },
            alertLines: (([UInt8]) -> Void)? = nil
        ) {
            self.alert = alert
            self.rejected = rejected
            self.late = late
            self.diagnostic = diagnostic
            self.alertLines = alertLines
        }
    }

    /// The engine, when the session runs on one worker (the caller's thread).
    public let engine: RuntimeEngine?
    private let pool: WorkerPool?
    private var decoder: EventDecoder
    var watermark: WatermarkTracker
    private let sinks: Sinks
    var line: Int64 = 0
    /// What the reader counts: events read, late, rejected.
    var readerCounters = RuntimeCounters()
    private var summaries: [WorkerPool.Summary]?
    /// With workers: the lines not yet handed to them.
    private var batch: LineBatch?
    private static let batchLines = 2048
    /// A session on `workers` engines; with more than one, (rule, key) states are
    /// sharded by key group over worker threads and the alerts are the same set.
    /// `hotStateLimit`: `RuntimeEngine.hotStateLimit`; -1 compacts every state before
    /// every event (one worker; a test of the compaction's exactness).
    public init(
        rules: [Rule], sourceName: String, outOfOrderness: Int64 = 0, timeField: String = "ts",
        workers: Int = 1, hotStateLimit: Int = RuntimeEngine.defaultHotStateLimit, sinks: Sinks
    ) {
        if workers > 1 {
            engine = nil
            let input = WorkerPool.Input(
                sourceName: sourceName, timeField: timeField, outOfOrderness: outOfOrderness,
                serializeAlerts: sinks.alertLines != nil, hotStateLimit: hotStateLimit)
            pool = WorkerPool(rules: rules, workers: min(workers, 63), input: input, sinks: sinks)
        } else {
            let engine = RuntimeEngine(rules: rules, emit: sinks.alert)
            engine.onDiagnostic = sinks.diagnostic
            engine.hotStateLimit = hotStateLimit
            engine.compactsBeforeEveryDispatch = hotStateLimit < 0
            self.engine = engine
            pool = nil
        }
        self.decoder = EventDecoder(timeField: timeField, sourceName: sourceName)
        self.watermark = WatermarkTracker(outOfOrderness: outOfOrderness)
        self.sinks = sinks
    }

    private func consume(_ record: InputRecord) {
        engine!.consume(record)
    }

    /// The run's counters: the reader's (events, late, rejected) and the engines'.
    public var counters: RuntimeCounters {
        // With workers, worker 0 counted what the reader counts here without them.
        let engines: [RuntimeCounters] = engine.map { [$0.counters] } ?? summaries?.map(\.counters) ?? []
        return RuntimeCounters.combining(reader: summaries?.first?.reader ?? readerCounters, engines: engines)
    }

    /// Per-rule statistics, summed over workers.
    public var ruleStatistics: [RuleStatistics] {
        let all: [[RuleStatistics]] = engine.map { [$0.ruleStatistics] } ?? summaries?.map(\.rules) ?? []
        guard var total = all.first else { return [] }
        for other in all.dropFirst() {
            for (index, rule) in other.enumerated() where index < total.count {
                total[index].steps += rule.steps
                total[index].partialMatches += rule.partialMatches
                total[index].keys += rule.keys
            }
        }
        return total
    }

    /// Reads every line of `reader`, then ends the input.
    public func run(_ reader: inout LineReader) throws(IOError) -> RuntimeCounters {
        try read(&reader)
        finish()
        return counters
    }

    /// Lines read so far (the input position a checkpoint records).
    public var linesRead: Int64 { line }

    /// Reads every line of `reader` without ending the input (`finish` does).
    public func read(_ reader: inout LineReader) throws(IOError) {
        try read(&reader, checkpointEvery: 0) { _ in }
    }

    /// Reads every line of `reader`, calling `checkpoint` with the reader's byte offset
    /// (the start of the next line) every `checkpointEvery` lines (never when 0).
    public func read(
        _ reader: inout LineReader, checkpointEvery: Int64, checkpoint: (Int64) -> Void
    ) throws(IOError) {
        var sinceCheckpoint: Int64 = 0
        while let item = try reader.next() {
            defer {
                if checkpointEvery > 0 {
                    sinceCheckpoint += 1
                    if sinceCheckpoint >= checkpointEvery {
                        // Between lines: everything up to the reader's offset is in.
                        sinceCheckpoint = 0
                        checkpoint(reader.offset)
                    }
                }
            }
            switch item {
            case .line(let bytes):
                feed(bytes)
            case .tooLong(let count):
                let reason = "line longer than \(reader.maxLineBytes) bytes (\(count) bytes)"
                line += 1
                if pool != nil {
                    appendToBatch { $0.appendRejected(reason: reason) }
                } else {
                    readerCounters.rejected += 1
                    sinks.rejected?(line, reason, [])
                }
            }
        }
    }

    /// Adds a line to the batch for the workers, handing the batch over when full.
    private func appendToBatch(_ add: (inout LineBatch) -> Void) {
        if batch == nil { batch = LineBatch(firstLine: line, capacity: Self.batchLines) }
        add(&batch!)
        if batch!.count >= Self.batchLines {
            pool!.submit(batch!)
            batch = nil
        }
    }

    /// Feeds one line (without its newline).
    public func feed(_ bytes: ArraySlice<UInt8>) {
        feed(bytes, source: nil, sourceLine: 0)
    }

    /// Feeds one line that came from `source` (its line `sourceLine` there): an event
    /// without an `id` gets `<source>:<sourceLine>` instead of this session's source
    /// and line (the daemon, whose input interleaves several sources); a control record
    /// is reported and versioned at that position too. One worker only.
    public func feed(_ bytes: ArraySlice<UInt8>, source: String?, sourceLine: Int64) {
        line += 1
        if pool != nil {
            appendToBatch { $0.append(bytes) }
            return
        }
        switch decoder.decode(bytes, sequence: line, idSource: source, idLine: source == nil ? line : sourceLine) {
        case .blank:
            break
        case .rejected(let reason):
            readerCounters.rejected += 1
            sinks.rejected?(line, reason, bytes)
        case .control(let value):
            let position = source.map { RecordPosition(source: $0, line: sourceLine) } ?? RecordPosition(source: decoder.sourceName, line: line)
            switch ControlRecord.parse(value) {
            case .success(let record):
                consume(.control(record, position: position))
            case .failure(let error):
                readerCounters.controlRejected += 1
                for message in error.messages { sinks.diagnostic("\(position): control record rejected: \(message)") }
            }
        case .event(let event):
            readerCounters.events += 1
            let timestamp = event.timestamp
            if watermark.isLate(timestamp) {
                readerCounters.late += 1
                sinks.late?(bytes)
                return
            }
            consume(.event(event))
            if let advanced = watermark.observe(timestamp) { consume(.watermark(advanced)) }
        }
    }

    /// A watermark advance recorded in the input (the daemon's idle advance): counts as
    /// one record of the input, like a line. One worker only.
    public func feedWatermark(_ time: Int64) {
        line += 1
        if let advanced = watermark.advance(to: time) { consume(.watermark(advanced)) }
    }

    /// Ends the input: the watermark jumps to +infinity (and the workers stop).
    public func finish() {
        if let pool {
            if summaries == nil {
                if let batch { pool.submit(batch) }
                batch = nil
                summaries = pool.finish()
            }
            return
        }
        consume(.watermark(.max))
    }
}
