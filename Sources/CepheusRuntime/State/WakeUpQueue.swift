/// The timer wake-ups of a rule's compacted states: (event time, key hash) pairs in a
/// binary min-heap, 16 bytes each. An entry may be stale (its state was decoded since,
/// or compacted again with another timer): whoever pops it checks the state's timer.
struct WakeUpQueue {
    private var entries: [HeapKey] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The earliest wake-up's time.
    var firstTime: Int64? { entries.first?.primary }

    /// Bytes the queue takes.
    var bytes: Int { entries.capacity * MemoryLayout<HeapKey>.stride }

    mutating func insert(time: Int64, hash: UInt64) {
        let key = HeapKey(primary: time, secondary: Int64(bitPattern: hash))
        var hole = entries.count
        entries.append(key)
        while hole > 0 {
            let parent = (hole - 1) >> 1
            guard key < entries[parent] else { break }
            entries[hole] = entries[parent]
            hole = parent
        }
        entries[hole] = key
    }

    /// Removes and returns the earliest wake-up if it is due at `time`.
    mutating func popFirst(through time: Int64) -> (time: Int64, hash: UInt64)? {
        guard let first = entries.first, first.primary <= time else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            var hole = 0
            let n = entries.count
            while true {
                let left = 2 * hole + 1
                if left >= n { break }
                let child = left + 1 < n && entries[left + 1] < entries[left] ? left + 1 : left
                guard entries[child] < last else { break }
                entries[hole] = entries[child]
                hole = child
            }
            entries[hole] = last
        }
        return (first.primary, UInt64(bitPattern: first.secondary))
    }

    mutating func removeAll() { entries = [] }
}
