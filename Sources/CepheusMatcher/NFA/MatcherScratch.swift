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
    /// The decision graphs of the event being processed, per NFA state, when no
    /// condition reads steps (then a state's graph is the same for every partial match
    /// waiting in it): see `PatternMatcher.computeNextStates`. Valid while `graphEpoch`
    /// matches, which every `process` call moves on.
    var graphs: [DecisionGraph] = []
    var graphEdges: [TransitionEdge] = []
    var graphEpoch = 0
    /// Per NFA state, for the same event: the final state its proceed edges reach
    /// (`findFinalStateAfterProceed`), -1 for none; valid where `finalEpochs` matches.
    var finals: [Int32] = []
    var finalEpochs: [Int] = []

    /// One state's decision graph for one event: its edges (`count` of them from
    /// `start` in `graphEdges`) and how many take and ignore.
    struct DecisionGraph {
        var epoch = -1
        var start: Int32 = 0
        var count: Int32 = 0
        var takes: Int32 = 0
        var ignores: Int32 = 0
    }

    /// Starts a new event (and key): the cached graphs no longer hold.
    func beginGraphs(states: Int) {
        graphEpoch &+= 1
        graphEdges.clear()
        if graphs.count < states { graphs.append(contentsOf: repeatElement(DecisionGraph(), count: states - graphs.count)) }
        if finals.count < states {
            finals.append(contentsOf: repeatElement(-1, count: states - finals.count))
            finalEpochs.append(contentsOf: repeatElement(-1, count: states - finalEpochs.count))
        }
    }

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
