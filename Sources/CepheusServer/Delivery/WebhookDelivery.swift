import AsyncHTTPClient
import CepheusCore
import CepheusRuntime
import CepheusState
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import UnixSignals
import Synchronization

/// Sends the outbox's pending deliveries to the webhook receivers (spec/daemon.md):
/// one lane per receiver with `concurrency` senders of its own, so a slow or dead
/// receiver never delays another; every attempt's outcome is written back to the outbox
/// entry (delivered, retried later with backoff, or dead-lettered), so pending
/// deliveries survive restarts and resume where they were.
final class WebhookDelivery: Service, @unchecked Sendable {
    /// One receiver's queue of deliveries, earliest due first.
    final class Lane: @unchecked Sendable {
        let name: String
        /// The receiver's settings and compiled body (replaced by a SIGHUP reload).
        private let settings: Mutex<Settings>
        private let state = Mutex(LaneState())

        struct Settings: Sendable {
            var config: DaemonConfig.Webhook
            var body: WebhookBody
        }

        var current: Settings { settings.withLock { $0 } }

        func replace(_ new: Settings) { settings.withLock { $0 = new } }

        struct LaneState {
            var queue = DeliveryQueue()
            /// Alert ids queued or being sent (each at most once).
            var held: Set<String> = []
            /// Senders waiting for work (an empty queue), woken by `enqueue` or `close`.
            var waiters: [CheckedContinuation<Void, Never>] = []
            var closed = false
        }

        init(name: String, config: DaemonConfig.Webhook, body: WebhookBody) {
            self.name = name
            settings = Mutex(Settings(config: config, body: body))
        }

        func enqueue(_ id: String, due: Int64) -> Bool {
            let (queued, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard state.held.insert(id).inserted else { return (false, nil) }
                state.queue.insert(.init(id: id, due: due))
                return (true, state.waiters.popLast())
            }
            waiter?.resume()
            return queued
        }

        /// Requeues a delivery being sent (a retry).
        func requeue(_ id: String, due: Int64) {
            state.withLock { $0.queue.insert(.init(id: id, due: due)) }
        }

        func take(dueBy now: Int64) -> Work? {
            state.withLock { $0.queue.popFirst(dueBy: now) }
        }

        /// When the earliest queued delivery is due; nil when none is queued.
        var nextDue: Int64? { state.withLock { $0.queue.first?.due } }

