/// Writes applied to a store together (one RocksDB `WriteBatch`): all or nothing.
public struct StateBatch: Sendable {
    public enum Operation: Sendable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
        /// Deletes every key in `[start, end)`.
        case deleteRange(start: [UInt8], end: [UInt8])
    }

    public private(set) var operations: [Operation] = []
    /// Bytes of keys and values put.
    public private(set) var byteCount = 0

    public init() {}

    /// Forgets every operation (after they were written).
    public mutating func removeAll() {
        operations.removeAll(keepingCapacity: true)
        byteCount = 0
    }

    public var isEmpty: Bool { operations.isEmpty }
    public var count: Int { operations.count }

    public mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        byteCount += key.count + value.count
        operations.append(.put(key: key, value: value))
    }

    public mutating func delete(_ key: [UInt8]) { operations.append(.delete(key: key)) }

    /// Deletes every key starting with `prefix`.
    public mutating func deletePrefix(_ prefix: [UInt8]) {
        operations.append(.deleteRange(start: prefix, end: StateKey.prefixEnd(prefix)))
    }
}
