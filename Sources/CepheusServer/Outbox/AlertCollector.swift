import CepheusRuntime

/// One worker's alert sink: the alerts of the records it is matching, handed to the
/// dispatch (and so to the outbox) after each group of records.
final class AlertCollector: @unchecked Sendable {
    private var alerts: [Alert] = []

    func collect(_ alert: Alert) { alerts.append(alert) }

    /// The alerts collected since the last call.
    func take() -> [Alert] {
        defer { alerts.removeAll(keepingCapacity: true) }
        return alerts
    }
}
