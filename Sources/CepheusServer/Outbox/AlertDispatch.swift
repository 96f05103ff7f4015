import CepheusCore
import CepheusRuntime
import CepheusState

/// Takes the alerts the runtime emits, on the runtime thread: collects them while a
/// group of log records is matched, then `settle` writes them to the outbox (one synced
/// write) before anything is delivered, prints those for stdout receivers (one JSON line
/// each, once per alert) and records those deliveries. An alert derived again after a
/// restore finds its outbox entry: it is not counted or printed again unless its stdout
/// delivery was still pending.
final class AlertDispatch: @unchecked Sendable {
    private let outbox: Outbox
    private let stdoutReceivers: Set<String>
    private let defaultReceivers: [String]
    private let metrics: DaemonMetrics
    private let log: (String) -> Void
    private var collected: [Alert] = []
    private var output: [UInt8] = []
    private var failing = false
    private let standardOutput: StandardOutputWriter

    init(
        outbox: Outbox, stdoutReceivers: Set<String>, defaultReceivers: [String], metrics: DaemonMetrics,
        standardOutput: StandardOutputWriter, log: @escaping (String) -> Void
    ) {
        self.standardOutput = standardOutput
        self.outbox = outbox
        self.stdoutReceivers = stdoutReceivers
        self.defaultReceivers = defaultReceivers
        self.metrics = metrics
        self.log = log
    }

    /// The runtime's alert sink.
    func collect(_ alert: Alert) { collected.append(alert) }

    /// Alerts collected and not yet in the outbox.
    var unsettled: Int { collected.count }

    /// Writes the collected alerts to the outbox and delivers them to the stdout
    /// receivers. `false` when the outbox cannot be written: the alerts stay collected
    /// (the runtime retries, and takes no checkpoint that would cover them).
    func settle() -> Bool {
        guard !collected.isEmpty else { return true }
        let kinds = Dictionary(collected.map { ($0.id, $0.kind.rawValue) }, uniquingKeysWith: { first, _ in first })
        let input = collected.map { alert -> (id: String, rule: String, json: [UInt8], receivers: [String]) in
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
            if !failing { log("error: cannot write alerts to the outbox: \(error); matching waits until it can") }
            failing = true
            return false
        }
        if failing { log("the outbox is writable again") }
        failing = false
        collected.removeAll(keepingCapacity: true)
        var changed: [OutboxEntry] = []
        for item in admitted {
            var entry = item.entry
            if item.isNew {
                metrics.alertEmitted(rule: entry.rule, kind: kinds[entry.id] ?? "match")
                for delivery in entry.deliveries where !stdoutReceivers.contains(delivery.receiver) {
                    metrics.pendingChanged(receiver: delivery.receiver, by: 1)
                }
            }
            var printed = false
            for index in entry.deliveries.indices
            where entry.deliveries[index].state == .pending && stdoutReceivers.contains(entry.deliveries[index].receiver) {
                if !printed {
                    output += entry.alertJSON
                    output.append(0x0A)
                    printed = true
                }
                entry.deliveries[index].state = .delivered
                entry.deliveries[index].attempts += 1
                metrics.delivered(receiver: entry.deliveries[index].receiver)
            }
            if printed { changed.append(entry) }
        }
        flushOutput()
        do {
            try outbox.update(changed)
        } catch {
            // The entries stay pending: a restart prints them once more (same ids).
            log("cannot record stdout deliveries in the outbox: \(error)")
        }
        return true
    }

    private func flushOutput() {
        guard !output.isEmpty else { return }
        standardOutput.write(output, report: log)
        output.removeAll(keepingCapacity: true)
    }
}
