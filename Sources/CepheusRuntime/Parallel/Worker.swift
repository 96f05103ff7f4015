import CepheusCore
import CepheusRules

/// One worker of a `WorkerPool`: parses its share of each batch, then sequences the
/// batch in input order (watermark, lateness, control records) and feeds its engine the
/// events it owns.
struct Worker {
    private let index: Int
    private let workers: Int
    private let engine: RuntimeEngine
    private var decoder: EventDecoder
    private let router: KeyRouter
    private var watermark: WatermarkTracker
    private let sourceName: String
    private let serializeAlerts: Bool
    /// What the reader would count (kept by worker 0 only).
    private var reader = RuntimeCounters()
    /// Set once a control record was read: rules may have changed, so routes computed
    /// with the rules at start no longer hold and every event goes to every engine
    /// (which then filters by key group itself, as without routing).
    private var broadcast = false
    /// Until then: the batches that may hold an on-time event not yet released by the
    /// watermark, wherever it is routed, with the latest on-time timestamp of each. A
    /// control record applies to those events too (rules.md section 6), so at the first
    /// one each worker takes those it was not routed. Tracked per batch, not per event:
    /// walking a batch costs nothing for the events a worker does not own.
    private var recentBatches: [(batch: ParsedBatch, latest: Int64)] = []
    /// Batches this worker is done with, until every worker is (then it releases the
    /// events it is responsible for: `ParsedBatch.releaseEvents`).
    private var finishedBatches = FIFOQueue<ParsedBatch>()
    private var output = WorkerPool.Output()
    /// How many lines ahead `sequence` prefetches the events this worker owns.
    private static let prefetchDistance = 8
    /// The engine reports into it; its contents move into each batch's output.
    private let sink = AlertCollector()

    init(rules shared: [Rule], shard index: Int, of workers: Int, input: WorkerPool.Input) {
        // This worker's own compiled expressions (see `Rule.withPrivateExpressions`).
        let rules = shared.map { $0.withPrivateExpressions() }
        self.index = index
        self.workers = workers
        let sink = self.sink
        engine = RuntimeEngine(rules: rules) { sink.alerts.append($0) }
        engine.shard = (index, workers)
        engine.keySkipsCountedUpstream = true
        engine.hotStateLimit = input.hotStateLimit
        // Rules with one id each are one slot each, in order: the routing's rule indices.
        engine.slotsMatchRouting = engine.slotCount == rules.count
        if index == 0 { engine.onDiagnostic = { sink.diagnostics.append($0) } }
        decoder = EventDecoder(timeField: input.timeField, sourceName: input.sourceName)
        router = KeyRouter(rules: rules, workers: workers)
        watermark = WatermarkTracker(outOfOrderness: input.outOfOrderness)
        sourceName = input.sourceName
        serializeAlerts = input.serializeAlerts
    }

    mutating func run(inbox: BlockingQueue<WorkerPool.Message>, outbox: BlockingQueue<WorkerPool.Output>) {
        var pending: ParsedBatch?
        while true {
            switch inbox.take() {
            case .batch(let batch):
                batch.parse(share: index, decoder: &decoder, router: router)
                if let previous = pending {
                    sequence(previous)
                    outbox.put(takeOutput())
                }
                pending = batch
            case .finish:
                if let previous = pending {
                    sequence(previous)
                    outbox.put(takeOutput())
                }
                engine.consume(.watermark(.max))
                var last = takeOutput()
                last.summary = WorkerPool.Summary(
                    counters: engine.counters, reader: index == 0 ? reader : nil, rules: engine.ruleStatistics)
                outbox.put(last)
                return
            }
        }
    }

    private mutating func takeOutput() -> WorkerPool.Output {
        var result = output
        if serializeAlerts {
            // Serialized here, and the alerts (and the events they hold) freed on this
            // thread, which made them: not on the reader's.
            for alert in sink.alerts {
                alert.writeJSON(into: &result.alertLines)
                result.alertLines.append(0x0A)
            }
        } else {
            result.alerts = sink.alerts
        }
        result.diagnostics = sink.diagnostics + result.diagnostics
        sink.alerts.removeAll(keepingCapacity: true)
        sink.diagnostics.removeAll()
        output = WorkerPool.Output()
        return result
    }

