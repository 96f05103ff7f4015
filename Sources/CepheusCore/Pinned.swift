import Synchronization

/// A field path (interned member names) in memory that is never freed: hot paths read
/// it through a plain pointer, with no reference count to update (an array would be
/// retained and released on every read, and a count that two cores touch moves a cache
/// line between them).
public struct PinnedPath: @unchecked Sendable {
    public let names: UnsafeBufferPointer<Int32>
}

/// A byte string (UTF-8 text) in memory that is never freed (see `PinnedPath`).
public struct PinnedBytes: @unchecked Sendable, BitwiseCopyable {
    public let bytes: UnsafeRawBufferPointer
}

/// A list of byte strings in memory that is never freed (see `PinnedPath`).
public struct PinnedByteList: @unchecked Sendable {
    public let items: UnsafeBufferPointer<PinnedBytes>
}

/// Copies paths and byte strings into never-freed memory, once per distinct content:
/// what the process pins is bounded by the distinct paths and literals its rules use.
public enum Pinned {
    /// Address of the pinned copy, by kind and content.
    private static let table = Mutex([[UInt8]: Int]())

    public static func path(_ names: [Int32]) -> PinnedPath {
        PinnedPath(names: pin(names, kind: 0))
    }

    public static func bytes(_ content: [UInt8]) -> PinnedBytes {
        PinnedBytes(bytes: UnsafeRawBufferPointer(pin(content, kind: 1)))
    }

    public static func byteList(_ contents: [[UInt8]]) -> PinnedByteList {
        PinnedByteList(items: pin(contents.map { bytes($0) }, kind: 2))
    }

    /// The pinned copy of `values` (made on first use).
    private static func pin<Element: BitwiseCopyable>(_ values: [Element], kind: UInt8) -> UnsafeBufferPointer<Element> {
        let key = [kind] + values.withUnsafeBytes { Array($0) }
        let address = table.withLock { table -> Int in
            if let known = table[key] { return known }
            let memory = UnsafeMutablePointer<Element>.allocate(capacity: max(1, values.count))
            memory.initialize(from: values, count: values.count)
            table[key] = Int(bitPattern: memory)
            return Int(bitPattern: memory)
        }
        return UnsafeBufferPointer(start: UnsafePointer(bitPattern: address), count: values.count)
    }
}
