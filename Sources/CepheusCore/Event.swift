/// The fixed part of an `Event`, before its tape.
public struct EventHeader: Sendable {
    /// Event time in epoch milliseconds (floored).
    public var timestamp: Int64
    /// Position in the ordered input; ties in `timestamp` are matched in this order.
    public var sequence: Int64
    @usableFromInline var entryCount: Int32
    var stringCount: Int32
    /// Where the id's bytes are in the string area.
    var idStart: UInt32
    var idLength: UInt32
    /// Where the parsing worker routed the event, per rule (`Event.routing`).
    var routing: UInt64 = .max
}

/// One input event: the parsed JSON object as a flat tape, its event time and its id
/// (rules.md section 1). Immutable and shared by reference: the reorder buffer, the
/// shared buffer of every rule and the alerts all point at the same instance.
///
/// One allocation holds everything: the header, the tape entries and, after them, the
/// string area (string values, uninterned member names, the id's bytes). Fields are read
/// in place (`withTape`); `value` materializes the object only when asked (alerts,
/// general expressions). Copying an `Event` copies one reference; the storage is never
/// written after `make`, which is what makes sharing it across threads safe.
public struct Event: @unchecked Sendable {
    @usableFromInline
    let storage: EventStorage

    @inlinable
    init(storage: EventStorage) { self.storage = storage }

    /// Where the event's storage starts (for cache prefetching; not a reference: it
    /// is valid only while the event is alive).
    @inlinable
    public var address: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(storage).toOpaque()) }

    /// Event time in epoch milliseconds (floored).
    @inlinable
    public var timestamp: Int64 { storage.header.timestamp }

    /// Position in the ordered input (0-based, events only); ties in `timestamp`
    /// are matched in this order.
    @inlinable
    public var sequence: Int64 { storage.header.sequence }

    /// Builds an event from a tape: `entries` (entry 0 an object) and their `strings`;
    /// the id is the `idLength` bytes at `idStart` in `strings`.
    public static func make(
        entries: UnsafeBufferPointer<TapeEntry>, strings: UnsafeRawBufferPointer,
        idStart: UInt32, idLength: UInt32, timestamp: Int64, sequence: Int64
    ) -> Event {
        let stride = MemoryLayout<TapeEntry>.stride
        let stringSlots = (strings.count + stride - 1) / stride
        let buffer = EventStorage.create(minimumCapacity: entries.count + stringSlots) { _ in
            EventHeader(
                timestamp: timestamp, sequence: sequence, entryCount: Int32(entries.count),
                stringCount: Int32(strings.count), idStart: idStart, idLength: idLength)
        }
        let storage = unsafeDowncast(buffer, to: EventStorage.self)
        storage.withUnsafeMutablePointerToElements { elements in
            elements.initialize(from: entries.baseAddress!, count: entries.count)
            if strings.count > 0 {
                UnsafeMutableRawPointer(elements + entries.count).copyMemory(from: strings.baseAddress!, byteCount: strings.count)
            }
        }
        return Event(storage: storage)
    }

    /// Runs `body` over the event's tape.
    @inlinable
    public func withTape<Result>(_ body: (TapeView) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutablePointers { header, elements in
            let count = Int(header.pointee.entryCount)
            return try body(TapeView(entries: elements, count: count, strings: UnsafeRawPointer(elements + count)))
        }
    }

    /// The `id` field when present, else `SOURCE:LINE`.
    public var id: String {
        storage.withUnsafeMutablePointers { header, elements in
            let strings = UnsafeRawPointer(elements + Int(header.pointee.entryCount))
            return TapeView.string(UnsafeRawBufferPointer(start: strings + Int(header.pointee.idStart), count: Int(header.pointee.idLength)))
        }
    }

    /// The bytes of the id (valid only inside `body`).
    public func withIDBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutablePointers { header, elements in
            let strings = UnsafeRawPointer(elements + Int(header.pointee.entryCount))
            return try body(UnsafeRawBufferPointer(start: strings + Int(header.pointee.idStart), count: Int(header.pointee.idLength)))
        }
    }

    /// Per rule of the rule set it was routed by, four bits: the worker owning its key
    /// (0xF: no key, or a disabled rule); `.max` when it was not routed. Written once,
    /// by the thread that parsed the event, before any other thread sees it.
    public var routing: UInt64 { storage.header.routing }

    /// Records the routing. Only for the thread that made the event, before it shares
    /// the event with any other.
    public func setRouting(_ routing: UInt64) {
        storage.header.routing = routing
    }

    /// The storage's identity (the same event shared by several holders).
    public var identity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// Bytes the event's single allocation takes.
    public var allocatedBytes: Int {
        AllocationSize.of(storage, estimate: 16 + MemoryLayout<EventHeader>.stride + storage.capacity * MemoryLayout<TapeEntry>.stride)
    }

    /// The input object, materialized.
    public var value: Value { withTape { $0.value(at: 0) } }

    /// The value of the top-level field `name`, materialized (`nil` when absent).
    public func field(_ name: Int32) -> Value? {
        withTape { tape in tape.member(name, of: 0).map { tape.value(at: $0) } }
    }

    /// The value at a field path from the top level (`nil` when absent).
    public func value(atPath names: [Int32]) -> Value? {
        withTape { tape in tape.path(names).map { tape.value(at: $0) } }
    }
}

/// The single allocation behind an `Event`.
@usableFromInline
final class EventStorage: ManagedBuffer<EventHeader, TapeEntry> {}
