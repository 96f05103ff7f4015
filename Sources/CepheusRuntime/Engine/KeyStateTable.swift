/// A rule's (rule, key) states by key: open addressing with linear probing on
/// `KeyHash`es, so a lookup hashes the key once (often straight from the event's bytes)
/// and compares it only on a hash match. Deletion shifts later entries back (no
/// tombstones). A value type: a new version of a rule that keeps its state takes a copy.
struct KeyStateTable {
    private var hashes: [UInt64] = []
    private var states: [KeyState?] = []
    private(set) var count = 0

    /// Slots (for memory figures).
    var capacity: Int { hashes.count }

    /// The state `matches` accepts among those with `hash`.
    @inline(__always)
    func find(_ hash: UInt64, _ matches: (KeyState) -> Bool) -> KeyState? {
        guard count > 0 else { return nil }
        let mask = hashes.count - 1
        let stored = hash | 1
        var index = Int(truncatingIfNeeded: hash >> 7) & mask
        while true {
            let candidate = hashes[index]
            if candidate == 0 { return nil }
            if candidate == stored, let state = states[index], matches(state) { return state }
            index = (index + 1) & mask
        }
    }

    /// Whether `state` is in the table (by identity).
    func contains(_ state: KeyState) -> Bool {
        find(state.hash) { $0 === state } != nil
    }

    /// Adds `state` (whose key is not in the table yet).
    mutating func insert(_ state: KeyState) {
        if (count + 1) * 2 > hashes.count { grow() }
        place(state)
        count += 1
    }

    /// Removes `state` (by identity), if present.
    mutating func remove(_ state: KeyState) {
        guard count > 0 else { return }
        let mask = hashes.count - 1
        let stored = state.hash | 1
        var index = Int(truncatingIfNeeded: state.hash >> 7) & mask
        while true {
            if hashes[index] == 0 { return }
            if hashes[index] == stored, states[index] === state { break }
            index = (index + 1) & mask
        }
        // Backward-shift: move later entries of the run into the hole when their home
        // slot is not between the hole and them.
        var hole = index
        var next = (hole + 1) & mask
        while hashes[next] != 0 {
            let home = Int(truncatingIfNeeded: states[next]!.hash >> 7) & mask
            let distanceToNext = (next - home) & mask
            let distanceToHole = (hole - home) & mask
            if distanceToHole <= distanceToNext {
                hashes[hole] = hashes[next]
                states[hole] = states[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        hashes[hole] = 0
        states[hole] = nil
        count -= 1
    }

    /// The state in table slot `index` (`0..<capacity`), if any: for sweeps.
    func state(atSlot index: Int) -> KeyState? { states[index] }

    /// Every state, in table order.
    var values: [KeyState] { states.compactMap { $0 } }

    private mutating func place(_ state: KeyState) {
        let mask = hashes.count - 1
        var index = Int(truncatingIfNeeded: state.hash >> 7) & mask
        while hashes[index] != 0 { index = (index + 1) & mask }
        hashes[index] = state.hash | 1
        states[index] = state
    }

    private mutating func grow() {
        let old = states
        let capacity = max(16, hashes.count * 2)
        hashes = Array(repeating: 0, count: capacity)
        states = Array(repeating: nil, count: capacity)
        for case let state? in old { place(state) }
    }
}
