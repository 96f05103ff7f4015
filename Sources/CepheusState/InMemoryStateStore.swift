/// A `StateStore` in a sorted in-memory map: for plain `replay` and for tests. Not
/// durable; same key order and semantics as the RocksDB backend.
public final class InMemoryStateStore: StateStore {
    private var entries: [[UInt8]: [UInt8]] = [:]

    public init() {}

    public var count: Int { entries.count }

    public func get(_ key: [UInt8]) throws(StateStoreError) -> [UInt8]? { entries[key] }

    public func write(_ batch: StateBatch) throws(StateStoreError) {
        for operation in batch.operations {
            switch operation {
            case .put(let key, let value): entries[key] = value
            case .delete(let key): entries[key] = nil
            case .deleteRange(let start, let end):
                for key in entries.keys where StateKey.compare(key, start) >= 0 && StateKey.compare(key, end) < 0 {
                    entries[key] = nil
                }
            }
        }
    }

    public func scan(prefix: [UInt8], from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        let keys = entries.keys.filter { $0.starts(with: prefix) && (start == nil || StateKey.compare($0, start!) >= 0) }
            .sorted { StateKey.compare($0, $1) < 0 }
        for key in keys {
            guard try body(key, entries[key]!) else { return }
        }
    }
}
