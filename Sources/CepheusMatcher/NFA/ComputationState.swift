/// One partial match (Flink's `ComputationState`): the NFA state it waits in, the last
/// shared-buffer node it took, its Dewey version and when it started.
///
/// Laid out small (80 bytes): a hot key holds thousands of partial matches and every
/// event walks them all. The optional fields are stored as plain numbers with a
/// sentinel (-1: none), and the start event's time is `startTimestamp` itself.
public struct ComputationState: Sendable {
    private var stateIndex: Int32
    /// -1: none.
    private var entry: Int32
    public var version: DeweyNumber
    /// Timestamp of the first event, or -1 for the start state.
    public private(set) var startTimestamp: Int64
    public var previousTimestamp: Int64
    /// The first event's sequence, or -1 for the start state.
    private var startSequence: Int64

    public init(
        state: Int, previousEntry: Int32?, version: DeweyNumber, startTimestamp: Int64, previousTimestamp: Int64,
        startEvent: EventKey?
    ) {
        stateIndex = Int32(truncatingIfNeeded: state)
        entry = previousEntry ?? -1
        self.version = version
        self.previousTimestamp = previousTimestamp
        if let startEvent {
            self.startTimestamp = startEvent.timestamp
            startSequence = startEvent.sequence
        } else {
            self.startTimestamp = startTimestamp
            startSequence = -1
        }
    }

    /// The NFA state it waits in.
    public var state: Int { Int(stateIndex) }

    /// The shared-buffer node of the last event taken, `nil` for the start state.
    public var previousEntry: Int32? { entry < 0 ? nil : entry }

    /// The first event, or `nil` for the start state.
    public var startEvent: EventKey? {
        startSequence < 0 ? nil : EventKey(timestamp: startTimestamp, sequence: startSequence)
    }

    /// Fills a slot whose partial match was moved out (holds nothing to release).
    static var placeholder: ComputationState { .start(0, version: DeweyNumber(0)) }

    static func start(_ state: Int, version: DeweyNumber) -> ComputationState {
        ComputationState(state: state, previousEntry: nil, version: version, startTimestamp: -1, previousTimestamp: -1, startEvent: nil)
    }

    /// Flink's `COMPUTATION_STATE_COMPARATOR`: by start event, the start state last.
    static func compare(_ a: ComputationState, _ b: ComputationState) -> Int {
        if a.startSequence < 0 { return b.startSequence < 0 ? 0 : 1 }
        if b.startSequence < 0 { return -1 }
        if a.startTimestamp != b.startTimestamp { return a.startTimestamp < b.startTimestamp ? -1 : 1 }
        if a.startSequence != b.startSequence { return a.startSequence < b.startSequence ? -1 : 1 }
        return 0
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
