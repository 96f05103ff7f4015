/// A receiver's deliveries in the order they are due (a binary min-heap on `due`).
struct DeliveryQueue {
    struct Item: Sendable {
        var id: String
        var due: Int64
    }

    private var heap: [Item] = []

    var count: Int { heap.count }
    var first: Item? { heap.first }

    mutating func insert(_ item: Item) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item if it is due by `now`.
    mutating func popFirst(dueBy now: Int64) -> Item? {
        guard let first = heap.first, first.due <= now else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count && heap[left + 1].due < heap[left].due { smallest = left + 1 }
            guard heap[smallest].due < heap[parent].due else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
