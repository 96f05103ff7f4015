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
        while !stopping.withLock({ $0 }) {
            var read = 0
            for follower in followers {
                let records = follower.poll()
                guard !records.isEmpty else { continue }
                read += records.count
                do {
                    _ = try sequencer.append(records)
                } catch {
                    log("cannot append \(follower.name) to the ingest log: \(error); retrying")
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
