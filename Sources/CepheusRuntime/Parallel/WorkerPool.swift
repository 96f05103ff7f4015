import CepheusCore
import CepheusRules

/// Runs one `RuntimeEngine` per worker thread, each owning the key groups of its shard
/// (DESIGN.md, Hot path): the reader hands every record to every worker in batches, in
/// input order, with the watermark it computed, so lateness and the alerts are the same
/// for any number of workers. Alerts come back per batch and are emitted on the reader's
/// thread, worker by worker, so the output order is fixed for a given worker count.
final class WorkerPool {
    enum Message: Sendable {
        case records([InputRecord])
        case finish
    }

    struct Output: Sendable {
        var alerts: [Alert]
        var diagnostics: [String]
        /// Sent with the last output of a worker.
        var summary: Summary?
    }

    struct Summary: Sendable {
        var counters: RuntimeCounters
        var rules: [RuleStatistics]
    }

    private let inboxes: [BlockingQueue<Message>]
    private let outboxes: [BlockingQueue<Output>]
    private let threads: [WorkerThread]
    private var batch: [InputRecord] = []
    private let batchSize: Int
    private var inFlight = 0
    private let maxInFlight = 4
    private let emit: (Alert) -> Void
    private let diagnostic: (String) -> Void

    init(rules: [Rule], workers: Int, batchSize: Int = 2048, emit: @escaping (Alert) -> Void, diagnostic: @escaping (String) -> Void) {
        self.batchSize = batchSize
        self.emit = emit
        self.diagnostic = diagnostic
        var inboxes: [BlockingQueue<Message>] = []
        var outboxes: [BlockingQueue<Output>] = []
        var threads: [WorkerThread] = []
        for index in 0..<workers {
            let inbox = BlockingQueue<Message>(capacity: maxInFlight + 1)
            let outbox = BlockingQueue<Output>(capacity: maxInFlight + 2)
            inboxes.append(inbox)
            outboxes.append(outbox)
            threads.append(WorkerThread {
                Self.run(rules: rules, shard: (index, workers), inbox: inbox, outbox: outbox)
            })
        }
        self.inboxes = inboxes
        self.outboxes = outboxes
        self.threads = threads
        for thread in threads { thread.start() }
    }

    private static func run(rules: [Rule], shard: (Int, Int), inbox: BlockingQueue<Message>, outbox: BlockingQueue<Output>) {
        var alerts: [Alert] = []
        var diagnostics: [String] = []
        let engine = RuntimeEngine(rules: rules) { alerts.append($0) }
        engine.shard = shard
        if shard.0 == 0 { engine.onDiagnostic = { diagnostics.append($0) } }
        while true {
            switch inbox.take() {
            case .records(let records):
                for record in records { engine.consume(record) }
                outbox.put(Output(alerts: alerts, diagnostics: diagnostics, summary: nil))
                alerts.removeAll(keepingCapacity: true)
                diagnostics.removeAll()
            case .finish:
                let summary = Summary(counters: engine.counters, rules: engine.ruleStatistics)
                outbox.put(Output(alerts: alerts, diagnostics: diagnostics, summary: summary))
                return
            }
        }
    }

    func consume(_ record: InputRecord) {
        batch.append(record)
        if batch.count >= batchSize { flush() }
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        for inbox in inboxes { inbox.put(.records(batch)) }
        batch.removeAll(keepingCapacity: true)
        inFlight += 1
        while inFlight > maxInFlight { drainOne() }
    }

    private func drainOne() {
        for outbox in outboxes { deliver(outbox.take()) }
        inFlight -= 1
    }

    private func deliver(_ output: Output) {
        for message in output.diagnostics { diagnostic(message) }
        for alert in output.alerts { emit(alert) }
    }

    /// Sends what is left, stops the workers and returns each one's summary.
    func finish() -> [Summary] {
        flush()
        while inFlight > 0 { drainOne() }
        for inbox in inboxes { inbox.put(.finish) }
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
