import CepheusCore

/// On-time events waiting for the watermark, released in (timestamp, arrival) order.
struct ReorderBuffer {
    private var heap = BinaryHeap<Event>()

    var count: Int { heap.count }

    mutating func insert(_ event: Event) { heap.insert(event) }

    /// The earliest event if its timestamp is at or before `time`.
    mutating func popFirst(through time: Int64) -> Event? {
        heap.popFirst { $0.timestamp <= time }
    }
}

extension Event: HeapOrdered {
    static func heapPrecedes(_ a: Event, _ b: Event) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }
}
