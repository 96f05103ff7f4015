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

    /// A queue holding `elements` in exactly this heap order (restoring stored state:
    /// the order decides which of two equal matches comes first).
    init(heapOrder elements: [Element]) {
        self.elements = elements
    }

    @inline(__always)
    private func compare(_ a: Element, _ b: Element) -> Int { ComputationState.compare(a, b) }

    public var count: Int { elements.count }

    /// Makes room for `capacity` elements at once (a queue that grows one `add` at a
    /// time is copied each time its storage doubles).
    mutating func reserveCapacity(_ capacity: Int) { elements.reserveCapacity(capacity) }
    var capacity: Int { elements.capacity }

    public var isEmpty: Bool { elements.isEmpty }
    public var first: Element? { elements.first }

    /// Java's `offer`: Java's sift-up, with the elements moved along the path (the
    /// order only looks at start events, plain values), so nothing is copied.
    public mutating func add(_ element: consuming Element) {
        let start = element.startEvent
        elements.append(element)
        elements.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            var hole = buffer.count - 1
            guard hole > 0 else { return }
            let moving = (base + hole).move()
            while hole > 0 {
                let parent = (hole - 1) >> 1
                if ComputationState.compare(starts: start, base[parent].startEvent) >= 0 { break }
                (base + hole).moveInitialize(from: base + parent, count: 1)
                hole = parent
            }
            (base + hole).initialize(to: moving)
        }
    }

    /// Moves the elements out (in heap order), leaving the queue empty on `spare`'s
    /// storage; `spare` must be empty.
    mutating func takeElements(reusing spare: inout [Element]) -> [Element] {
        var taken = spare
        spare = []
        swap(&taken, &elements)
        return taken
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
