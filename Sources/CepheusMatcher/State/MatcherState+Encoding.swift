import CepheusCore

extension MatcherState {
    /// Appends the partial matches, held completed matches and the shared buffer, with
    /// events referred to by their index in `events`. The encoding keeps the queues'
    /// heap order and the buffer's slots, so a decoded state behaves exactly like the
    /// original (same matches, in the same order).
    public func encode(into writer: inout ByteWriter, events: inout StateEventTable) {
        writer.unsigned(partialMatches.elements.count)
        for state in partialMatches.elements { state.encode(into: &writer) }
        writer.unsigned(completedMatches.elements.count)
        for state in completedMatches.elements { state.encode(into: &writer) }
        buffer.encode(into: &writer, events: &events)
    }

    /// Reads a state written by `encode(into:events:)`.
    public static func decode(from reader: inout ByteReader, events: StateEventTable) throws(ByteReader.Malformed) -> MatcherState {
        var state = MatcherState()
        var partial: [ComputationState] = []
        let partialCount = try reader.count(limit: reader.remaining)
        partial.reserveCapacity(partialCount)
        for _ in 0..<partialCount { partial.append(try ComputationState.decode(from: &reader)) }
        var completed: [ComputationState] = []
        let completedCount = try reader.count(limit: reader.remaining)
        completed.reserveCapacity(completedCount)
        for _ in 0..<completedCount { completed.append(try ComputationState.decode(from: &reader)) }
        state.partialMatches = FlinkPriorityQueue(heapOrder: partial)
        state.completedMatches = FlinkPriorityQueue(heapOrder: completed)
        state.buffer = try SharedBuffer.decode(from: &reader, events: events)
        let slots = state.buffer.nodes.count
        for match in partial + completed {
            if let entry = match.previousEntry, entry < 0 || Int(entry) >= slots {
                throw ByteReader.Malformed("partial match points at buffer slot \(entry) of \(slots)")
            }
        }
        return state
    }
}

extension ComputationState {
    func encode(into writer: inout ByteWriter) {
        writer.unsigned(state)
        writer.signed(previousEntry.map { Int64($0) } ?? -1)
        version.encode(into: &writer)
        writer.signed(startTimestamp)
        writer.signed(previousTimestamp)
        writer.bool(startEvent != nil)
        if let startEvent {
            writer.signed(startEvent.timestamp)
            writer.signed(startEvent.sequence)
        }
    }

    static func decode(from reader: inout ByteReader) throws(ByteReader.Malformed) -> ComputationState {
        let state = try reader.count(limit: 1 << 20)
        let previous = try reader.signed()
        guard previous >= -1 && previous <= Int64(Int32.max) else { throw ByteReader.Malformed("invalid buffer slot \(previous)") }
        let version = try DeweyNumber.decode(from: &reader)
        let start = try reader.signed()
        let previousTimestamp = try reader.signed()
        var startEvent: EventKey?
        if try reader.bool() {
            startEvent = EventKey(timestamp: try reader.signed(), sequence: try reader.signed())
            // The start event's time is the partial match's start, and events count from 0.
            guard startEvent!.timestamp == start, startEvent!.sequence >= 0 else {
                throw ByteReader.Malformed("partial match starts at \(start) with start event \(startEvent!)")
            }
        }
        return ComputationState(
            state: state, previousEntry: previous < 0 ? nil : Int32(previous), version: version,
            startTimestamp: start, previousTimestamp: previousTimestamp, startEvent: startEvent)
    }
}

extension DeweyNumber {
    func encode(into writer: inout ByteWriter) {
        writer.unsigned(count)
        for index in 0..<count { writer.signed(Int64(self[index])) }
    }

    static func decode(from reader: inout ByteReader) throws(ByteReader.Malformed) -> DeweyNumber {
        let count = try reader.count(limit: 1 << 16)
        guard count > 0 else { throw ByteReader.Malformed("a Dewey number with no digits") }
        // Built digit by digit (no array of digits in between).
        var number = DeweyNumber(0)
        for index in 0..<count {
            let digit = try reader.signed()
            guard let narrow = Int32(exactly: digit) else { throw ByteReader.Malformed("Dewey digit \(digit) out of range") }
            number = index == 0 ? DeweyNumber(narrow) : number.addStage().increase(Int(narrow))
        }
        return number
    }
}

extension SharedBuffer {
    func encode(into writer: inout ByteWriter, events: inout StateEventTable) {
        writer.unsigned(nodes.count)
        for node in nodes {
            writer.unsigned(UInt64(node.generation))
            guard let event = node.event else {
                writer.bool(false)
                continue
            }
            writer.bool(true)
            writer.unsigned(events.index(of: event))
            writer.unsigned(Int(node.step))
            writer.signed(Int64(node.references))
            writer.unsigned(node.edges.count)
            for edge in node.edges {
                writer.signed(Int64(edge.target))
                writer.unsigned(UInt64(edge.targetGeneration))
                edge.version.encode(into: &writer)
                writer.signed(Int64(edge.references))
            }
        }
        writer.unsigned(free.count)
        for slot in free { writer.unsigned(Int(slot)) }
    }

    static func decode(from reader: inout ByteReader, events: StateEventTable) throws(ByteReader.Malformed) -> SharedBuffer {
        var buffer = SharedBuffer()
        let count = try reader.count(limit: reader.remaining)
        buffer.nodes.reserveCapacity(count)
        for _ in 0..<count {
            guard let generation = UInt32(exactly: try reader.unsigned()) else { throw ByteReader.Malformed("node generation out of range") }
            guard try reader.bool() else {
                buffer.nodes.append(Node(event: nil, eventKey: EventKey(timestamp: 0, sequence: 0), step: 0, generation: generation, edges: [], references: 0))
                continue
            }
            let event = try events.event(at: try reader.count())
            let step = Int32(try reader.count(limit: 1 << 20))
            let references = try reader.signed()
            let edgeCount = try reader.count(limit: reader.remaining)
            var edges: [Edge] = []
            edges.reserveCapacity(edgeCount)
            for _ in 0..<edgeCount {
                let target = try reader.signed()
                guard target >= -1 && target < Int64(count) else { throw ByteReader.Malformed("edge to slot \(target) of \(count)") }
                guard let targetGeneration = UInt32(exactly: try reader.unsigned()) else { throw ByteReader.Malformed("edge generation out of range") }
                let version = try DeweyNumber.decode(from: &reader)
                let edgeReferences = try reader.signed()
                edges.append(Edge(target: Int32(target), targetGeneration: targetGeneration, version: version, references: Int32(truncatingIfNeeded: edgeReferences)))
            }
            buffer.nodes.append(Node(
                event: event, eventKey: EventKey(timestamp: event.timestamp, sequence: event.sequence), step: step,
                generation: generation, edges: edges, references: Int32(truncatingIfNeeded: references)))
            buffer.live += 1
        }
        let freeCount = try reader.count(limit: count)
        for _ in 0..<freeCount {
            let slot = try reader.count(limit: max(count - 1, 0))
            guard buffer.nodes[slot].event == nil else { throw ByteReader.Malformed("free list names live slot \(slot)") }
            buffer.free.append(Int32(slot))
        }
        return buffer
    }
}
