import CepheusRuntime
import Synchronization

/// What the runtime thread publishes for the HTTP side: the log position it has
/// applied, and the rules it runs (with versions).
final class RuntimeStatus: Sendable {
    struct Snapshot: Sendable {
        var appliedPosition: Int64 = 0
        var rules: [LoadedRuleSummary] = []
        var ready = false
        var watermark: Int64 = .min
    }

    private let state = Mutex(Snapshot())

    /// A savepoint someone asked for (`POST /v1/savepoints`), and its outcome.
    struct SavepointRequest: Sendable {
        var name: String
        var result: Result<String, SavepointFailure>?
    }

    struct SavepointFailure: Error, Sendable {
        var message: String
    }

    private let savepoints = Mutex<[Int: SavepointRequest]>([:])
    private let nextRequest = Mutex(0)

    /// Asks the runtime for a savepoint named `name` and waits for its path.
    func requestSavepoint(name: String, timeout: Double = 60) async -> Result<String, SavepointFailure> {
        let id = nextRequest.withLock { value -> Int in
            value += 1
            return value
        }
        savepoints.withLock { $0[id] = SavepointRequest(name: name) }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if let result = savepoints.withLock({ $0[id]?.result }) {
                savepoints.withLock { $0[id] = nil }
                return result
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return .failure(SavepointFailure(message: "the savepoint did not complete within \(Int(timeout)) s"))
    }

    /// For the runtime: the requests waiting, by id.
    func pendingSavepoints() -> [(Int, String)] {
        savepoints.withLock { requests in requests.filter { $0.value.result == nil }.map { ($0.key, $0.value.name) } }
    }

    func completeSavepoint(_ id: Int, _ result: Result<String, SavepointFailure>) {
        savepoints.withLock { $0[id]?.result = result }
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    func publish(position: Int64, rules: [LoadedRuleSummary]?, watermark: Int64) {
        state.withLock { snapshot in
            snapshot.appliedPosition = position
            snapshot.watermark = watermark
            if let rules { snapshot.rules = rules }
            snapshot.ready = true
        }
    }

    /// Waits (polling) until the runtime has applied the record before `position`;
    /// `false` after `timeout` seconds.
    func waitUntilApplied(_ position: Int64, timeout: Double = 10) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if snapshot.appliedPosition >= position { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
}
