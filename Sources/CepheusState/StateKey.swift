/// The store's key layout. The first byte names the "column family" (a key prefix,
/// which one RocksDB instance keeps apart as well as real column families would for
/// this workload, and keeps a `WriteBatch` and a checkpoint trivially atomic):
///
/// - `k` + key group (2 bytes, big-endian) + rule id + 0 + canonical key: one
///   (rule, key) state — partial matches, shared-buffer entries, throttle, timer.
///   Grouped by key group first, so a worker loads exactly its groups and a savepoint
///   restores with another worker count.
/// - `r` + sequence (8 bytes, big-endian): an event waiting in the reorder buffer.
/// - `m` + name: runtime metadata (rule set, watermark, counters, source offsets).
/// - `t` + time + state key: the timer of a spilled state (woken when the watermark
///   reaches it).
/// - `o` + alert id: the alert outbox (the delivery issue).
public enum StateKey {
    public static let keyStatePrefix: UInt8 = UInt8(ascii: "k")
    public static let reorderPrefix: UInt8 = UInt8(ascii: "r")
    public static let metadataPrefix: UInt8 = UInt8(ascii: "m")
    public static let outboxPrefix: UInt8 = UInt8(ascii: "o")
    public static let timerPrefix: UInt8 = UInt8(ascii: "t")

    /// The wake-up of a spilled state's timer: `t` + time (8 bytes, big-endian, sign
    /// bit flipped so negative times sort first) + the state's key.
    public static func timer(time: Int64, stateKey: [UInt8]) -> [UInt8] {
        var key: [UInt8] = [timerPrefix]
        key.reserveCapacity(9 + stateKey.count)
        withUnsafeBytes(of: (UInt64(bitPattern: time) ^ (1 << 63)).bigEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: stateKey)
        return key
    }

    /// Splits a timer key into (time, state key).
    public static func parseTimer(_ key: [UInt8]) -> (time: Int64, stateKey: [UInt8])? {
        guard key.count > 9, key[0] == timerPrefix else { return nil }
        var raw: UInt64 = 0
        for byte in key[1..<9] { raw = raw << 8 | UInt64(byte) }
        return (Int64(bitPattern: raw ^ (1 << 63)), Array(key[9...]))
    }

    /// The key of one (rule, key) state.
    public static func keyState(group: Int, rule: String, canonicalKey: String) -> [UInt8] {
        var key: [UInt8] = [keyStatePrefix, UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group)]
        key.reserveCapacity(4 + rule.utf8.count + canonicalKey.utf8.count)
        key.append(contentsOf: rule.utf8)
        key.append(0)
        key.append(contentsOf: canonicalKey.utf8)
        return key
    }

    /// The prefix of every state in key group `group`.
    public static func keyGroupPrefix(_ group: Int) -> [UInt8] {
        [keyStatePrefix, UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group)]
    }

    /// Splits a key-state key into (group, rule id, canonical key).
    public static func parseKeyState(_ key: [UInt8]) -> (group: Int, rule: String, canonicalKey: String)? {
        guard key.count >= 4, key[0] == keyStatePrefix, let separator = key[3...].firstIndex(of: 0) else { return nil }
        let group = Int(key[1]) << 8 | Int(key[2])
        guard let rule = String(validating: key[3..<separator], as: UTF8.self),
              let canonical = String(validating: key[(separator + 1)...], as: UTF8.self) else { return nil }
        return (group, rule, canonical)
    }

    public static func reorderEvent(sequence: Int64) -> [UInt8] {
        var key: [UInt8] = [reorderPrefix]
        withUnsafeBytes(of: UInt64(bitPattern: sequence).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    public static func metadata(_ name: String) -> [UInt8] { [metadataPrefix] + Array(name.utf8) }

    public static func outbox(alertId: String) -> [UInt8] { [outboxPrefix] + Array(alertId.utf8) }

    /// The smallest key after every key starting with `prefix`.
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    }

    /// Bytewise comparison (RocksDB's default comparator).
    public static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for index in 0..<min(a.count, b.count) where a[index] != b[index] {
            return a[index] < b[index] ? -1 : 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
