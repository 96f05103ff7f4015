#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide table of interned field names: every member name the JSON reader
/// sees gets a small integer id, and compiled expressions resolve their field paths to
/// ids once, so a field lookup on the hot path compares integers, not strings.
///
/// Thread-safe. Interning takes a mutex (readers keep a local cache, so it is rare);
/// `name(of:)` reads without locking, from chunks that never move. The table is bounded:
/// once `capacity` names are interned, new names seen in events stay uninterned (kept as
/// bytes in the event and compared as bytes), so a stream of random field names cannot
/// grow memory without bound. Names interned by rules (`intern(_:)`) always get an id.
public final class FieldNames: @unchecked Sendable {
    /// The table every reader and compiler uses.
    public static let shared = FieldNames()

    private static let chunkBits = 11
    private static let chunkSize = 1 << chunkBits
    private static let chunkCount = 128

    /// Names from events are interned up to this many; rules may add beyond it.
    public let capacity: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var ids: [String: Int32] = [:]
    private var count = 0
    /// `chunkCount` pointers to chunks of `chunkSize` names, allocated on demand.
    private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<String>?>
    /// The same layout for each name as a JSON object key: quoted, escaped, then `:`.
    private let keyChunks: UnsafeMutablePointer<UnsafeMutablePointer<[UInt8]>?>

    init(capacity: Int = 100_000) {
        self.capacity = min(capacity, Self.chunkSize * Self.chunkCount - 1024)
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        chunks = .allocate(capacity: Self.chunkCount)
        chunks.initialize(repeating: nil, count: Self.chunkCount)
        keyChunks = .allocate(capacity: Self.chunkCount)
        keyChunks.initialize(repeating: nil, count: Self.chunkCount)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
        for index in 0..<Self.chunkCount {
            let used = min(Self.chunkSize, max(0, count - index * Self.chunkSize))
            if let chunk = chunks[index] {
                chunk.deinitialize(count: used)
                chunk.deallocate()
            }
            if let chunk = keyChunks[index] {
                chunk.deinitialize(count: used)
                chunk.deallocate()
            }
        }
        chunks.deallocate()
        keyChunks.deallocate()
    }

    /// The name of an id this table handed out.
    public func name(of id: Int32) -> String { nameStorage(id).pointee }

    /// Runs `body` with the name as a JSON object key (`"name":`, escaped), the form
    /// alert serialization writes, without re-escaping it each time.
    public func withJSONKey<Result>(of id: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let index = Int(id)
        let key = keyChunks[index >> Self.chunkBits]! + (index & (Self.chunkSize - 1))
        return try key.pointee.withUnsafeBufferPointer(body)
    }

    private func nameStorage(_ id: Int32) -> UnsafeMutablePointer<String> {
        let index = Int(id)
        return chunks[index >> Self.chunkBits]! + (index & (Self.chunkSize - 1))
    }

    /// The id of `name`, interning it if needed (rules and other trusted names).
    public func intern(_ name: String) -> Int32 {
        locked { insert(name, force: true)! }
    }

    /// The id of the name in `bytes` (valid UTF-8), interning it while the table has
    /// room; `nil` when it is new and the table is full.
    public func id(forUTF8 bytes: UnsafeRawBufferPointer) -> Int32? {
        let name = String(decoding: bytes, as: UTF8.self)
        return locked { insert(name, force: false) }
    }

    /// The id of `name` if it is interned, without adding it.
    public func existingID(_ name: String) -> Int32? {
        locked { ids[name] }
    }

    private func insert(_ name: String, force: Bool) -> Int32? {
        if let id = ids[name] { return id }
        guard force || count < capacity, count < Self.chunkSize * Self.chunkCount else { return nil }
        let id = Int32(count)
        let chunkIndex = count >> Self.chunkBits
        if chunks[chunkIndex] == nil {
            chunks[chunkIndex] = .allocate(capacity: Self.chunkSize)
            keyChunks[chunkIndex] = .allocate(capacity: Self.chunkSize)
        }
        (chunks[chunkIndex]! + (count & (Self.chunkSize - 1))).initialize(to: name)
        var key: [UInt8] = []
        JSONWriter.writeString(name, into: &key)
        key.append(UInt8(ascii: ":"))
        (keyChunks[chunkIndex]! + (count & (Self.chunkSize - 1))).initialize(to: key)
        count += 1
        ids[name] = id
        return id
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
