import CepheusCore

/// The distinct events one encoded state refers to, each stored once and referred to
/// by its index (several shared-buffer nodes can hold the same event).
public struct StateEventTable {
    public private(set) var events: [Event] = []
    private var indices: [ObjectIdentifier: Int] = [:]

    public init() {}

    /// A table of decoded events, in their stored order.
    public init(decoded events: [Event]) {
        self.events = events
    }

    /// The index of `event`, adding it when new.
    public mutating func index(of event: Event) -> Int {
        if let index = indices[event.identity] { return index }
        let index = events.count
        events.append(event)
        indices[event.identity] = index
        return index
    }

    func event(at index: Int) throws(ByteReader.Malformed) -> Event {
        guard index >= 0 && index < events.count else {
            throw ByteReader.Malformed("event index \(index) outside the state's \(events.count) events")
        }
        return events[index]
    }
}
