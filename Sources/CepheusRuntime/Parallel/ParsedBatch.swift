#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCPUHints
import CepheusCore
import Synchronization

/// One line of a batch after parsing, with what the parser worker decided for it.
enum DecodedLine {
    /// An event, the workers that own any of its keys, and the rules it has no key for.
    case event(Event, workers: UInt64, keySkipped: Int)
    case control(Value)
    case blank
    case rejected(reason: String)
}

/// A batch of lines shared by every worker: each worker parses lines into their slots,
/// and a worker that sequences the batch waits until every line is (`waitUntilParsed`).
/// Slots are written by one thread each and read only after the latch, so they need no
/// lock of their own.
///
/// Who parses what balances itself: worker `w` of `n` first takes its own share (the
/// `w`-th of `n` contiguous runs of lines, from the front, in chunks), and once that is
/// done it takes chunks from the back of the share with the most lines left. A worker
/// with less matching to do (the other owns the hot keys) thus parses more, and neither
/// waits for the other's parse. Which worker consumes an event does not depend on who
/// parsed it. (Placing each line with the worker that owns its key, which an earlier
/// version did, cost the reader a scan of every line and measured slower once the
/// parse balanced itself: 8.4-8.9 s against 7.6-7.8 s for P2 on 10M events.)
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
    /// Per event line: where the event's storage is (for `prefetch`; not a reference).
    private let addresses: UnsafeMutablePointer<UnsafeRawPointer?>
    /// Workers that will not read this batch's lines again (`finish`).
    private let finishedWorkers = Atomic<Int>(0)
    private let workers: Int
    private var mutex = pthread_mutex_t()
    private var done = pthread_cond_t()
    /// Guarded by `mutex`: lines not parsed yet, and per share the part not yet taken.
    private var unparsed: Int
    private var fronts: [Int]
    private var backs: [Int]
    /// Lines taken at a time.
    private static let chunkLines = 32

    init(lines: LineBatch, workers: Int) {
        self.lines = lines
        self.workers = workers
        unparsed = lines.count
        fronts = (0..<workers).map { lines.count * $0 / workers }
        backs = (0..<workers).map { lines.count * ($0 + 1) / workers }
        slots = .allocate(capacity: max(1, lines.count))
        slots.initialize(repeating: .blank, count: lines.count)
        timestamps = .allocate(capacity: max(1, lines.count))
        timestamps.initialize(repeating: 0, count: lines.count)
        owners = .allocate(capacity: max(1, lines.count))
        owners.initialize(repeating: .max, count: lines.count)
        keySkips = .allocate(capacity: max(1, lines.count))
        keySkips.initialize(repeating: 0, count: lines.count)
        addresses = .allocate(capacity: max(1, lines.count))
        addresses.initialize(repeating: nil, count: lines.count)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&done, nil)
    }

    deinit {
        slots.deinitialize(count: lines.count)
        slots.deallocate()
        timestamps.deallocate()
        owners.deallocate()
        keySkips.deallocate()
        addresses.deallocate()
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

    /// Starts loading the event of line `index` into this core's cache (nothing for
    /// other lines). The worker that consumes an event often did not parse it, or parsed
    /// it a batch ago: without this, its first read of the event stalls on memory.
    @inline(__always)
    func prefetch(_ index: Int) {
        if let address = addresses[index] { cepheus_prefetch_lines(address, 4) }
    }

    /// Worker says it reads no line of this batch any more.
    func finish() {
        finishedWorkers.add(1, ordering: .releasing)
    }

    /// Every worker called `finish`: the slots can be written again.
    var isFinished: Bool { finishedWorkers.load(ordering: .acquiring) == workers }

    /// Lets go of the events `worker` is responsible for (once `isFinished`): those it
    /// owns, the first owner's for an event with several, worker 0's for one with none.
    /// Done by each owner on its own thread, so the last reference the batch holds to an
    /// event is dropped on the core that matched it, not by whichever worker happens to
    /// free the batch (a reference count updated across cores is a cache line moving).
    func releaseEvents(of worker: Int) {
        let bit: UInt64 = 1 << UInt64(worker)
        for index in 0..<lines.count where owners[index] != .max {
            let mask = owners[index]
            let responsible = mask == 0 ? worker == 0 : (mask & (~mask &+ 1)) == bit
            if responsible {
                slots[index] = .blank
                addresses[index] = nil
            }
        }
    }

    /// Parses lines as worker `share` until none is left to take (see the type's notes).
    func parse(share: Int, decoder: inout EventDecoder, router: KeyRouter) {
        var finished = 0
        while let range = claim(for: share, finished: finished) {
            for index in range { parseLine(index, decoder: &decoder, router: router) }
            finished = range.count
        }
    }

    private func parseLine(_ index: Int, decoder: inout EventDecoder, router: KeyRouter) {
        let number = lines.firstLine + Int64(index)
        if let reason = lines.rejected[index] {
            slots[index] = .rejected(reason: reason)
            return
        }
        switch decoder.decode(lines.line(index), line: number) {
        case .event(let event):
            let route = router.route(event)
            event.setRouting(route.routing)
            slots[index] = .event(event, workers: route.workers, keySkipped: route.keySkipped)
            timestamps[index] = event.timestamp
            owners[index] = route.workers  // at most 63 workers: never .max
            keySkips[index] = Int32(clamping: route.keySkipped)
            addresses[index] = event.address
        case .control(let value): slots[index] = .control(value)
        case .blank: slots[index] = .blank
        case .rejected(let reason): slots[index] = .rejected(reason: reason)
        }
    }

    /// Counts `finished` lines as parsed (waking waiters when that was the last) and
    /// takes the next chunk for worker `share`: the front of its own share, else the
    /// back of the share with the most lines left; `nil` when nothing is left.
    private func claim(for share: Int, finished: Int) -> Range<Int>? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if finished > 0 {
            unparsed -= finished
            if unparsed == 0 { pthread_cond_broadcast(&done) }
        }
        if fronts[share] < backs[share] {
            let start = fronts[share]
            fronts[share] = min(backs[share], start + Self.chunkLines)
            return start..<fronts[share]
        }
        var victim = -1
        var most = 0
        for other in fronts.indices where backs[other] - fronts[other] > most {
            victim = other
            most = backs[other] - fronts[other]
        }
        guard victim >= 0 else { return nil }
        let end = backs[victim]
        backs[victim] = max(fronts[victim], end - Self.chunkLines)
        return backs[victim]..<end
    }

    func waitUntilParsed() {
        pthread_mutex_lock(&mutex)
        while unparsed > 0 { pthread_cond_wait(&done, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}
