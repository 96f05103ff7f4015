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

    /// A metric's full name and help text (the name already carries its unit suffix,
    /// so the descriptor adds none).
    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    init() {
        events = registry.makeCounter(descriptor: Self.metric("cepheus_events_total", "Events read from the ingest log."))
        late = registry.makeCounter(descriptor: Self.metric("cepheus_events_late_total", "Events behind the watermark."))
        rejectedInLog = registry.makeCounter(descriptor: Self.metric("cepheus_events_rejected_total", "Rejected input lines."), labels: [("reason", "invalid")])
        rejectedAtHTTP = registry.makeCounter(descriptor: Self.metric("cepheus_events_rejected_total", "Rejected input lines."), labels: [("reason", "http")])
        rulesLoaded = registry.makeGauge(descriptor: Self.metric("cepheus_rules_loaded", "Rules the runtime runs."))
        reloadErrors = registry.makeCounter(descriptor: Self.metric("cepheus_rule_reload_errors_total", "Rule files that failed to reload."))
        controlRejected = registry.makeCounter(descriptor: Self.metric("cepheus_control_records_rejected_total", "Control records (control stream, rules API) rejected as invalid."))
        checkpointDuration = registry.makeDurationHistogram(
            descriptor: Self.metric("cepheus_checkpoint_duration_seconds", "How long checkpoints take."),
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30)])
        lastCheckpoint = registry.makeGauge(descriptor: Self.metric("cepheus_last_checkpoint_timestamp_seconds", "When the last checkpoint committed."))
        watermarkLag = registry.makeGauge(descriptor: Self.metric("cepheus_watermark_lag_seconds", "Wall clock minus the event-time watermark."))
    }

    func rejectedAtIngest(_ count: Int) {
        if count > 0 { rejectedAtHTTP.increment(by: Int64(count)) }
    }

    func reloadFailed() { reloadErrors.increment() }

    /// One new alert (in the outbox for the first time).
    func alertEmitted(rule: String, kind: String) {
        registry.makeCounter(descriptor: Self.metric("cepheus_alerts_total", "Alerts emitted (new in the outbox), by rule and kind."), labels: [("rule", rule), ("kind", kind)]).increment()
    }

    /// One alert delivered to `receiver`.
    func delivered(receiver: String) {
        registry.makeCounter(descriptor: Self.metric("cepheus_alerts_delivered_total", "Alert deliveries that succeeded, by receiver."), labels: [("receiver", receiver)]).increment()
    }

    /// One delivery attempt to `receiver` that failed (retried or dead-lettered).
    func deliveryFailed(receiver: String) {
        registry.makeCounter(descriptor: Self.metric("cepheus_alert_delivery_failures_total", "Alert delivery attempts that failed, by receiver."), labels: [("receiver", receiver)]).increment()
    }

    /// Deliveries waiting in the outbox for `receiver` (at start).
    func setPending(receiver: String, count: Int) {
        registry.makeGauge(descriptor: Self.metric("cepheus_outbox_pending", "Deliveries waiting in the outbox, by receiver."), labels: [("receiver", receiver)])
            .set(to: Double(count))
    }

    /// Deliveries waiting in the outbox for `receiver` changed by `delta`.
    func pendingChanged(receiver: String, by delta: Int) {
        let gauge = registry.makeGauge(descriptor: Self.metric("cepheus_outbox_pending", "Deliveries waiting in the outbox, by receiver."), labels: [("receiver", receiver)])
        if delta > 0 { gauge.increment(by: Double(delta)) } else { gauge.decrement(by: Double(-delta)) }
    }

    /// Receivers appear in the delivery metrics from the start.
    func declare(receivers: [String]) {
        for receiver in receivers {
            _ = registry.makeCounter(descriptor: Self.metric("cepheus_alerts_delivered_total", "Alert deliveries that succeeded, by receiver."), labels: [("receiver", receiver)])
            _ = registry.makeCounter(descriptor: Self.metric("cepheus_alert_delivery_failures_total", "Alert delivery attempts that failed, by receiver."), labels: [("receiver", receiver)])
            registry.makeGauge(descriptor: Self.metric("cepheus_outbox_pending", "Deliveries waiting in the outbox, by receiver."), labels: [("receiver", receiver)]).set(to: 0)
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
        let moves = [
            ("compacted", counters.statesCompacted, last.counters.statesCompacted),
            ("inflated", counters.statesInflated, last.counters.statesInflated),
            ("spilled", counters.statesSpilled, last.counters.statesSpilled),
            ("loaded", counters.statesLoaded, last.counters.statesLoaded),
        ]
        for (kind, now, before) in moves where now > before {
            registry.makeCounter(
                descriptor: Self.metric(
                    "cepheus_state_moves_total",
                    "(Rule, key) states compacted in memory, made live again, spilled to RocksDB or loaded back."),
                labels: [("kind", kind)]
            ).increment(by: Int64(now - before))
        }
        for rule in rules {
            registry.makeGauge(descriptor: Self.metric("cepheus_keys", "(Rule, key) states held (live, compacted or spilled), by rule."), labels: [("rule", rule.id)]).set(to: Double(rule.keys))
            registry.makeGauge(descriptor: Self.metric("cepheus_partial_matches", "Partial matches alive, by rule."), labels: [("rule", rule.id)]).set(to: Double(rule.partialMatches))
            let dropped = rule.droppedPartialMatches - (last.dropped[rule.id] ?? 0)
            let counter = registry.makeCounter(descriptor: Self.metric("cepheus_partial_matches_dropped_total", "Partial matches dropped by the per-key cap, by rule."), labels: [("rule", rule.id)])
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
