#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CepheusCore

/// One line of a batch after parsing, with what the parser worker decided for it.
enum DecodedLine {
    /// An event, the workers that own any of its keys, and the rules it has no key for.
    case event(Event, workers: UInt64, keySkipped: Int)
    case control(Value)
    case blank
    case rejected(reason: String)
}

/// A batch of lines shared by every worker: worker `w` parses the lines assigned to it
/// (`ParseAssigner`) into their slots, then marks its share done; a worker that sequences
/// the batch waits until every share is (`waitUntilParsed`). Slots are written by one
/// thread each and read only after the latch, so they need no lock of their own.
///
/// Each event's time and owners are also kept as plain numbers, so a worker walks the
/// whole batch without touching the reference count of events it does not own (a
/// count shared by two cores is a cache line bouncing between them).
final class ParsedBatch: @unchecked Sendable {
    let lines: LineBatch
    private let slots: UnsafeMutablePointer<DecodedLine>
    /// Per line: the event's timestamp (events only).
    private let timestamps: UnsafeMutablePointer<Int64>
    /// Per line: the workers owning the event's keys; `.max` for lines that are not
    /// events (every worker reads those).
    private let owners: UnsafeMutablePointer<UInt64>
    /// Per event line: how many rules it has no key for.
    private let keySkips: UnsafeMutablePointer<Int32>
    private var mutex = pthread_mutex_t()
    private var done = pthread_cond_t()
    private var pendingShares: Int

    init(lines: LineBatch, shares: Int) {
        self.lines = lines
        pendingShares = shares
        slots = .allocate(capacity: max(1, lines.count))
        slots.initialize(repeating: .blank, count: lines.count)
        timestamps = .allocate(capacity: max(1, lines.count))
        timestamps.initialize(repeating: 0, count: lines.count)
        owners = .allocate(capacity: max(1, lines.count))
        owners.initialize(repeating: .max, count: lines.count)
        keySkips = .allocate(capacity: max(1, lines.count))
        keySkips.initialize(repeating: 0, count: lines.count)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&done, nil)
    }

    deinit {
        slots.deinitialize(count: lines.count)
        slots.deallocate()
        timestamps.deallocate()
        owners.deallocate()
        keySkips.deallocate()
        pthread_cond_destroy(&done)
        pthread_mutex_destroy(&mutex)
    }

    var count: Int { lines.count }

    /// Line `index` as parsed (valid after `waitUntilParsed`).
    subscript(index: Int) -> DecodedLine { slots[index] }

    /// Whether line `index` is an event, and if so its timestamp and owners, read
    /// without retaining the event.
    func eventSummary(_ index: Int) -> (timestamp: Int64, owners: UInt64, keySkipped: Int)? {
        owners[index] == .max ? nil : (timestamps[index], owners[index], Int(keySkips[index]))
    }

    /// Parses share `share`: every line assigned to that worker (`LineBatch.parsers`).
    func parse(share: Int, decoder: inout EventDecoder, router: KeyRouter) {
        let parsers = lines.parsers
        let mine = UInt8(truncatingIfNeeded: share)
        for index in 0..<lines.count where parsers[index] == mine {
            let number = lines.firstLine + Int64(index)
            if let reason = lines.rejected[index] {
                slots[index] = .rejected(reason: reason)
            } else {
                switch decoder.decode(lines.line(index), line: number) {
                case .event(let event):
                    let route = router.route(event)
                    event.setRouting(route.routing)
                    slots[index] = .event(event, workers: route.workers, keySkipped: route.keySkipped)
                    timestamps[index] = event.timestamp
                    owners[index] = route.workers  // at most 63 workers: never .max
                    keySkips[index] = Int32(clamping: route.keySkipped)
                case .control(let value): slots[index] = .control(value)
                case .blank: slots[index] = .blank
                case .rejected(let reason): slots[index] = .rejected(reason: reason)
                }
            }
        }
        pthread_mutex_lock(&mutex)
        pendingShares -= 1
        if pendingShares == 0 { pthread_cond_broadcast(&done) }
        pthread_mutex_unlock(&mutex)
    }

    func waitUntilParsed() {
        pthread_mutex_lock(&mutex)
        while pendingShares > 0 { pthread_cond_wait(&done, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}
