/// A rule's cold (rule, key) states, kept in memory as their encoded bytes (the same
/// encoding checkpoints and spilling write, `KeyState.encoded`): about a sixth of what
/// the live objects take. A state is compacted when it was not touched for a while
/// (`RuntimeEngine.compactColdStates`) and decoded back when its key is seen again or
/// its timer is due.
///
/// The bytes live in chunks of up to 1 MiB (a record never spans two; a larger one gets
/// a chunk of its own), so the arena grows without ever copying what it holds. Each record is
/// its length (4 bytes), its key's hash (8 bytes) and the state. The index is open
/// addressing on `KeyHash` (a multiset: two keys with equal hashes both stay findable),
/// 8 bytes a slot: a tag of the hash and the record's location. A chunk whose records are mostly gone
/// has its live ones moved to the chunk being written and is freed.
struct CompactStateTable {
    /// Where a record is: chunk index << 20 | offset (39 bits), and the `persisted`
    /// flag at bit 39.
    struct Location: Equatable {
        var bits: UInt64

        static let persistedBit: UInt64 = 1 << 39
        static let placeMask: UInt64 = (1 << 39) - 1
        var chunk: Int { Int(truncatingIfNeeded: (bits & Self.placeMask) >> 20) }
        var offset: Int { Int(truncatingIfNeeded: bits & 0xFFFFF) }
        /// The store holds a version of this state (removing the key must delete it).
        var persisted: Bool { bits & Self.persistedBit != 0 }

        init(chunk: Int, offset: Int, persisted: Bool) {
            bits = UInt64(chunk) << 20 | UInt64(offset) | (persisted ? Self.persistedBit : 0)
        }

        fileprivate init(bits: UInt64) { self.bits = bits }
    }

    static let chunkSize = 1 << 20
    /// What a chunk holds: its array header takes the rest of the 1 MiB allocation
    /// (one more byte would round the allocation up to the next size class).
    private static let chunkCapacity = chunkSize - 64
    private static let headerSize = 12

    /// The index: per slot 0 (empty) or a 24-bit tag of the key's hash (never 0) at
    /// bits 40-63 above the record's location; the full hash is in the record.
    private var slots: [UInt64] = []
    private var chunks: [[UInt8]] = []
    /// Per chunk: bytes of records still in the table.
    private var liveBytes: [Int] = []
    private var freeChunks: [Int] = []
    /// The chunk new records go to (-1: none yet).
    private var writeChunk = -1
    private(set) var count = 0
    /// Bytes of the records in the table (headers included).
    private(set) var recordBytes = 0

    /// Bytes the table takes: its index and its chunks' storage.
    var bytes: Int {
        var total = slots.capacity * 8
        for chunk in chunks { total += chunk.capacity }
        return total
    }

