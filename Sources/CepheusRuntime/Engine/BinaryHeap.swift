/// An element that knows its heap order (a static function, so the heap is
/// specialised per element type with no comparator closure on the hot path).
protocol HeapOrdered {
    static func heapPrecedes(_ a: Self, _ b: Self) -> Bool
}

/// A binary min-heap: the reorder buffer of events and the queue of timers.
struct BinaryHeap<Element: HeapOrdered> {
    private var heap: [Element] = []

    var count: Int { heap.count }
    var first: Element? { heap.first }
    /// The elements in heap (not sorted) order.
    var elements: [Element] { heap }

    mutating func insert(_ element: Element) {
        heap.append(element)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard Element.heapPrecedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes every element `predicate` accepts and restores the heap order.
    mutating func removeAll(where predicate: (Element) -> Bool) {
        heap.removeAll(where: predicate)
        var index = heap.count / 2 - 1
        while index >= 0 {
            siftDown(from: index)
            index -= 1
        }
    }

    /// Removes and returns the first element if `isDue` says so.
    mutating func popFirst(if isDue: (Element) -> Bool) -> Element? {
        guard let first = heap.first, isDue(first) else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        siftDown(from: 0)
        return first
    }

    /// Moves the element at `index` down until neither child precedes it.
    @inline(__always)
    private mutating func siftDown(from index: Int) {
        var parent = index
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var smallest = left
            if left + 1 < n && Element.heapPrecedes(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard Element.heapPrecedes(heap[smallest], heap[parent]) else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
