/// Working storage that `PatternMatcher.process` reuses from one event to the next, so
/// a step allocates nothing once the buffers have grown: the successor states of one
/// partial match, the decision graph's edges and stack, and the spare storage of the
/// partial-match queues (swapped with a key's queue, never copied).
///
/// Not thread-safe: one per engine (worker), used by one `process` call at a time.
public final class MatcherScratch {
    var next: [ComputationState] = []
    var edges: [TransitionEdge] = []
    var retained: [ComputationState] = []
    /// The partial matches `process` is stepping (moved out of the key's queue).
    var pending: [ComputationState] = []
    var stack: [Int] = []
    var spareQueue = FlinkPriorityQueue()
    var potentialMatches = FlinkPriorityQueue()
    let loader = MatchedEventsLoader()
    var path: [Int32] = []
    var search: [PatternSearchStep] = []

    /// A spare queue larger than this is dropped rather than kept: spare storage ends up
    /// in some key's state, and most keys hold a start state and a partial match or two.
    static let maxSpareCapacity = 4

    public init() {}

    /// An empty queue, on the spare storage when there is some.
    func takeQueue() -> FlinkPriorityQueue {
        var queue = FlinkPriorityQueue()
        swap(&queue, &spareQueue)
        return queue
    }

    /// Keeps `queue`'s storage (emptied) for the next `takeQueue`.
    func recycle(_ queue: inout FlinkPriorityQueue) {
        guard queue.capacity <= Self.maxSpareCapacity else { return }
        queue.removeAll()
        swap(&queue, &spareQueue)
    }
}
