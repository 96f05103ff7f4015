/// A first-in-first-out queue in one array: taking from the front advances a head
/// index, and the consumed prefix is dropped when the queue empties or once it is both
/// large and at least half of the array, so appends and removals are amortized O(1).
struct FIFOQueue<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var first: Element? { head < items.count ? items[head] : nil }
    var last: Element? { head < items.count ? items[items.count - 1] : nil }
    /// The queued elements, oldest first.
    var elements: ArraySlice<Element> { items[head...] }

    mutating func append(_ element: Element) { items.append(element) }

    /// Removes and returns the oldest element (the queue must not be empty).
    @discardableResult
    mutating func removeFirst() -> Element {
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        items = []
        head = 0
    }
}
