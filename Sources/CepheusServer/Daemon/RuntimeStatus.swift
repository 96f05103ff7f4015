import CepheusRuntime
import Synchronization

/// What the runtime thread publishes for the HTTP side: the log position it has
/// applied, and the rules it runs (with versions).
final class RuntimeStatus: Sendable {
    struct Snapshot: Sendable {
        var appliedPosition: Int64 = 0
        var rules: [LoadedRuleSummary] = []
        var ready = false
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    func publish(position: Int64, rules: [LoadedRuleSummary]?) {
        state.withLock { snapshot in
            snapshot.appliedPosition = position
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
