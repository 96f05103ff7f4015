/// A binary heap with exactly the sift-up/sift-down, bulk-removal and iteration order
/// of `java.util.PriorityQueue`. Flink CEP iterates and polls its partial matches from
/// such queues, and which of two equally ranked matches comes first decides what a skip
/// strategy prunes; reproducing the queue reproduces Flink's results.
///
/// Specialised to partial matches, ordered by `ComputationState.compare` (a direct call
/// on the hot path, not a stored closure).
public struct FlinkPriorityQueue: Sendable {
    public typealias Element = ComputationState
    public private(set) var elements: [Element] = []

    public init() {}

    public init(capacity: Int) {
        elements.reserveCapacity(capacity)
    }

    @inline(__always)
    private func compare(_ a: Element, _ b: Element) -> Int { ComputationState.compare(a, b) }

    public var count: Int { elements.count }
    var capacity: Int { elements.capacity }

    public var isEmpty: Bool { elements.isEmpty }
    public var first: Element? { elements.first }

    /// Java's `offer`.
    public mutating func add(_ element: Element) {
        elements.append(element)
        siftUp(elements.count - 1, element)
    }

    /// Java's `poll`.
    public mutating func poll() -> Element? {
        guard !elements.isEmpty else { return nil }
        let result = elements[0]
        let last = elements.removeLast()
        if !elements.isEmpty { siftDown(0, last) }
        return result
    }

    /// Java's `removeIf` (bulk removal keeps survivors in array order, then heapifies).
    public mutating func removeAll(where predicate: (Element) -> Bool) {
        guard let firstDead = elements.firstIndex(where: predicate) else { return }
        var survivors = Array(elements[..<firstDead])
        for element in elements[(firstDead + 1)...] where !predicate(element) { survivors.append(element) }
        elements = survivors
        heapify()
    }

    /// Empties the queue, keeping its storage.
    public mutating func removeAll() { elements.clear() }

    private mutating func heapify() {
        var i = (elements.count >> 1) - 1
        while i >= 0 {
            siftDown(i, elements[i])
            i -= 1
        }
    }

    private mutating func siftUp(_ index: Int, _ x: Element) {
        var k = index
        while k > 0 {
            let parent = (k - 1) >> 1
            let e = elements[parent]
            if compare(x, e) >= 0 { break }
            elements[k] = e
            k = parent
        }
        elements[k] = x
    }

    private mutating func siftDown(_ index: Int, _ x: Element) {
        var k = index
        let n = elements.count
        let half = n >> 1
        while k < half {
            var child = 2 * k + 1
            var c = elements[child]
            let right = child + 1
            if right < n && compare(c, elements[right]) > 0 {
                child = right
                c = elements[child]
            }
            if compare(x, c) <= 0 { break }
            elements[k] = c
            k = child
        }
        elements[k] = x
    }
}
