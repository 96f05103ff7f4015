import CepheusCore
import CepheusState
import Synchronization

/// The alert outbox (DESIGN.md, Alerts; spec/daemon.md): every alert the runtime emits
/// is written here, keyed by its id, before any delivery attempt — in one synced
/// RocksDB write per group of alerts. It is a RocksDB of its own (`DIR/outbox`, through
/// its write-ahead log), never replaced by a checkpoint restore, so an alert that is
/// derived again after a restore finds its entry and is not queued twice.
///
/// Keys: `a` + alert id → the entry; `s` + (UInt64.max − sequence), big-endian → the id,
/// so a forward scan lists the newest first; `d` + alert id → nothing, the index of the
/// entries holding a dead letter. The newest `retain` entries are kept (the API's recent
/// alerts); older ones go once every delivery of theirs is delivered — an entry with a
/// pending delivery stops the pruning, one with a dead letter is kept (and skipped).
public final class Outbox: @unchecked Sendable {
    private let store: RocksStateStore
    private let retain: Int
    private let positions = Mutex(Positions())
    /// One admission at a time (the daemon's workers share the outbox): sequences are
    /// handed out in order.
    private let admission = Mutex(())

    struct Positions {
        var next: UInt64 = 1
        var oldest: UInt64 = 1
    }

    /// What `admit` did with one alert.
    public struct Admitted: Sendable {
        public var entry: OutboxEntry
        /// `false` when the alert was in the outbox already (derived again).
        public var isNew: Bool
    }

    static let entryPrefix = UInt8(ascii: "a")
    static let sequencePrefix = UInt8(ascii: "s")
    static let deadPrefix = UInt8(ascii: "d")

    /// Opens (creating) the outbox in `directory`; `readOnly` beside a running daemon
    /// (`cepheus inspect`).
    public init(directory: String, retain: Int = 50_000, readOnly: Bool = false) throws {
        if !readOnly { try FileSystem.createDirectories(directory) }
        store = try RocksStateStore(path: directory, readOnly: readOnly)
        self.retain = max(retain, 10_000)
        var newest: UInt64?
        var oldest: UInt64?
        try store.scan(prefix: [Self.sequencePrefix], from: nil) { key, _ in
            let sequence = Self.sequence(fromKey: key)
            if newest == nil { newest = sequence }
            oldest = sequence
            return true
        }
        positions.withLock { positions in
            positions.next = (newest ?? 0) + 1
            positions.oldest = oldest ?? positions.next
        }
    }

    /// Closes the database (see `RocksStateStore.close`).
    public func close() { store.close() }

    static func entryKey(_ id: String) -> [UInt8] { [entryPrefix] + Array(id.utf8) }

