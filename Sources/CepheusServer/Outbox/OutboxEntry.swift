import CepheusCore

/// One alert in the outbox (DESIGN.md, Alerts): the alert's JSON exactly as emitted and
/// where each of its receivers stands. Written, keyed by the alert id, before any
/// delivery attempt; a re-derived alert (after a restore) finds it and is not queued
/// twice.
public struct OutboxEntry: Sendable, Equatable {
    /// Where one receiver's delivery stands.
    public enum DeliveryState: UInt8, Sendable {
        case pending = 0
        case delivered = 1
        /// Given up on (permanent error or past `max_age`): a dead letter.
        case dead = 2

        public var name: String {
            switch self {
            case .pending: "pending"
            case .delivered: "delivered"
            case .dead: "dead"
            }
        }
    }

    /// One receiver's delivery of the alert.
    public struct Delivery: Sendable, Equatable {
        public var receiver: String
        public var state: DeliveryState
        public var attempts: Int
        public var lastError: String?
        /// Epoch ms of the next attempt (pending deliveries).
        public var nextAttempt: Int64
        /// Epoch ms when this round of attempts began (the alert's arrival, or a dead
        /// letter's retry): `max_age` counts from here.
        public var since: Int64

        public init(
            receiver: String, state: DeliveryState = .pending, attempts: Int = 0, lastError: String? = nil, nextAttempt: Int64 = 0,
            since: Int64 = 0
        ) {
            self.receiver = receiver
            self.state = state
            self.attempts = attempts
            self.lastError = lastError
            self.nextAttempt = nextAttempt
            self.since = since
        }
    }

    public var id: String
    /// Order of arrival in the outbox (newest last).
    public var sequence: UInt64
    /// Epoch ms when the alert entered the outbox.
    public var created: Int64
    public var rule: String
    /// The alert JSON (rules.md section 5), one compact line.
    public var alertJSON: [UInt8]
    public var deliveries: [Delivery]

    /// Every delivery delivered or dead.
    public var isSettled: Bool { deliveries.allSatisfy { $0.state != .pending } }

    public init(id: String, sequence: UInt64, created: Int64, rule: String, alertJSON: [UInt8], deliveries: [Delivery]) {
        self.id = id
        self.sequence = sequence
        self.created = created
        self.rule = rule
        self.alertJSON = alertJSON
        self.deliveries = deliveries
    }

    /// Format 2 added each delivery's `since`.
    static let formatVersion: UInt8 = 2

    func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + alertJSON.count)
        writer.byte(Self.formatVersion)
        writer.string(id)
        writer.unsigned(sequence)
        writer.signed(created)
        writer.string(rule)
        writer.data(alertJSON)
        writer.unsigned(UInt64(deliveries.count))
        for delivery in deliveries {
            writer.string(delivery.receiver)
            writer.byte(delivery.state.rawValue)
            writer.unsigned(UInt64(delivery.attempts))
            writer.byte(delivery.lastError == nil ? 0 : 1)
            if let error = delivery.lastError { writer.string(error) }
            writer.signed(delivery.nextAttempt)
            writer.signed(delivery.since)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ByteReader.Malformed) -> OutboxEntry {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == 1 || version == 2 else {
            throw ByteReader.Malformed("outbox entry format \(version) is not one this release reads (1, 2)")
        }
        let id = try reader.string()
        let sequence = try reader.unsigned()
        let created = try reader.signed()
        let rule = try reader.string()
        let alert = Array(try reader.data())
        let count = try reader.unsigned()
        guard count <= UInt64(bytes.count) else { throw ByteReader.Malformed("delivery count \(count) exceeds the entry") }
        var deliveries: [Delivery] = []
        for _ in 0..<count {
            let receiver = try reader.string()
            let rawState = try reader.byte()
            guard let state = DeliveryState(rawValue: rawState) else { throw ByteReader.Malformed("unknown delivery state \(rawState)") }
            let attempts = Int(try reader.unsigned())
            let lastError = try reader.byte() == 1 ? try reader.string() : nil
            let nextAttempt = try reader.signed()
            let since = version >= 2 ? try reader.signed() : created
            deliveries.append(
                Delivery(receiver: receiver, state: state, attempts: attempts, lastError: lastError, nextAttempt: nextAttempt, since: since))
        }
        try reader.expectEnd()
        return OutboxEntry(id: id, sequence: sequence, created: created, rule: rule, alertJSON: alert, deliveries: deliveries)
    }

    /// `{"alert":{…},"deliveries":[{"receiver","state","attempts","last_error"}],
    /// "created_at":MS}` (spec/daemon.md, `GET /v1/alerts`; `created_at`, when the alert
    /// entered the outbox, is ours).
    public var jsonValue: Value {
        let alert = (try? JSONReader.parse(alertJSON)) ?? .string(String(decoding: alertJSON, as: UTF8.self))
        return .object(JSONObject([
            ("alert", alert),
            ("created_at", .int(created)),
            ("deliveries", .array(deliveries.map { delivery in
                .object(JSONObject([
                    ("receiver", .string(delivery.receiver)), ("state", .string(delivery.state.name)),
                    ("attempts", .int(Int64(delivery.attempts))), ("last_error", delivery.lastError.map(Value.string) ?? .null),
                ]))
            })),
        ]))
    }
}
