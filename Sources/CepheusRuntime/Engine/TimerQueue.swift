/// Event-time timers of (rule, key) states: when the watermark reaches a timer, the
/// key's windows are advanced. A min-heap on time.
struct TimerQueue {
    struct Timer {
        var time: Int64
        var slot: RuleSlot
        var state: KeyState
    }

    private var heap: [Timer] = []

    var count: Int { heap.count }

    mutating func insert(_ timer: Timer) {
        heap.append(timer)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard heap[child].time < heap[parent].time else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest timer if it is due at `time`.
    mutating func popFirst(through time: Int64) -> Timer? {
        guard let first = heap.first, first.time <= time else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var parent = 0
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var smallest = left
            if left + 1 < n && heap[left + 1].time < heap[left].time { smallest = left + 1 }
            guard heap[smallest].time < heap[parent].time else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
