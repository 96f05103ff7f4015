import CepheusCore
import CepheusRuntime
import CepheusState
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Takes the alerts the workers emit and, on a thread of its own (so matching never
/// waits for a disk sync), writes them to the outbox — one synced write per group,
/// before anything is delivered — then queues their webhook deliveries, prints those for
/// stdout receivers (one JSON line each, once per alert) and records those deliveries. An alert derived again after a
/// restore finds its outbox entry: it is not counted or printed again unless its stdout
/// delivery was still pending. While the outbox cannot be written the alerts wait
/// (retried every 500 ms), and past `maxWaiting` the workers wait too.
final class AlertDispatch: @unchecked Sendable {
    private let outbox: Outbox
    private let stdoutReceivers: Set<String>
    private let defaultReceivers: [String]
    private let metrics: DaemonMetrics
    private let log: @Sendable (String) -> Void
    private let standardOutput = StandardOutputWriter()
    /// The webhook senders, which new alerts' deliveries are queued to.
    var webhooks: WebhookDelivery?
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private var thread: WorkerThread?
    private var failing = false
    static let maxWaiting = 100_000

    struct Queue {
        var alerts: [Alert] = []
        /// Alerts submitted and not yet in the outbox (queued or being written).
        var unsettled = 0
        var stopping = false
    }

    init(outbox: Outbox, stdoutReceivers: Set<String>, defaultReceivers: [String], metrics: DaemonMetrics, log: @escaping @Sendable (String) -> Void) {
        self.outbox = outbox
        self.stdoutReceivers = stdoutReceivers
        self.defaultReceivers = defaultReceivers
        self.metrics = metrics
        self.log = log
    }

    func start() {
        let thread = WorkerThread { [self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    /// Writes what is queued, then ends the thread.
    func stop() {
        queue.withLock { $0.stopping = true }
        wake.signal()
        thread?.join()
        thread = nil
    }

    /// Hands a worker's alerts over (in emission order). Waits only while more than
    /// `maxWaiting` alerts are not yet in the outbox (it cannot be written).
    func submit(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        while queue.withLock({ $0.unsettled }) > Self.maxWaiting { usleep(10_000) }
        queue.withLock {
            $0.alerts += alerts
            $0.unsettled += alerts.count
        }
        wake.signal()
    }

    /// Alerts submitted and not yet in the outbox (a checkpoint waits for zero).
    var unsettled: Int { queue.withLock { $0.unsettled } }

    private func loop() {
        while true {
            _ = wake.wait(timeout: .now() + .milliseconds(100))
            let (alerts, stopping) = queue.withLock { queue -> ([Alert], Bool) in
                let taken = queue.alerts
                queue.alerts = []
                return (taken, queue.stopping)
            }
            var remaining = alerts
            while !remaining.isEmpty {
                if settle(remaining) {
                    queue.withLock { $0.unsettled -= remaining.count }
                    remaining = []
                } else {
                    if queue.withLock({ $0.stopping }) { break }
                    usleep(500_000)
                }
            }
            if stopping && queue.withLock({ $0.alerts.isEmpty }) { break }
        }
    }

    /// Writes `alerts` to the outbox and delivers them to the stdout receivers;
    /// `false` when the outbox cannot be written.
    private func settle(_ alerts: [Alert]) -> Bool {
        let kinds = Dictionary(alerts.map { ($0.id, $0.kind.rawValue) }, uniquingKeysWith: { first, _ in first })
        let input = alerts.map { alert -> (id: String, rule: String, json: [UInt8], receivers: [String]) in
            var json: [UInt8] = []
            alert.writeJSON(into: &json)
            var receivers: [String] = []
            for name in alert.notify.isEmpty ? defaultReceivers : alert.notify where !receivers.contains(name) { receivers.append(name) }
            return (alert.id, alert.rule, json, receivers)
        }
        let admitted: [Outbox.Admitted]
        do {
            admitted = try outbox.admit(input, now: CheckpointCoordinator.wallClockMilliseconds())
        } catch {
            if !failing { log("error: cannot write alerts to the outbox: \(error); they wait (no checkpoint covers them) until it can") }
            failing = true
            return false
        }
        if failing { log("the outbox is writable again") }
        failing = false
        var output: [UInt8] = []
        var printedTo: [(id: String, receivers: [String])] = []
        var webhookWork: [(id: String, receiver: String, due: Int64)] = []
        for item in admitted {
            let entry = item.entry
            if item.isNew {
                metrics.alertEmitted(rule: entry.rule, kind: kinds[entry.id] ?? "match")
                for delivery in entry.deliveries where !stdoutReceivers.contains(delivery.receiver) {
                    metrics.pendingChanged(receiver: delivery.receiver, by: 1)
                }
            }
            let pending = entry.deliveries.filter { $0.state == .pending }
            let stdout = pending.filter { stdoutReceivers.contains($0.receiver) }.map(\.receiver)
            if !stdout.isEmpty {
                // One line per alert, however many stdout receivers it names.
                output += entry.alertJSON
                output.append(0x0A)
                printedTo.append((entry.id, stdout))
            }
            for delivery in pending where !stdoutReceivers.contains(delivery.receiver) {
                webhookWork.append((entry.id, delivery.receiver, delivery.nextAttempt))
            }
        }
        // Webhooks start at once (their senders run on their own).
        webhooks?.enqueue(webhookWork)
        if !output.isEmpty { standardOutput.write(output, report: log) }
        for (id, receivers) in printedTo {
            do {
                try outbox.modify(id) { entry in
                    for index in entry.deliveries.indices where receivers.contains(entry.deliveries[index].receiver) {
                        entry.deliveries[index].state = .delivered
                        entry.deliveries[index].attempts += 1
                    }
                }
            } catch {
                // The delivery stays pending: a restart prints it once more (same id).
                log("cannot record a stdout delivery of \(id) in the outbox: \(error)")
            }
            for receiver in receivers { metrics.delivered(receiver: receiver) }
        }
        return true
    }
}
