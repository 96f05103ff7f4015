import CepheusCore
import CepheusRules

/// Runs one `RuntimeEngine` per worker thread, each owning the key groups of its shard
/// (DESIGN.md, Hot path), with parsing in parallel too.
///
/// The reader only cuts the input into batches of lines and hands every batch to every
/// worker. The workers parse the batch between them (each its own share first, then
/// whatever another has left: `ParsedBatch`) and route each
/// event (which workers own its keys), then each walks the whole batch in input order
/// once every line is parsed: every worker computes the same watermark and the same lateness
/// from the same sequence, and consumes only the events it owns, in arrival order. The
/// alerts are therefore the same set for any number of workers. Parsing runs one batch
/// ahead of sequencing, so a worker rarely waits for another's share.
///
/// Alerts, rejected and late lines come back per batch and are emitted on the reader's
/// thread, worker by worker, so the output order is fixed for a given worker count.
final class WorkerPool {
    enum Message: Sendable {
        case batch(ParsedBatch)
        case finish
    }

    /// A rejected line: its number, the reason, its bytes.
    typealias Rejection = (line: Int64, reason: String, bytes: ArraySlice<UInt8>)

    struct Output: Sendable {
        var alerts: [Alert] = []
        /// The alerts as JSON Lines instead, when the sinks take them so (`alertLines`).
        var alertLines: [UInt8] = []
        var diagnostics: [String] = []
        /// Worker 0 reports the rejected and late lines (every worker sees them).
        var rejected: [Rejection] = []
        var late: [ArraySlice<UInt8>] = []
        /// Sent with the last output of a worker.
        var summary: Summary?
    }

    struct Summary: Sendable {
        /// The engine's counters.
        var counters: RuntimeCounters
        /// Worker 0: what the reader counts without workers (events, late, rejected
        /// lines and control records) and the key skips of routed events.
        var reader: RuntimeCounters?
        var rules: [RuleStatistics]
    }

    /// How each worker reads lines.
    struct Input: Sendable {
        var sourceName: String
        var timeField: String
        var outOfOrderness: Int64
        /// Workers serialize their alerts (the sinks take JSON Lines).
        var serializeAlerts = false
        /// Each worker's engine's `hotStateLimit`.
        var hotStateLimit = RuntimeEngine.defaultHotStateLimit
    }

    private let inboxes: [BlockingQueue<Message>]
    private let outboxes: [BlockingQueue<Output>]
    private let threads: [WorkerThread]
    private var inFlight = 0
    private let maxInFlight = 4
    private let sinks: ReplaySession.Sinks

    init(rules: [Rule], workers: Int, input: Input, sinks: ReplaySession.Sinks) {
        self.sinks = sinks
        var inboxes: [BlockingQueue<Message>] = []
        var outboxes: [BlockingQueue<Output>] = []
        var threads: [WorkerThread] = []
        for index in 0..<workers {
            let inbox = BlockingQueue<Message>(capacity: maxInFlight + 1)
            let outbox = BlockingQueue<Output>(capacity: maxInFlight + 2)
            inboxes.append(inbox)
            outboxes.append(outbox)
            threads.append(WorkerThread {
                var worker = Worker(rules: rules, shard: index, of: workers, input: input)
                worker.run(inbox: inbox, outbox: outbox)
            })
        }
        self.inboxes = inboxes
        self.outboxes = outboxes
        self.threads = threads
        for thread in threads { thread.start() }
    }

    /// Hands a batch of lines to every worker.
    func submit(_ lines: LineBatch) {
        let batch = ParsedBatch(lines: lines, workers: inboxes.count)
        for inbox in inboxes { inbox.put(.batch(batch)) }
        inFlight += 1
        while inFlight > maxInFlight { drainOne() }
    }

    private func drainOne() {
        for outbox in outboxes { deliver(outbox.take()) }
        inFlight -= 1
    }

    private func deliver(_ output: Output) {
        for message in output.diagnostics { sinks.diagnostic(message) }
        if let rejected = sinks.rejected {
            for entry in output.rejected { rejected(entry.line, entry.reason, entry.bytes) }
        }
        if let late = sinks.late {
            for line in output.late { late(line) }
        }
        if let alertLines = sinks.alertLines, !output.alertLines.isEmpty { alertLines(output.alertLines) }
        for alert in output.alerts { sinks.alert(alert) }
    }

    /// Ends the input (the watermark goes to +infinity), stops the workers and returns
    /// each one's summary.
    func finish() -> [Summary] {
        for inbox in inboxes { inbox.put(.finish) }
        while inFlight > 0 { drainOne() }
        var summaries: [Summary] = []
        for outbox in outboxes {
            let output = outbox.take()
            deliver(output)
            if let summary = output.summary { summaries.append(summary) }
        }
        for thread in threads { thread.join() }
        return summaries
    }
}
