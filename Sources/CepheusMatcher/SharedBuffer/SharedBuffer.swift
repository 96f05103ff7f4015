import CepheusCore

/// Where matched events live, once each, for every partial match of one (rule, key)
/// (Flink's `SharedBuffer`): nodes are (event, step) pairs, edges point at the previous
/// node of a partial match and carry the Dewey version of the match that wrote them.
/// Partial matches that share a prefix share its nodes. Reference counts release an
/// edge when the last partial match that could follow it dies, a node when no edge
/// and no partial match needs it, and an event when no node holds it.
public struct SharedBuffer: Sendable {
    struct Edge: Sendable {
        var target: NodeKey?
        var version: DeweyNumber
        var references: Int32
    }

    struct Node: Sendable {
        var edges: [Edge]
        var references: Int32
    }

    struct StoredEvent: Sendable {
        var event: Event
        var references: Int32
    }

    private(set) var nodes: [NodeKey: Node] = [:]
    private(set) var events: [EventKey: StoredEvent] = [:]

    public init() {}

    /// Number of events held (for metrics and tests).
    public var eventCount: Int { events.count }
    /// Number of nodes held (for metrics and tests).
    public var nodeCount: Int { nodes.count }
    public var isEmpty: Bool { nodes.isEmpty && events.isEmpty }

    /// Holds `event` for one more node. Flink registers every event it processes and
    /// releases it afterwards; an event no node takes is never stored here instead,
    /// which is the same state after every event without two dictionary writes.
    mutating func lockEvent(_ key: EventKey, _ event: Event) {
        if let index = events.index(forKey: key) {
            events.values[index].references += 1
        } else {
            events[key] = StoredEvent(event: event, references: 1)
        }
    }

    mutating func releaseEvent(_ key: EventKey) {
        guard var stored = events[key] else { return }
        if stored.references <= 1 {
            events[key] = nil
        } else {
            stored.references -= 1
            events[key] = stored
        }
    }

    func event(_ key: EventKey) -> Event? { events[key]?.event }

    /// Adds the node (event taken by step) with an edge to `previous`.
    mutating func put(step: Int, event: EventKey, _ stored: Event, previous: NodeKey?, version: DeweyNumber) -> NodeKey {
        if let previous { lockNode(previous, version: version) }
        let key = NodeKey(event: event, step: Int32(step))
        if nodes[key] == nil {
            nodes[key] = Node(edges: [], references: 0)
            lockEvent(event, stored)
        }
        nodes[key]!.edges.append(Edge(target: previous, version: version, references: 0))
        return key
    }

    mutating func lockNode(_ key: NodeKey, version: DeweyNumber) {
        guard nodes[key] != nil else { return }
        nodes[key]!.references += 1
        for index in nodes[key]!.edges.indices where version.isCompatible(with: nodes[key]!.edges[index].version) {
            nodes[key]!.edges[index].references += 1
        }
    }

    /// Releases what the partial match at `key` with `version` held.
    mutating func releaseNode(_ key: NodeKey, version: DeweyNumber) {
        var pending: [(NodeKey, DeweyNumber)] = [(key, version)]
        while let (current, currentVersion) = pending.popLast() {
            guard var node = nodes[current] else { break }
            var kept: [Edge] = []
            kept.reserveCapacity(node.edges.count)
            for var edge in node.edges {
                if currentVersion.isCompatible(with: edge.version) {
                    let released: Bool
                    if edge.references <= 0 {
                        released = true
                    } else {
                        edge.references -= 1
                        released = edge.references == 0
                    }
                    if released {
                        if let target = edge.target { pending.append((target, edge.version)) }
                        continue
                    }
                }
                kept.append(edge)
            }
            node.edges = kept
            let nodeReleased: Bool
            if node.references <= 0 {
                nodeReleased = true
            } else {
                node.references -= 1
                nodeReleased = node.references == 0
            }
            if nodeReleased {
                nodes[current] = nil
                releaseEvent(current.event)
            } else {
                nodes[current] = node
            }
        }
    }

    /// Every path back from `key` compatible with `version`, each as the events per
    /// step in match order (Flink's `extractPatterns`, same depth-first order).
    func extractPatterns(_ key: NodeKey, version: DeweyNumber) -> [[(step: Int, event: EventKey)]] {
        var result: [[(step: Int, event: EventKey)]] = []
        guard let start = nodes[key] else { return result }
        struct Extraction {
            var entry: (NodeKey, Node)?
            var version: DeweyNumber
            var path: [NodeKey]
        }
        var stack: [Extraction] = [Extraction(entry: (key, start), version: version, path: [])]
        while var state = stack.popLast() {
            guard let (nodeKey, node) = state.entry else {
                result.append(state.path.reversed().map { (Int($0.step), $0.event) })
                continue
            }
            state.path.append(nodeKey)
            for edge in node.edges where state.version.isCompatible(with: edge.version) {
                var next: (NodeKey, Node)? = nil
                if let target = edge.target {
                    guard let targetNode = nodes[target] else { continue }
                    next = (target, targetNode)
                }
                stack.append(Extraction(entry: next, version: edge.version, path: state.path))
            }
        }
        return result
    }
}
