import CepheusCore

/// On-time events waiting for the watermark, released in (timestamp, arrival) order.
///
/// Most events arrive in timestamp order: those append to a FIFO run that is already
/// sorted, at O(1) and with no element moves. Only an event that is earlier than the
/// last one in the run goes into a heap. Popping takes the earlier of the two heads.
/// Both are compared by plain keys kept beside the events, and a popped event is moved
/// out: releasing an event costs no reference counting.
struct ReorderBuffer {
    /// Events in (timestamp, sequence) order, and their keys (same order).
    private var run = FIFOQueue<Event>()
    private var runKeys = FIFOQueue<HeapKey>()
    /// The key of the run's last event.
    private var runTail: HeapKey?
    /// Events that arrived behind the run's tail.
    private var heap = BinaryHeap<Event>()

    /// Events waiting, in no particular order (checkpoints; `insert` them back in any
    /// order and they pop in the same order).
    var events: [Event] { run.elements + heap.elements }

    var count: Int { run.count + heap.count }

    mutating func insert(_ event: Event) {
        let key = event.heapKey
        if let tail = runTail, key < tail {
            heap.insert(event)
        } else {
            run.append(event)
            runKeys.append(key)
            runTail = key
        }
    }

    /// Whether an event is at or before `time` (what `popFirst` would release).
    @inline(__always)
    func hasDue(through time: Int64) -> Bool {
        if let first = runKeys.first, first.primary <= time { return true }
        if let first = heap.firstKey, first.primary <= time { return true }
        return false
    }

    /// The earliest event if its timestamp is at or before `time`.
    @inline(__always)
    mutating func popFirst(through time: Int64) -> Event? {
        let fromRun = runKeys.first
        if let candidate = heap.firstKey, fromRun == nil || candidate < fromRun! {
            return heap.popFirst { $0.primary <= time }
        }
        guard let first = fromRun, first.primary <= time else { return nil }
        runKeys.removeFirst()
        if runKeys.isEmpty { runTail = nil }
        return run.removeFirst()
    }
}

extension Event: HeapOrdered {
    var heapKey: HeapKey { HeapKey(primary: timestamp, secondary: sequence) }
}
