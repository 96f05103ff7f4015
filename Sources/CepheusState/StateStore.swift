/// Where per-key state, the reorder buffer, rule set, source offsets and the alert
/// outbox are kept (DESIGN.md, State and checkpoints): an ordered byte-key store.
/// `RocksStateStore` is the durable backend, `InMemoryStateStore` the one plain
/// `replay` uses. Keys are laid out by `StateKey`.
public protocol StateStore: AnyObject {
    func get(_ key: [UInt8]) throws(StateStoreError) -> [UInt8]?
    /// Applies every operation of `batch` atomically.
    func write(_ batch: StateBatch) throws(StateStoreError)
    /// Calls `body` with every (key, value) whose key starts with `prefix` and is not
    /// before `start` (when given), in key order, until it returns `false`.
    func scan(prefix: [UInt8], from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws
}

extension StateStore {
    /// Every (key, value) under `prefix`, in key order, until `body` returns `false`.
    public func scan(prefix: [UInt8], _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        try scan(prefix: prefix, from: nil, body)
    }

    /// Every (key, value) under `prefix`, in key order.
    public func entries(prefix: [UInt8]) throws -> [([UInt8], [UInt8])] {
        var result: [([UInt8], [UInt8])] = []
        try scan(prefix: prefix) { key, value in
            result.append((key, value))
            return true
        }
        return result
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) throws(StateStoreError) {
        var batch = StateBatch()
        batch.put(key, value)
        try write(batch)
    }
}
