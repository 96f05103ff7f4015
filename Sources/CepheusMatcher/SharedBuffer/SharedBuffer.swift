import CepheusCore

/// Where matched events live, once each, for every partial match of one (rule, key)
/// (Flink's `SharedBuffer`): nodes are (event, step) pairs, edges point at the previous
/// node of a partial match and carry the Dewey version of the match that wrote them.
/// Partial matches that share a prefix share its nodes. Reference counts release an
/// edge when the last partial match that could follow it dies, and a node (with its
/// event) when no edge and no partial match needs it.
///
/// Nodes live in an arena addressed by index, with a free list: following an edge is an
/// array access, not a hash lookup. A new node can only be for the event being
/// processed, so finding an existing (event, step) node searches just that event's nodes.
public struct SharedBuffer: Sendable {
    struct Edge: Sendable {
        /// Index of the previous node, or -1 at the start of a match.
        var target: Int32
        /// The target slot's generation when the edge was made: a slot reused for a
        /// new node never passes for the node an old edge pointed at.
        var targetGeneration: UInt32
        var version: DeweyNumber
        var references: Int32

        /// What fills a released edge's slot until it is removed (holds nothing).
        static var placeholder: Edge { Edge(target: -1, targetGeneration: 0, version: DeweyNumber(0), references: 0) }
    }

    struct Node: Sendable {
        var event: Event?
        var eventKey: EventKey
        var step: Int32
        var generation: UInt32
        var edges: [Edge]
        var references: Int32
    }

    /// Whether `edge` leads to a live node (or is the start of a match).
    private func reachable(_ edge: Edge) -> Bool {
        edge.target < 0 || (nodes[Int(edge.target)].event != nil && nodes[Int(edge.target)].generation == edge.targetGeneration)
    }

    var nodes: [Node] = []
    var free: [Int32] = []
    var live = 0
    /// The event whose nodes `currentNodes` lists (step, node).
    private var currentEvent: EventKey?
    private var currentNodes: [(step: Int32, node: Int32)] = []
    /// How many partial matches the current step has (set by `PatternMatcher.process`):
    /// the edges a new node may get.
    var edgeCapacityHint = 0
    /// `releaseNode`'s nodes still to visit (kept to reuse its storage).
    private var releaseStack: [(Int32, DeweyNumber)] = []

    public init() {}

    /// Number of live nodes (for metrics and tests).
    public var nodeCount: Int { live }
    public var isEmpty: Bool { live == 0 }
    func event(at node: Int32) -> Event? { nodes[Int(node)].event }
    func eventKey(at node: Int32) -> EventKey { nodes[Int(node)].eventKey }
    func step(at node: Int32) -> Int { Int(nodes[Int(node)].step) }

    /// Drops every node at once: for when no partial or held match refers to the buffer
    /// any more (the same end state as releasing each of them, minus the work). A large
    /// node arena is freed, a small one kept for the key's next nodes.
    mutating func removeAll() {
        if nodes.capacity > 64 { nodes = [] } else { nodes.removeAll(keepingCapacity: true) }
        free.removeAll(keepingCapacity: free.capacity <= 64)
        live = 0
        currentEvent = nil
        currentNodes.clear()
    }

    /// Adds the node (event taken by step) with an edge to `previous`, which it locks
    /// with `version` unless `lockPrevious` is false (see `computeNextStates`).
    mutating func put(step: Int, event key: EventKey, _ event: Event, previous: Int32?, version: DeweyNumber, lockPrevious: Bool = true) -> Int32 {
        if lockPrevious, let previous { lockNode(previous, version: version) }
        if currentEvent != key {
            currentEvent = key
            currentNodes.clear()
        }
        let step32 = Int32(step)
        var index: Int32 = -1
        for entry in currentNodes where entry.step == step32 && nodes[Int(entry.node)].event != nil {
            index = entry.node
            break
        }
        if index < 0 {
            if let reused = free.popLast() {
                index = reused
                let generation = nodes[Int(reused)].generation &+ 1
                nodes[Int(reused)].event = event
                nodes[Int(reused)].eventKey = key
                nodes[Int(reused)].step = step32
                nodes[Int(reused)].generation = generation
                nodes[Int(reused)].references = 0
                nodes[Int(reused)].edges.clear()
            } else {
                index = Int32(nodes.count)
                var edges: [Edge] = []
                // As many edges as partial matches may take this event (capped): a hot
                // key's node gets one per partial match, grown once instead of doubling.
                if edgeCapacityHint > 4 { edges.reserveCapacity(min(edgeCapacityHint, 64)) }
                nodes.append(Node(event: event, eventKey: key, step: step32, generation: 0, edges: edges, references: 0))
            }
            live += 1
            currentNodes.append((step32, index))
        }
        let generation = previous.map { nodes[Int($0)].generation } ?? 0
        nodes[Int(index)].edges.append(Edge(target: previous ?? -1, targetGeneration: generation, version: version, references: 0))
        return index
    }

    mutating func lockNode(_ node: Int32, version: DeweyNumber) {
        let i = Int(node)
        guard nodes[i].event != nil else { return }
        nodes[i].references += 1
        // The edge list is moved out while it is updated: one uniqueness check, not one
        // per edge (a hot key's node can have thousands).
        var edges = nodes[i].edges
        nodes[i].edges = []
        edges.withUnsafeMutableBufferPointer { edges in
            for e in edges.indices where version.isCompatible(with: edges[e].version) {
                edges[e].references += 1
            }
        }
        nodes[i].edges = edges
    }

