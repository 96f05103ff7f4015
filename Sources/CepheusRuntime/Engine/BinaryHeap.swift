/// An element that knows its heap order as a key (a static, plain value, so the heap
/// compares keys without touching, copying or reference-counting the elements).
protocol HeapOrdered {
    /// Orders lexicographically: the first component, then the second.
    var heapKey: HeapKey { get }
}

/// A heap order key: compared by `primary`, then `secondary`.
struct HeapKey: Sendable {
    var primary: Int64
    var secondary: Int64

    @inline(__always)
    static func < (a: HeapKey, b: HeapKey) -> Bool {
        a.primary != b.primary ? a.primary < b.primary : a.secondary < b.secondary
    }
}

/// A binary min-heap: the reorder buffer of events and the queue of timers. The keys
/// live in an array of their own beside the elements: sifting compares plain integers
/// and only moves the elements (no retain or release per comparison).
struct BinaryHeap<Element: HeapOrdered> {
    private var heap: [Element] = []
    private var keys: [HeapKey] = []

    var count: Int { heap.count }
    /// The elements in heap (not sorted) order.
    var elements: [Element] { heap }

    mutating func insert(_ element: Element) {
        keys.append(element.heapKey)
        heap.append(element)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes every element `predicate` accepts and restores the heap order.
    mutating func removeAll(where predicate: (Element) -> Bool) {
        var kept: [Element] = []
        var keptKeys: [HeapKey] = []
        kept.reserveCapacity(heap.count)
        keptKeys.reserveCapacity(heap.count)
        for index in heap.indices where !predicate(heap[index]) {
            kept.append(heap[index])
            keptKeys.append(keys[index])
        }
        heap = kept
        keys = keptKeys
        var index = heap.count / 2 - 1
        while index >= 0 {
            siftDown(from: index)
            index -= 1
        }
    }

    /// The first element's key, read without touching the element.
    var firstKey: HeapKey? { keys.first }

    /// Removes and returns the first element if its key is due (`isDue`). The element
    /// is moved out, never copied: no reference counting on the way.
    @inline(__always)
    mutating func popFirst(ifKey isDue: (HeapKey) -> Bool) -> Element? {
        guard let key = keys.first, isDue(key) else { return nil }
        let last = heap.count - 1
        if last > 0 {
            heap.swapAt(0, last)
            keys.swapAt(0, last)
        }
        let first = heap.removeLast()
        keys.removeLast()
        if last > 1 { siftDown(from: 0) }
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
            if left + 1 < n && keys[left + 1] < keys[left] { smallest = left + 1 }
            guard keys[smallest] < keys[parent] else { break }
            keys.swapAt(parent, smallest)
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
