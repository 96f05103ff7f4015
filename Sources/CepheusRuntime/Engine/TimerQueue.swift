/// Event-time timers of (rule, key) states: when the watermark reaches a timer, the
/// key's windows are advanced.
struct TimerQueue {
    struct Timer: HeapOrdered {
        var time: Int64
        var slot: RuleSlot
        var state: KeyState

        var heapKey: HeapKey { HeapKey(primary: time, secondary: 0) }
    }

    private var heap = BinaryHeap<Timer>()

    var count: Int { heap.count }

    mutating func insert(_ timer: Timer) { heap.insert(timer) }

    /// Drops the timers of states spilled to the store (their wake-ups are stored).
    mutating func removeEvicted() { heap.removeAll { $0.state.evicted } }

    /// Whether a timer is due at `time`.
    @inline(__always)
    func hasDue(through time: Int64) -> Bool { heap.firstKey.map { $0.primary <= time } ?? false }

    /// The earliest timer if it is due at `time`.
    mutating func popFirst(through time: Int64) -> Timer? {
        heap.popFirst { $0.primary <= time }
    }
}
