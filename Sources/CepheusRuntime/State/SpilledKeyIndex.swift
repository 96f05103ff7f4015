/// Which keys of a rule have their state spilled to the store: a multiset of key
/// hashes (`KeyHash`) in open addressing, 8 bytes a slot, so a state-table miss knows
/// without a store read whether the key may be spilled. A hash can be present twice
/// (two spilled keys with equal hashes): both stay findable.
struct SpilledKeyIndex {
    private var slots: [UInt64] = []
    private(set) var count = 0

    /// Bytes the index takes.
    var bytes: Int { slots.capacity * MemoryLayout<UInt64>.stride }

    func contains(_ hash: UInt64) -> Bool {
        guard count > 0 else { return false }
        let stored = hash | 1
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash >> 7) & mask
        while slots[index] != 0 {
            if slots[index] == stored { return true }
            index = (index + 1) & mask
        }
        return false
    }

    mutating func insert(_ hash: UInt64) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        place(hash | 1)
        count += 1
    }

    /// Removes one occurrence of `hash`, if any.
    mutating func remove(_ hash: UInt64) {
        guard count > 0 else { return }
        let stored = hash | 1
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash >> 7) & mask
        while slots[index] != stored {
            if slots[index] == 0 { return }
            index = (index + 1) & mask
        }
        var hole = index
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let home = Int(truncatingIfNeeded: slots[next] >> 7) & mask
            if (hole - home) & mask <= (next - home) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
        count -= 1
    }

    private mutating func place(_ stored: UInt64) {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: stored >> 7) & mask
        while slots[index] != 0 { index = (index + 1) & mask }
        slots[index] = stored
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: max(64, slots.count * 2))
        for stored in old where stored != 0 { place(stored) }
    }
}