    /// Releases what the partial match at `node` with `version` held. Edges are
    /// compacted in place and the nodes still to visit wait on a reused stack: a
    /// release allocates nothing.
    mutating func releaseNode(_ node: Int32, version: DeweyNumber) {
        releaseStack.clear()
        var current = node
        var currentVersion = version
        while true {
            let i = Int(current)
            guard nodes[i].event != nil else { break }
            var edges = nodes[i].edges
            nodes[i].edges = []
            let count = edges.count
            var kept = 0
            // Edges are updated in place; released ones are destroyed where they are and
            // the kept ones after them moved down (memory moves: no edge, and no Dewey
            // number, is copied or retained). The slots left at the end are refilled with
            // a trivial placeholder, which `removeLast` then drops.
            edges.withUnsafeMutableBufferPointer { edges in
                let base = edges.baseAddress!
                for read in 0..<count {
                    if currentVersion.isCompatible(with: base[read].version) {
                        let released: Bool
                        if base[read].references <= 0 {
                            released = true
                        } else {
                            base[read].references -= 1
                            released = base[read].references == 0
                        }
                        if released {
                            if base[read].target >= 0 && reachable(base[read]) {
                                releaseStack.append((base[read].target, base[read].version))
                            }
                            (base + read).deinitialize(count: 1)
                            continue
                        }
                    }
                    if kept != read { (base + kept).moveInitialize(from: base + read, count: 1) }
                    kept += 1
                }
                if kept < count { (base + kept).initialize(repeating: Edge.placeholder, count: count - kept) }
            }
            if kept < count { edges.removeLast(count - kept) }
            nodes[i].edges = edges
            let nodeReleased: Bool
            if nodes[i].references <= 0 {
                nodeReleased = true
            } else {
                nodes[i].references -= 1
                nodeReleased = nodes[i].references == 0
            }
            if nodeReleased {
                nodes[i].event = nil
                // A small edge list is kept for the slot's next node; a large one is
                // freed (a hot key's node can have thousands of edges).
                if nodes[i].edges.capacity > 8 { nodes[i].edges = [] } else { nodes[i].edges.clear() }
                free.append(current)
                live -= 1
            }
            guard let next = releaseStack.popLast() else { break }
            (current, currentVersion) = next
        }
    }

    /// Every path back from `node` compatible with `version`, each as the node indices
    /// in match order (Flink's `extractPatterns`, same depth-first order).
    func extractPatterns(_ node: Int32, version: DeweyNumber) -> [[Int32]] {
        var result: [[Int32]] = []
        guard nodes[Int(node)].event != nil else { return result }
        struct Extraction {
            var node: Int32
            var version: DeweyNumber
            var path: [Int32]
        }
        var stack: [Extraction] = [Extraction(node: node, version: version, path: [])]
        while var state = stack.popLast() {
            guard state.node >= 0 else {
                result.append(state.path.reversed())
                continue
            }
            state.path.append(state.node)
            for edge in nodes[Int(state.node)].edges where state.version.isCompatible(with: edge.version) {
                if !reachable(edge) { continue }
                stack.append(Extraction(node: edge.target, version: edge.version, path: state.path))
            }
        }
        return result
    }

    /// Bytes this buffer takes (its arrays and their elements' edge lists), and the
    /// events it holds, added to `events` (an event shared by several buffers is
    /// counted once by whoever sums the set).
    func footprint(events: inout Set<ObjectIdentifier>, eventBytes: inout Int) -> Int {
        var bytes = AllocationSize.ofArray(nodes) + AllocationSize.ofArray(free) + AllocationSize.ofArray(currentNodes)
        for node in nodes {
            bytes += AllocationSize.ofArray(node.edges)
            if let event = node.event, events.insert(event.identity).inserted { eventBytes += event.allocatedBytes }
        }
        return bytes
    }

    /// The first path `extractPatterns` would return, written into `path` (match order);
    /// `false` when there is none. Explores in the same depth-first order but stops at
    /// the first complete path and shares one path array instead of copying it per
    /// branch. `stack` is working storage.
    func firstPattern(_ node: Int32, version: DeweyNumber, into path: inout [Int32], stack: inout [PatternSearchStep]) -> Bool {
        Self.firstPattern(in: nodes, node, version: version, into: &path, stack: &stack)
    }

    /// `firstPattern` over a buffer's `nodes` alone (what a reader that outlives one
    /// call holds: one array, not the whole buffer).
    static func firstPattern(
        in nodes: [Node], _ node: Int32, version: DeweyNumber, into path: inout [Int32], stack: inout [PatternSearchStep]
    ) -> Bool {
        func reachable(_ edge: Edge) -> Bool {
            edge.target < 0 || (nodes[Int(edge.target)].event != nil && nodes[Int(edge.target)].generation == edge.targetGeneration)
        }
        path.clear()
        stack.clear()
        guard nodes[Int(node)].event != nil else { return false }
        stack.append(PatternSearchStep(node: node, version: version, depth: 0))
        while let step = stack.popLast() {
            while path.count > step.depth { path.removeLast() }
            guard step.node >= 0 else {
                path.reverse()
                stack.clear()
                return true
            }
            path.append(step.node)
            for edge in nodes[Int(step.node)].edges where step.version.isCompatible(with: edge.version) {
                if !reachable(edge) { continue }
                stack.append(PatternSearchStep(node: edge.target, version: edge.version, depth: step.depth + 1))
            }
        }
        path.clear()
        return false
    }
}

/// One pending branch of `SharedBuffer.firstPattern`'s depth-first search.
struct PatternSearchStep {
    var node: Int32
    var version: DeweyNumber
    /// How many nodes of the path lead to it.
    var depth: Int
}