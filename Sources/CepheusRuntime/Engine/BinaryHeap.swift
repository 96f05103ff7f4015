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
        siftUp(from: heap.count - 1)
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
            heap.withUnsafeMutableBufferPointer { elements in
                let base = elements.baseAddress!
                let first = base.move()
                base.moveInitialize(from: base + last, count: 1)
                (base + last).initialize(to: first)
            }
            keys.swapAt(0, last)
        }
        let first = heap.removeLast()
        keys.removeLast()
        if last > 1 { siftDown(from: 0) }
        return first
    }

    /// Moves the element at `index` up to its place: a hole travels up and the
    /// element is moved once into it (swapping would copy, retaining and releasing).
    private mutating func siftUp(from index: Int) {
        keys.withUnsafeMutableBufferPointer { keys in
            heap.withUnsafeMutableBufferPointer { elements in
                let base = elements.baseAddress!
                let key = keys[index]
                var hole = index
                guard hole > 0, key < keys[(hole - 1) >> 1] else { return }
                let moving = (base + hole).move()
                while hole > 0 {
                    let parent = (hole - 1) >> 1
                    guard key < keys[parent] else { break }
                    (base + hole).moveInitialize(from: base + parent, count: 1)
                    keys[hole] = keys[parent]
                    hole = parent
                }
                (base + hole).initialize(to: moving)
                keys[hole] = key
            }
        }
    }

    /// Moves the element at `index` down until neither child precedes it (a hole
    /// travels down, as in `siftUp`).
    private mutating func siftDown(from index: Int) {
        let n = heap.count
        keys.withUnsafeMutableBufferPointer { keys in
            heap.withUnsafeMutableBufferPointer { elements in
                let base = elements.baseAddress!
                let key = keys[index]
                var hole = index
                func smallerChild(_ parent: Int) -> Int? {
                    let left = 2 * parent + 1
                    if left >= n { return nil }
                    let smallest = left + 1 < n && keys[left + 1] < keys[left] ? left + 1 : left
                    return keys[smallest] < key ? smallest : nil
                }
                guard var child = smallerChild(hole) else { return }
                let moving = (base + hole).move()
                while true {
                    (base + hole).moveInitialize(from: base + child, count: 1)
                    keys[hole] = keys[child]
                    hole = child
                    guard let next = smallerChild(hole) else { break }
                    child = next
                }
                (base + hole).initialize(to: moving)
                keys[hole] = key
            }
        }
    }
}