    /// Walks `batch` in input order once every share of it is parsed.
    private mutating func sequence(_ batch: ParsedBatch) {
        batch.waitUntilParsed()
        if !broadcast { recentBatches.append((batch, .min)) }
        var latest = Int64.min
        let reports = index == 0
        let bit: UInt64 = 1 << UInt64(index)
        let firstLine = batch.lines.firstLine
        let count = batch.count
        for offset in 0..<count {
            // Events (until a control record) read plain numbers only, and the event
            // itself only when this worker owns it; the owned event a few lines ahead is
            // loaded into the cache meanwhile.
            let ahead = offset &+ Self.prefetchDistance
            if ahead < count, let summary = batch.eventSummary(ahead), summary.owners & bit != 0 { batch.prefetch(ahead) }
            if !broadcast, let summary = batch.eventSummary(offset) {
                if reports { reader.events += 1 }
                if watermark.isLate(summary.timestamp) {
                    if reports {
                        reader.late += 1
                        output.late.append(batch.lines.line(offset))
                    }
                    continue
                }
                if reports { reader.keySkipped += summary.keySkipped }
                if summary.owners & bit != 0, case .event(let event, _, _) = batch[offset] {
                    engine.consume(.event(event))
                }
                if summary.timestamp > latest { latest = summary.timestamp }
                if let advanced = watermark.observe(summary.timestamp) {
                    engine.consume(.watermark(advanced))
                }
                continue
            }
            let line = firstLine + Int64(offset)
            switch batch[offset] {
            case .blank:
                break
            case .rejected(let reason):
                if reports {
                    reader.rejected += 1
                    output.rejected.append((line, reason, batch.lines.line(offset)))
                }
            case .control(let value):
                if !broadcast {
                    recentBatches[recentBatches.count - 1].latest = latest
                    startBroadcasting(currentOffset: offset)
                }
                let position = RecordPosition(source: sourceName, line: line)
                switch ControlRecord.parse(value) {
                case .success(let record):
                    engine.consume(.control(record, position: position))
                case .failure(let error):
                    if reports {
                        reader.controlRejected += 1
                        for message in error.messages { output.diagnostics.append("\(position): control record rejected: \(message)") }
                    }
                }
            case .event(let event, _, _):
                // After a control record: every engine sees every event, and worker 0's
                // engine counts key skips at dispatch, as a single engine does.
                if reports { reader.events += 1 }
                let timestamp = event.timestamp
                if watermark.isLate(timestamp) {
                    if reports {
                        reader.late += 1
                        output.late.append(batch.lines.line(offset))
                    }
                    continue
                }
                engine.consume(.event(event))
                if let advanced = watermark.observe(timestamp) {
                    engine.consume(.watermark(advanced))
                }
            }
        }
        if !broadcast {
            recentBatches[recentBatches.count - 1].latest = latest
            forgetReleased()
        } else {
            finished(batch)
        }
        releaseFinishedBatches()
    }

    /// This worker reads no line of `batch` again.
    private mutating func finished(_ batch: ParsedBatch) {
        batch.finish()
        finishedBatches.append(batch)
    }

    /// Releases the events of the batches every worker is done with, oldest first.
    private mutating func releaseFinishedBatches() {
        while let oldest = finishedBatches.first, oldest.isFinished {
            oldest.releaseEvents(of: index)
            _ = finishedBatches.removeFirst()
        }
    }

    /// Drops the batches before the current one whose on-time events the watermark has
    /// all released (from the front: a batch behind a straggler waits a little longer).
    private mutating func forgetReleased() {
        let released = watermark.current
        var drop = 0
        while drop < recentBatches.count - 1 && recentBatches[drop].latest <= released { drop += 1 }
        if drop > 0 {
            for entry in recentBatches[..<drop] { finished(entry.batch) }
            recentBatches.removeFirst(drop)
        }
    }

    /// At the first control record: from now on every engine takes every event. Events
    /// read before it and still waiting for the watermark are matched under the new
    /// rules too, so this worker takes those it was not routed, and key skips are
    /// counted at dispatch again (worker 0 gives back what routing counted for them).
    private mutating func startBroadcasting(currentOffset: Int) {
        broadcast = true
        let bit: UInt64 = 1 << UInt64(index)
        let released = watermark.current
        for (position, entry) in recentBatches.enumerated() {
            // The batch being sequenced counts only up to the control record.
            let end = position == recentBatches.count - 1 ? currentOffset : entry.batch.count
            for offset in 0..<end {
                guard let summary = entry.batch.eventSummary(offset), summary.timestamp > released else { continue }
                if index == 0 { reader.keySkipped -= summary.keySkipped }
                if summary.owners & bit == 0, case .event(let event, _, _) = entry.batch[offset] {
                    engine.consume(.event(event))
                }
            }
        }
        // The batch being sequenced is finished when its walk ends.
        for entry in recentBatches.dropLast() { finished(entry.batch) }
        recentBatches = []
        engine.keySkipsCountedUpstream = false
        engine.slotsMatchRouting = false
    }
}

/// Where a worker's engine puts alerts and diagnostics until the batch's output is sent.
final class AlertCollector {
    var alerts: [Alert] = []
    var diagnostics: [String] = []
}
