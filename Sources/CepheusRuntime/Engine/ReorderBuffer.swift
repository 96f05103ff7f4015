import CepheusCore

/// On-time events waiting for the watermark, released in (timestamp, arrival) order.
///
/// Most events arrive in timestamp order: those append to a FIFO run that is already
/// sorted, at O(1) and with no element moves. Only an event that is earlier than the
/// last one in the run goes into a heap. Popping takes the earlier of the two heads.
struct ReorderBuffer {
    /// Events in (timestamp, sequence) order; `run[runStart...]` are live.
    private var run: [Event] = []
    private var runStart = 0
    /// Events that arrived behind the run's tail.
    private var heap = BinaryHeap<Event>()

    var count: Int { run.count - runStart + heap.count }

    mutating func insert(_ event: Event) {
        if runStart == run.count || !Event.heapPrecedes(event, run[run.count - 1]) {
            run.append(event)
        } else {
            heap.insert(event)
        }
    }

    /// The earliest event if its timestamp is at or before `time`.
    mutating func popFirst(through time: Int64) -> Event? {
        let fromRun: Event? = runStart < run.count ? run[runStart] : nil
        if let candidate = heap.first, fromRun == nil || Event.heapPrecedes(candidate, fromRun!) {
            return heap.popFirst { $0.timestamp <= time }
        }
        guard let first = fromRun, first.timestamp <= time else { return nil }
        runStart += 1
        if runStart == run.count {
            run.removeAll(keepingCapacity: true)
            runStart = 0
        } else if runStart >= 4096 && runStart * 2 >= run.count {
            run.removeFirst(runStart)
            runStart = 0
        }
        return first
    }
}

extension Event: HeapOrdered {
    static func heapPrecedes(_ a: Event, _ b: Event) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }
}