    /// Adds the encoded state of the key with `hash`.
    mutating func insert(hash: UInt64, state: [UInt8], persisted: Bool) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let location = append(hash: hash, state: state, persisted: persisted)
        place(hash, location.bits)
        count += 1
    }

    /// The first record with `hash` whose state `matches` accepts.
    func find(_ hash: UInt64, _ matches: (UnsafeRawBufferPointer) -> Bool) -> Location? {
        guard count > 0 else { return nil }
        let tag = Self.tag(hash)
        let mask = slots.count - 1
        var index = Self.home(hash) & mask
        while slots[index] != 0 {
            if slots[index] >> 40 == tag {
                let location = Location(bits: slots[index] & Self.locationMask)
                if self.hash(at: location) == hash && withState(at: location, matches) { return location }
            }
            index = (index + 1) & mask
        }
        return nil
    }

    private static let locationMask: UInt64 = (1 << 40) - 1
    @inline(__always) private static func tag(_ hash: UInt64) -> UInt64 { (hash >> 40) | 1 }
    @inline(__always) private static func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 7) }

    /// Runs `body` over the state bytes of the record at `location`.
    func withState<Result>(at location: Location, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try chunks[location.chunk].withUnsafeBytes { chunk in
            let start = location.offset
            let length = Int(chunk.loadUnaligned(fromByteOffset: start, as: UInt32.self))
            return try body(UnsafeRawBufferPointer(rebasing: chunk[(start + Self.headerSize)..<(start + Self.headerSize + length)]))
        }
    }

    /// The state bytes at `location`, copied.
    func state(at location: Location) -> [UInt8] {
        withState(at: location) { Array($0) }
    }

    /// Every record's key hash and location, in index order (for writing them all out).
    var allRecords: [(hash: UInt64, location: Location)] {
        var result: [(hash: UInt64, location: Location)] = []
        result.reserveCapacity(count)
        for index in slots.indices where slots[index] != 0 {
            let location = Location(bits: slots[index] & Self.locationMask)
            result.append((hash(at: location), location))
        }
        return result
    }

    /// Records that the store now holds a version of the state at `location`.
    mutating func markPersisted(hash: UInt64, at location: Location) {
        guard let index = indexOf(hash: hash, location: location) else { return }
        slots[index] |= Location.persistedBit
    }

    /// Removes the record at `location` (whose key has `hash`). With `relocating`
    /// false, no other record moves (locations the caller holds stay valid); call
    /// `relocateSparseChunks` after a run of such removals.
    mutating func remove(hash: UInt64, at location: Location, relocating: Bool = true) {
        guard let index = indexOf(hash: hash, location: location) else { return }
        removeSlot(index)
        let length = withState(at: location) { $0.count } + Self.headerSize
        count -= 1
        recordBytes -= length
        let chunk = location.chunk
        liveBytes[chunk] -= length
        if relocating { releaseOrRelocate(chunk) }
    }

    /// Frees or compacts every chunk that removals left sparse.
    mutating func relocateSparseChunks() {
        for chunk in chunks.indices where !chunks[chunk].isEmpty { releaseOrRelocate(chunk) }
    }

    /// The key hash stored in the record's header.
    private func hash(at location: Location) -> UInt64 {
        chunks[location.chunk].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: location.offset + 4, as: UInt64.self)) }
    }

    /// Drops everything.
    mutating func removeAll() { self = CompactStateTable() }

    // MARK: records

    private mutating func append(hash: UInt64, state: [UInt8], persisted: Bool) -> Location {
        let length = Self.headerSize + state.count
        if writeChunk < 0 || chunks[writeChunk].count + length > min(chunks[writeChunk].capacity, Self.chunkCapacity) {
            // Chunks start small (a rule may compact a handful of states) and grow
            // with the table up to 1 MiB.
            let size = min(Self.chunkSize, max(4096, (recordBytes / 8).nextPowerOfTwo))
            writeChunk = newChunk(capacity: max(size - 64, length))
        }
        let offset = chunks[writeChunk].count
        withUnsafeBytes(of: UInt32(state.count).littleEndian) { chunks[writeChunk].append(contentsOf: $0) }
        withUnsafeBytes(of: hash.littleEndian) { chunks[writeChunk].append(contentsOf: $0) }
        chunks[writeChunk].append(contentsOf: state)
        liveBytes[writeChunk] += length
        recordBytes += length
        let location = Location(chunk: writeChunk, offset: offset, persisted: persisted)
        // A record larger than a chunk fills one of its own: the next goes elsewhere.
        if length > Self.chunkCapacity { writeChunk = -1 }
        return location
    }

    /// A chunk with room for `capacity` bytes, in a freed slot if there is one.
    private mutating func newChunk(capacity: Int) -> Int {
        var chunk: [UInt8] = []
        chunk.reserveCapacity(capacity)
        if let reused = freeChunks.popLast() {
            chunks[reused] = chunk
            liveBytes[reused] = 0
            return reused
        }
        chunks.append(chunk)
        liveBytes.append(0)
        return chunks.count - 1
    }

    /// A chunk with no record left is freed; one less than a quarter full (not the one
    /// being written) has its records moved to the write chunk first.
    private mutating func releaseOrRelocate(_ chunk: Int) {
        guard chunk != writeChunk else {
            if liveBytes[chunk] == 0 { chunks[chunk].removeAll(keepingCapacity: true) }
            return
        }
        if liveBytes[chunk] > 0 && liveBytes[chunk] * 4 >= chunks[chunk].count { return }
        if liveBytes[chunk] > 0 {
            let old = chunks[chunk]
            var offset = 0
            while offset < old.count {
                let (length, hash) = old.withUnsafeBytes {
                    (Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))),
                     UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self)))
                }
                let here = Location(chunk: chunk, offset: offset, persisted: false)
                if let index = indexOf(hash: hash, location: here) {
                    let persisted = slots[index] & Location.persistedBit != 0
                    let state = Array(old[(offset + Self.headerSize)..<(offset + Self.headerSize + length)])
                    liveBytes[chunk] -= Self.headerSize + length
                    recordBytes -= Self.headerSize + length
                    let moved = append(hash: hash, state: state, persisted: persisted)
                    slots[index] = slots[index] & ~Self.locationMask | moved.bits
                }
                offset += Self.headerSize + length
            }
        }
        chunks[chunk] = []
        liveBytes[chunk] = 0
        freeChunks.append(chunk)
    }

    // MARK: index

    /// The index slot holding the record at `location` (compared without the flag).
    private func indexOf(hash: UInt64, location: Location) -> Int? {
        guard count > 0 else { return nil }
        let mask = slots.count - 1
        let wanted = location.bits & Location.placeMask
        var index = Self.home(hash) & mask
        while slots[index] != 0 {
            if slots[index] & Location.placeMask == wanted { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Backward-shift deletion (no tombstones), as in `KeyStateTable`; an entry's home
    /// comes from the hash in its record.
    private mutating func removeSlot(_ index: Int) {
        let mask = slots.count - 1
        var hole = index
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let home = Self.home(hash(at: Location(bits: slots[next] & Self.locationMask))) & mask
            if (hole - home) & mask <= (next - home) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
    }

    private mutating func place(_ hash: UInt64, _ location: UInt64) {
        let mask = slots.count - 1
        var index = Self.home(hash) & mask
        while slots[index] != 0 { index = (index + 1) & mask }
        slots[index] = Self.tag(hash) << 40 | location
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: max(64, slots.count * 2))
        for entry in old where entry != 0 {
            let location = entry & Self.locationMask
            place(hash(at: Location(bits: location)), location)
        }
    }
}

extension Int {
    /// The least power of two at least this (1 for 0 and below).
    fileprivate var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