        /// Waits until a delivery is queued (or the lane closes).
        func waitForWork() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state -> Bool in
                    guard state.queue.count == 0, !state.closed else { return false }
                    state.waiters.append(continuation)
                    return true
                }
                if !parked { continuation.resume() }
            }
        }

        var isClosed: Bool { state.withLock { $0.closed } }

        /// Stops the lane: waiting senders return.
        func close() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.closed = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func release(_ id: String) {
            _ = state.withLock { $0.held.remove(id) }
        }

        var queued: Int { state.withLock { $0.held.count } }
    }

    typealias Work = DeliveryQueue.Item

    private let lanes: [String: Lane]
    private let outbox: Outbox
    private let metrics: DaemonMetrics
    private let log: @Sendable (String) -> Void
    private let client: HTTPClient
    private let random = Mutex(SplitMix64(seed: UInt64(truncatingIfNeeded: CheckpointCoordinator.wallClockMilliseconds())))

    /// The configuration file, re-read on SIGHUP (nil: the embedded defaults).
    private let configPath: String?

    /// The webhook receivers of `receivers` (template bodies compiled).
    init(
        receivers: [String: DaemonConfig.Receiver], outbox: Outbox, metrics: DaemonMetrics, configPath: String? = nil,
        log: @escaping @Sendable (String) -> Void
    ) throws {
        self.configPath = configPath
        var lanes: [String: Lane] = [:]
        for (name, receiver) in receivers {
            guard case .webhook(let webhook) = receiver else { continue }
            do {
                lanes[name] = Lane(name: name, config: webhook, body: try WebhookBody(receiver: name, config: webhook))
            } catch {
                throw Daemon.StartFailure(description: error.description)
            }
        }
        self.lanes = lanes
        self.outbox = outbox
        self.metrics = metrics
        self.log = log
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)), decompression: .disabled)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    var receiverNames: Set<String> { Set(lanes.keys) }

    /// Queues deliveries (new alerts, or ones that resume after a restart).
    func enqueue(_ items: [(id: String, receiver: String, due: Int64)]) {
        for item in items { _ = lanes[item.receiver]?.enqueue(item.id, due: item.due) }
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes.values {
                for _ in 0..<max(1, lane.current.config.concurrency) {
                    group.addTask { await self.send(lane) }
                }
            }
            group.addTask {
                for await _ in signals { self.reloadReceivers() }
            }
            try? await gracefulShutdown()
            for lane in lanes.values { lane.close() }
            group.cancelAll()
        }
        try? await client.shutdown()
    }

    /// SIGHUP: re-reads the configuration file and applies its webhook receivers'
    /// settings (url, format and body, headers, secret, timeout, max_age). An invalid file
    /// changes nothing; adding or removing receivers, or changing `concurrency`, takes a
    /// restart (logged).
    func reloadReceivers() {
        guard let configPath else { return }
        let (loaded, diagnostics) = DaemonConfigLoader.load(path: configPath)
        guard let loaded else {
            for diagnostic in diagnostics { log("\(diagnostic.description) (SIGHUP: the receivers stay as they were)") }
            return
        }
        for (name, receiver) in loaded.receivers.sorted(by: { $0.key < $1.key }) {
            guard case .webhook(let config) = receiver else { continue }
            guard let lane = lanes[name] else {
                log("SIGHUP: receiver \(name) is new; it takes a restart to start delivering to it")
                continue
            }
            do {
                let before = lane.current.config
                lane.replace(.init(config: config, body: try WebhookBody(receiver: name, config: config)))
                if before != config { log("SIGHUP: receiver \(name) reloaded") }
                if before.concurrency != config.concurrency { log("SIGHUP: receiver \(name): a new concurrency takes a restart") }
            } catch {
                log("SIGHUP: \(error.description); receiver \(name) stays as it was")
            }
        }
        for name in lanes.keys.sorted() where loaded.receivers[name] == nil {
            log("SIGHUP: receiver \(name) is gone from the configuration; it keeps delivering until a restart")
        }
    }

    /// One sender of a lane: takes the earliest due delivery and attempts it.
    private func send(_ lane: Lane) async {
        while !Task.isCancelled && !lane.isClosed {
            let now = CheckpointCoordinator.wallClockMilliseconds()
            if let work = lane.take(dueBy: now) {
                await attempt(work, lane: lane)
            } else if let due = lane.nextDue {
                // A retry later: sleep until it is due (at most 100 ms, so new work that
                // another sender parks for is not missed for long).
                try? await Task.sleep(for: .milliseconds(max(1, min(due - now, 100))))
            } else {
                await lane.waitForWork()
            }
        }
    }

    private func attempt(_ work: Work, lane: Lane) async {
        guard let entry = try? outbox.entry(work.id),
              let delivery = entry.deliveries.first(where: { $0.receiver == lane.name }), delivery.state == .pending else {
            lane.release(work.id)
            return
        }
        let settings = lane.current
        let config = settings.config
        let body = settings.body.render(alertJSON: entry.alertJSON)
        var request = HTTPClientRequest(url: config.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "cepheus")
        request.headers.add(name: "X-Cepheus-Alert-Id", value: entry.id)
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
        if let secret = config.secret {
            let timestamp = CheckpointCoordinator.wallClockMilliseconds() / 1000
            request.headers.add(name: "X-Cepheus-Timestamp", value: String(timestamp))
            request.headers.add(name: "X-Cepheus-Signature", value: WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let verdict: DeliveryPolicy.Verdict
        do {
            let response = try await client.execute(request, timeout: .milliseconds(config.timeout))
            _ = try? await response.body.collect(upTo: 1 << 20)
            verdict = DeliveryPolicy.verdict(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                now: CheckpointCoordinator.wallClockMilliseconds())
        } catch {
            verdict = .retry(reason: Self.describe(error), notBefore: nil)
        }
        record(verdict, work: work, lane: lane)
    }

    /// Writes the attempt's outcome to the outbox entry and requeues a retry.
    private func record(_ verdict: DeliveryPolicy.Verdict, work: Work, lane: Lane) {
        let now = CheckpointCoordinator.wallClockMilliseconds()
        var next: Int64?
        var settled: OutboxEntry.DeliveryState?
        do {
            try outbox.modify(work.id) { entry in
                guard let index = entry.deliveries.firstIndex(where: { $0.receiver == lane.name }) else { return }
                var delivery = entry.deliveries[index]
                delivery.attempts += 1
                switch verdict {
                case .delivered:
                    delivery.state = .delivered
                    delivery.lastError = nil
                case .permanent(let reason):
                    delivery.state = .dead
                    delivery.lastError = reason
                case .retry(let reason, let notBefore):
                    let wait = random.withLock { DeliveryPolicy.backoff(afterAttempts: delivery.attempts, random: &$0) }
                    let due = max(now + wait, notBefore ?? 0)
                    if due - delivery.since > lane.current.config.maxAge {
                        delivery.state = .dead
                        delivery.lastError = "\(reason); gave up after max_age"
                    } else {
                        delivery.lastError = reason
                        delivery.nextAttempt = due
                        next = due
                    }
                }
                if delivery.state != .pending { settled = delivery.state }
                entry.deliveries[index] = delivery
            }
        } catch {
            // The outcome is not recorded: try again shortly (a repeat at worst).
            log("cannot record a delivery of \(work.id) to \(lane.name) in the outbox: \(error)")
            lane.requeue(work.id, due: now + 1_000)
            return
        }
        switch verdict {
        case .delivered: metrics.delivered(receiver: lane.name)
        default: metrics.deliveryFailed(receiver: lane.name)
        }
        if let next {
            lane.requeue(work.id, due: next)
            return
        }
        lane.release(work.id)
        if settled != nil { metrics.pendingChanged(receiver: lane.name, by: -1) }
        if settled == .dead {
            let reason: String
            switch verdict {
            case .permanent(let why), .retry(let why, _): reason = why
            case .delivered: reason = ""
            }
            log("alert \(work.id) to \(lane.name): dead letter (\(reason))")
        }
    }

    /// Puts dead letters back to pending (for `receiver` and alert `id` when given)
    /// with a fresh `max_age`, and queues them now; returns how many.
    func retryDeadLetters(receiver: String?, id: String?) throws -> Int {
        let now = CheckpointCoordinator.wallClockMilliseconds()
        let entries = try id.map { try outbox.entry($0).map { [$0] } ?? [] } ?? outbox.deadLetters(receiver: receiver)
        var count = 0
        for entry in entries {
            var revived: [String] = []
            try outbox.modify(entry.id) { entry in
                for index in entry.deliveries.indices
                where entry.deliveries[index].state == .dead && (receiver == nil || entry.deliveries[index].receiver == receiver)
                    && lanes[entry.deliveries[index].receiver] != nil {
                    entry.deliveries[index].state = .pending
                    entry.deliveries[index].since = now
                    entry.deliveries[index].nextAttempt = now
                    revived.append(entry.deliveries[index].receiver)
                }
            }
            for name in revived {
                count += 1
                metrics.pendingChanged(receiver: name, by: 1)
                _ = lanes[name]?.enqueue(entry.id, due: now)
            }
        }
        return count
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("deadlineExceeded") || text.contains("readTimeout") || text.contains("connectTimeout") { return "timeout" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") || text.contains("reset") { return "connection reset" }
        return text
    }
}
