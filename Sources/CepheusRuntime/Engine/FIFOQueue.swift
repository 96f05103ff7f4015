/// A first-in-first-out queue in one array: taking from the front advances a head
/// index, and the consumed prefix is dropped when the queue empties or once it is both
/// large and at least half of the array, so appends and removals are amortized O(1).
///
/// Taking an element moves it out of its slot (which is left empty): no retain on the
/// way out, and the queue never holds a reference to something it handed over.
struct FIFOQueue<Element> {
    private var items: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    /// The oldest element (a copy: prefer `removeFirst` or a key kept beside it).
    var first: Element? { head < items.count ? items[head] : nil }
    /// The queued elements, oldest first.
    var elements: [Element] { items[head...].map { $0! } }

    mutating func append(_ element: Element) { items.append(element) }

    /// Removes and returns the oldest element (the queue must not be empty).
    @discardableResult
    mutating func removeFirst() -> Element {
        var taken: Element? = nil
        swap(&taken, &items[head])
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return taken.unsafelyUnwrapped
    }

    mutating func removeAll() {
        items = []
        head = 0
    }
}
