import Synchronization

/// A field path (interned member names) in memory that is never freed: hot paths read
/// it through a plain pointer, with no reference count to update (an array would be
/// retained and released on every read, and a count that two cores touch moves a cache
/// line between them).
public struct PinnedPath: @unchecked Sendable {
    public let names: UnsafeBufferPointer<Int32>
}

/// A byte string (UTF-8 text) in memory that is never freed (see `PinnedPath`).
public struct PinnedBytes: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
}

/// A list of byte strings in memory that is never freed (see `PinnedPath`).
public struct PinnedByteList: @unchecked Sendable {
    public let items: UnsafeBufferPointer<PinnedBytes>
}

/// Copies paths and byte strings into never-freed memory, once per distinct content:
/// what the process pins is bounded by the distinct paths and literals its rules use.
public enum Pinned {
    private struct Table {
        var paths: [[Int32]: (Int, Int)] = [:]
        var bytes: [[UInt8]: (Int, Int)] = [:]
        var lists: [[Int]: (Int, Int)] = [:]
    }

    private static let table = Mutex(Table())

    public static func path(_ names: [Int32]) -> PinnedPath {
        let (address, count) = table.withLock { table -> (Int, Int) in
            if let known = table.paths[names] { return known }
            let memory = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, names.count))
            memory.initialize(from: names, count: names.count)
            let entry = (Int(bitPattern: memory), names.count)
            table.paths[names] = entry
            return entry
        }
        return PinnedPath(names: UnsafeBufferPointer(start: UnsafePointer(bitPattern: address), count: count))
    }

    public static func bytes(_ content: [UInt8]) -> PinnedBytes {
        let (address, count) = table.withLock { table -> (Int, Int) in
            if let known = table.bytes[content] { return known }
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, content.count), alignment: 1)
            content.withUnsafeBytes { if let source = $0.baseAddress { memory.copyMemory(from: source, byteCount: content.count) } }
            let entry = (Int(bitPattern: memory), content.count)
            table.bytes[content] = entry
            return entry
        }
        return PinnedBytes(bytes: UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: count))
    }

    public static func byteList(_ contents: [[UInt8]]) -> PinnedByteList {
        let items = contents.map { bytes($0) }
        let key = items.map { Int(bitPattern: $0.bytes.baseAddress) }
        let (address, count) = table.withLock { table -> (Int, Int) in
            if let known = table.lists[key] { return known }
            let memory = UnsafeMutablePointer<PinnedBytes>.allocate(capacity: max(1, items.count))
            memory.initialize(from: items, count: items.count)
            let entry = (Int(bitPattern: memory), items.count)
            table.lists[key] = entry
            return entry
        }
        return PinnedByteList(items: UnsafeBufferPointer(start: UnsafePointer(bitPattern: address), count: count))
    }
}