    static func sequenceKey(_ sequence: UInt64) -> [UInt8] {
        var key: [UInt8] = [sequencePrefix]
        withUnsafeBytes(of: (UInt64.max - sequence).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    static func sequence(fromKey key: [UInt8]) -> UInt64 {
        var raw: UInt64 = 0
        for byte in key.dropFirst().prefix(8) { raw = raw << 8 | UInt64(byte) }
        return UInt64.max - raw
    }

    /// Writes the alerts that are not in the outbox yet — with a pending delivery per
    /// receiver — in one synced write, and returns every alert's entry: new, or found
    /// (derived again; only its pending deliveries still need doing).
    public func admit(_ alerts: [(id: String, rule: String, json: [UInt8], receivers: [String])], now: Int64) throws -> [Admitted] {
        try admission.withLock { _ in try admitSerially(alerts, now: now) }
    }

    private func admitSerially(_ alerts: [(id: String, rule: String, json: [UInt8], receivers: [String])], now: Int64) throws -> [Admitted] {
        var batch = StateBatch()
        var admitted: [Admitted] = []
        var seen: Set<String> = []
        var next = positions.withLock { $0.next }
        for alert in alerts where seen.insert(alert.id).inserted {
            if let bytes = try store.get(Self.entryKey(alert.id)) {
                admitted.append(Admitted(entry: try OutboxEntry.decode(bytes), isNew: false))
                continue
            }
            let entry = OutboxEntry(
                id: alert.id, sequence: next, created: now, rule: alert.rule, alertJSON: alert.json,
                deliveries: alert.receivers.map { OutboxEntry.Delivery(receiver: $0, nextAttempt: now, since: now) })
            batch.put(Self.entryKey(alert.id), entry.encoded())
            batch.put(Self.sequenceKey(next), Array(alert.id.utf8))
            next += 1
            admitted.append(Admitted(entry: entry, isNew: true))
        }
        guard !batch.isEmpty else { return admitted }
        try store.write(batch, durability: .synced)
        positions.withLock { $0.next = next }
        try prune()
        return admitted
    }

    /// Changes the entry of alert `id` in place (read, `change`, write, with no other
    /// writer between: receivers record their deliveries of one alert concurrently) and
    /// returns it; nil when there is no such entry. Through the write-ahead log, not
    /// synced: a state lost in a crash is redone — a delivery at most repeated, under the
    /// same id. Keeps the dead-letter index in step.
    @discardableResult
    public func modify(_ id: String, _ change: (inout OutboxEntry) -> Void) throws -> OutboxEntry? {
        try admission.withLock { _ in
            guard let bytes = try store.get(Self.entryKey(id)) else { return nil }
            var entry = try OutboxEntry.decode(bytes)
            let wasDead = entry.deliveries.contains { $0.state == .dead }
            change(&entry)
            let isDead = entry.deliveries.contains { $0.state == .dead }
            var batch = StateBatch()
            batch.put(Self.entryKey(id), entry.encoded())
            if isDead != wasDead {
                if isDead { batch.put(Self.deadKey(id), []) } else { batch.delete(Self.deadKey(id)) }
            }
            try store.write(batch, durability: .logged)
            return entry
        }
    }

    static func deadKey(_ id: String) -> [UInt8] { [deadPrefix] + Array(id.utf8) }

    /// The entries holding a dead letter (for `receiver` only, when given), at most
    /// `limit`, in id order.
    public func deadLetters(receiver: String? = nil, limit: Int = .max) throws -> [OutboxEntry] {
        var result: [OutboxEntry] = []
        try store.scan(prefix: [Self.deadPrefix], from: nil) { key, _ in
            if let bytes = try store.get([Self.entryPrefix] + key.dropFirst()) {
                let entry = try OutboxEntry.decode(bytes)
                if entry.deliveries.contains(where: { $0.state == .dead && (receiver == nil || $0.receiver == receiver) }) {
                    result.append(entry)
                }
            }
            return result.count < limit
        }
        return result
    }

    /// Every pending delivery to one of `receivers` (restart: they resume), oldest first.
    public func pendingDeliveries(to receivers: Set<String>) throws -> [(id: String, receiver: String, due: Int64)] {
        var result: [(id: String, receiver: String, due: Int64)] = []
        try store.scan(prefix: [Self.entryPrefix], from: nil) { _, bytes in
            let entry = try OutboxEntry.decode(bytes)
            for delivery in entry.deliveries where delivery.state == .pending && receivers.contains(delivery.receiver) {
                result.append((entry.id, delivery.receiver, delivery.nextAttempt))
            }
            return true
        }
        return result.sorted { $0.due < $1.due }
    }

    /// The entry of alert `id`.
    public func entry(_ id: String) throws -> OutboxEntry? {
        try store.get(Self.entryKey(id)).map { try OutboxEntry.decode($0) }
    }

    /// The newest entries first, at most `limit`, those `including` accepts.
    public func recent(limit: Int, including: (OutboxEntry) -> Bool = { _ in true }) throws -> [OutboxEntry] {
        var result: [OutboxEntry] = []
        guard limit > 0 else { return result }
        try store.scan(prefix: [Self.sequencePrefix], from: nil) { _, id in
            if let bytes = try store.get([Self.entryPrefix] + id) {
                let entry = try OutboxEntry.decode(bytes)
                if including(entry) { result.append(entry) }
            }
            return result.count < limit
        }
        return result
    }

    /// What the outbox holds: entries, pending deliveries and dead letters per receiver.
    public struct Summary: Sendable {
        public var entries = 0
        public var pending: [String: Int] = [:]
        public var delivered: [String: Int] = [:]
        public var dead: [String: Int] = [:]
    }

    /// Counts every entry's deliveries (a full scan).
    public func summary() throws -> Summary {
        var summary = Summary()
        try store.scan(prefix: [Self.entryPrefix], from: nil) { _, bytes in
            let entry = try OutboxEntry.decode(bytes)
            summary.entries += 1
            for delivery in entry.deliveries {
                switch delivery.state {
                case .pending: summary.pending[delivery.receiver, default: 0] += 1
                case .delivered: summary.delivered[delivery.receiver, default: 0] += 1
                case .dead: summary.dead[delivery.receiver, default: 0] += 1
                }
            }
            return true
        }
        return summary
    }

    /// Entries held now.
    public var count: Int { positions.withLock { Int($0.next - $0.oldest) } }

    /// Drops the oldest entries beyond `retain` whose deliveries are all settled.
    private func prune() throws {
        var (oldest, next) = positions.withLock { ($0.oldest, $0.next) }
        guard next - oldest > UInt64(retain) else { return }
        var batch = StateBatch()
        while next - oldest > UInt64(retain) {
            let sequenceKey = Self.sequenceKey(oldest)
            if let id = try store.get(sequenceKey) {
                if let bytes = try store.get([Self.entryPrefix] + id) {
                    let entry = try OutboxEntry.decode(bytes)
                    if !entry.isSettled { break }
                    // A dead letter stays until it is retried and delivered (or the
                    // state directory goes); the newer entries may go meanwhile.
                    if entry.deliveries.contains(where: { $0.state == .dead }) {
                        oldest += 1
                        continue
                    }
                }
                batch.delete([Self.entryPrefix] + id)
                batch.delete(sequenceKey)
            }
            oldest += 1
        }
        try store.write(batch, durability: .logged)
        positions.withLock { $0.oldest = oldest }
    }
}
