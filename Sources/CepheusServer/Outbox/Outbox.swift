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
/// so a forward scan lists the newest first. The newest `retain` entries are kept (the
/// API's recent alerts); older ones go once every delivery of theirs is settled.
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

    /// Opens (creating) the outbox in `directory`.
    public init(directory: String, retain: Int = 50_000) throws {
        try FileSystem.createDirectories(directory)
        store = try RocksStateStore(path: directory)
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
                deliveries: alert.receivers.map { OutboxEntry.Delivery(receiver: $0, nextAttempt: now) })
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

    /// Stores changed entries (delivery progress). Through the write-ahead log, not
    /// synced: a state lost in a crash is redone — a delivery at most repeated, under
    /// the same id.
    public func update(_ entries: [OutboxEntry]) throws {
        var batch = StateBatch()
        for entry in entries { batch.put(Self.entryKey(entry.id), entry.encoded()) }
        try store.write(batch, durability: .logged)
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
                if let bytes = try store.get([Self.entryPrefix] + id), !(try OutboxEntry.decode(bytes)).isSettled { break }
                batch.delete([Self.entryPrefix] + id)
                batch.delete(sequenceKey)
            }
            oldest += 1
        }
        try store.write(batch, durability: .logged)
        positions.withLock { $0.oldest = oldest }
    }
}
