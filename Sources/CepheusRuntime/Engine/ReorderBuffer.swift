import CepheusCore

/// On-time events waiting for the watermark, released in (timestamp, arrival) order.
/// A binary min-heap specialised for events (no comparator closure on the hot path).
struct ReorderBuffer {
    private var heap: [Event] = []

    var count: Int { heap.count }

    @inline(__always)
    private static func less(_ a: Event, _ b: Event) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }

    mutating func insert(_ event: Event) {
        heap.append(event)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest event if its timestamp is at or before `time`.
    mutating func popFirst(through time: Int64) -> Event? {
        guard let first = heap.first, first.timestamp <= time else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var parent = 0
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var smallest = left
            if left + 1 < n && Self.less(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard Self.less(heap[smallest], heap[parent]) else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
