import CepheusRuntime
import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's Prometheus metrics (spec/daemon.md names), kept by swift-prometheus and
/// served at `GET /metrics`. The runtime thread publishes its counters about once a
/// second (as increments since the last publication) and each alert as it is written.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let events: Counter
    private let late: Counter
    private let rejectedInLog: Counter
    private let rejectedAtHTTP: Counter
    private let rulesLoaded: Gauge
    private let reloadErrors: Counter
    private let controlRejected: Counter
    private let checkpointDuration: DurationHistogram
    private let lastCheckpoint: Gauge
    private let watermarkLag: Gauge
    private let previous = Mutex(Published())

    struct Published: Sendable {
        var counters = RuntimeCounters()
        var dropped: [String: Int] = [:]
    }

    init() {
        events = registry.makeCounter(name: "cepheus_events_total", help: "Events read from the ingest log.")
        late = registry.makeCounter(name: "cepheus_events_late_total", help: "Events behind the watermark.")
        rejectedInLog = registry.makeCounter(name: "cepheus_events_rejected_total", labels: [("reason", "invalid")], help: "Rejected input lines.")
        rejectedAtHTTP = registry.makeCounter(name: "cepheus_events_rejected_total", labels: [("reason", "http")], help: "Rejected input lines.")
        rulesLoaded = registry.makeGauge(name: "cepheus_rules_loaded", help: "Rules the runtime runs.")
        reloadErrors = registry.makeCounter(name: "cepheus_rule_reload_errors_total", help: "Rule files that failed to reload.")
        controlRejected = registry.makeCounter(
            name: "cepheus_control_records_rejected_total", help: "Control records (control stream, rules API) rejected as invalid.")
        checkpointDuration = registry.makeDurationHistogram(
            name: "cepheus_checkpoint_duration_seconds",
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30)],
            help: "How long checkpoints take.")
        lastCheckpoint = registry.makeGauge(name: "cepheus_last_checkpoint_timestamp_seconds", help: "When the last checkpoint committed.")
        watermarkLag = registry.makeGauge(name: "cepheus_watermark_lag_seconds", help: "Wall clock minus the event-time watermark.")
    }

    func rejectedAtIngest(_ count: Int) {
        if count > 0 { rejectedAtHTTP.increment(by: Int64(count)) }
    }

    func reloadFailed() { reloadErrors.increment() }

    /// One new alert (in the outbox for the first time).
    func alertEmitted(rule: String, kind: String) {
        registry.makeCounter(name: "cepheus_alerts_total", labels: [("rule", rule), ("kind", kind)], help: "Alerts emitted (new in the outbox), by rule and kind.").increment()
    }

    /// One alert delivered to `receiver`.
    func delivered(receiver: String) {
        registry.makeCounter(name: "cepheus_alerts_delivered_total", labels: [("receiver", receiver)], help: "Alert deliveries that succeeded, by receiver.").increment()
    }

    /// One delivery attempt to `receiver` that failed (retried or dead-lettered).
    func deliveryFailed(receiver: String) {
        registry.makeCounter(
            name: "cepheus_alert_delivery_failures_total", labels: [("receiver", receiver)],
            help: "Alert delivery attempts that failed, by receiver.").increment()
    }

    /// Deliveries waiting in the outbox for `receiver` (at start).
    func setPending(receiver: String, count: Int) {
        registry.makeGauge(name: "cepheus_outbox_pending", labels: [("receiver", receiver)], help: "Deliveries waiting in the outbox, by receiver.")
            .set(to: Double(count))
    }

    /// Deliveries waiting in the outbox for `receiver` changed by `delta`.
    func pendingChanged(receiver: String, by delta: Int) {
        let gauge = registry.makeGauge(name: "cepheus_outbox_pending", labels: [("receiver", receiver)], help: "Deliveries waiting in the outbox, by receiver.")
        if delta > 0 { gauge.increment(by: Double(delta)) } else { gauge.decrement(by: Double(-delta)) }
    }

    /// Receivers appear in the delivery metrics from the start.
    func declare(receivers: [String]) {
        for receiver in receivers {
            _ = registry.makeCounter(name: "cepheus_alerts_delivered_total", labels: [("receiver", receiver)], help: "Alert deliveries that succeeded, by receiver.")
            _ = registry.makeCounter(name: "cepheus_alert_delivery_failures_total", labels: [("receiver", receiver)], help: "Alert delivery attempts that failed, by receiver.")
            registry.makeGauge(name: "cepheus_outbox_pending", labels: [("receiver", receiver)], help: "Deliveries waiting in the outbox, by receiver.").set(to: 0)
        }
    }

    /// The runtime's figures now.
    func publish(counters: RuntimeCounters, rules: [RuleStatistics], watermark: Int64?) {
        let last = previous.withLock { published -> Published in
            let before = published
            published.counters = counters
            for rule in rules { published.dropped[rule.id] = rule.droppedPartialMatches }
            return before
        }
        events.increment(by: Int64(max(0, counters.events - last.counters.events)))
        late.increment(by: Int64(max(0, counters.late - last.counters.late)))
        rejectedInLog.increment(by: Int64(max(0, counters.rejected - last.counters.rejected)))
        controlRejected.increment(by: Int64(max(0, counters.controlRejected - last.counters.controlRejected)))
        rulesLoaded.set(to: Double(rules.count))
        for rule in rules {
            registry.makeGauge(name: "cepheus_partial_matches", labels: [("rule", rule.id)], help: "Partial matches alive, by rule.").set(to: Double(rule.partialMatches))
            let dropped = rule.droppedPartialMatches - (last.dropped[rule.id] ?? 0)
            let counter = registry.makeCounter(name: "cepheus_partial_matches_dropped_total", labels: [("rule", rule.id)], help: "Partial matches dropped by the per-key cap, by rule.")
            if dropped > 0 { counter.increment(by: Int64(dropped)) }
        }
        if let watermark, watermark > Int64.min / 2, watermark < Int64.max / 2 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let wall = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
            watermarkLag.set(to: max(0, wall - Double(watermark) / 1000))
        }
    }

    func checkpointed(seconds: Double) {
        checkpointDuration.record(.nanoseconds(Int64(seconds * 1e9)))
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        lastCheckpoint.set(to: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
    }
}
