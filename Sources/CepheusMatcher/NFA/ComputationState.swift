/// One partial match (Flink's `ComputationState`): the NFA state it waits in, the last
/// shared-buffer node it took, its Dewey version and when it started.
public struct ComputationState: Sendable {
    public var state: Int
    /// The shared-buffer node of the last event taken, `nil` for the start state.
    public var previousEntry: Int32?
    public var version: DeweyNumber
    /// Timestamp of the first event, or -1 for the start state.
    public var startTimestamp: Int64
    public var previousTimestamp: Int64
    /// The first event, or `nil` for the start state.
    public var startEvent: EventKey?

    /// Fills a slot whose partial match was moved out (holds nothing to release).
    static var placeholder: ComputationState { .start(0, version: DeweyNumber(0)) }

    static func start(_ state: Int, version: DeweyNumber) -> ComputationState {
        ComputationState(state: state, previousEntry: nil, version: version, startTimestamp: -1, previousTimestamp: -1, startEvent: nil)
    }

    /// Flink's `COMPUTATION_STATE_COMPARATOR`: by start event, the start state last.
    static func compare(_ a: ComputationState, _ b: ComputationState) -> Int {
        compare(starts: a.startEvent, b.startEvent)
    }

    /// `compare` on the start events alone (all it looks at).
    @inline(__always)
    static func compare(starts a: EventKey?, _ b: EventKey?) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case (let x?, let y?):
            if x.timestamp != y.timestamp { return x.timestamp < y.timestamp ? -1 : 1 }
            if x.sequence != y.sequence { return x.sequence < y.sequence ? -1 : 1 }
            return 0
        }
    }
}
