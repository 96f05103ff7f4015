import CepheusRuntime
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file and stdin sources: one thread polls every follower and sequences what they
/// read into the ingest log, a synced batch per round. Stops taking input when the
/// daemon shuts down (as a service listed before the runtime, it stops first).
final class SourceReaders: Service, @unchecked Sendable {
    private let followers: [LineFollower]
    private let sequencer: IngestSequencer
    private let log: @Sendable (String) -> Void
    private let stopping = Mutex(false)
    private var thread: WorkerThread?

    init(followers: [LineFollower], sequencer: IngestSequencer, log: @escaping @Sendable (String) -> Void) {
        self.followers = followers
        self.sequencer = sequencer
        self.log = log
    }

    func start() {
        guard !followers.isEmpty else { return }
        let thread = WorkerThread { [self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    private func loop() {
        // A batch the log refused (a full disk) is retried before its source is read on:
        // the follower has moved past those lines, so they must not be dropped.
        var refused: [Int: [IngestRecord]] = [:]
        var reported: Set<Int> = []
        while !stopping.withLock({ $0 }) {
            var read = 0
            for (index, follower) in followers.enumerated() {
                let records = refused[index] ?? follower.poll()
                guard !records.isEmpty else { continue }
                read += records.count
                do {
                    _ = try sequencer.append(records)
                    refused[index] = nil
                    if reported.remove(index) != nil { log("\(follower.name): the ingest log takes its lines again") }
                } catch {
                    refused[index] = records
                    if reported.insert(index).inserted {
                        log("cannot append \(follower.name) to the ingest log: \(error); retrying every 500 ms, nothing is skipped")
                    }
                    usleep(500_000)
                }
            }
            if read == 0 { usleep(50_000) }
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        stopping.withLock { $0 = true }
        thread?.join()
    }
}
