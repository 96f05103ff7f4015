import CepheusCore

/// On-time events waiting for the watermark, released in (timestamp, arrival) order.
///
/// Most events arrive in timestamp order: those append to a FIFO run that is already
/// sorted, at O(1) and with no element moves. Only an event that is earlier than the
/// last one in the run goes into a heap. Popping takes the earlier of the two heads.
struct ReorderBuffer {
    /// Events in (timestamp, sequence) order.
    private var run = FIFOQueue<Event>()
    /// Events that arrived behind the run's tail.
    private var heap = BinaryHeap<Event>()

    /// Events waiting, in no particular order (checkpoints; `insert` them back in any
    /// order and they pop in the same order).
    var events: [Event] { Array(run.elements) + heap.elements }

    var count: Int { run.elements.count + heap.count }

    mutating func insert(_ event: Event) {
        if let tail = run.last, Event.heapPrecedes(event, tail) {
            heap.insert(event)
        } else {
            run.append(event)
        }
    }

    /// The earliest event if its timestamp is at or before `time`.
    mutating func popFirst(through time: Int64) -> Event? {
        let fromRun = run.first
        if let candidate = heap.first, fromRun == nil || Event.heapPrecedes(candidate, fromRun!) {
            return heap.popFirst { $0.timestamp <= time }
        }
        guard let first = fromRun, first.timestamp <= time else { return nil }
        return run.removeFirst()
    }
}

extension Event: HeapOrdered {
    var heapKey: HeapKey { HeapKey(primary: timestamp, secondary: sequence) }

    static func heapPrecedes(_ a: Event, _ b: Event) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }
}
