import ArgumentParser
import CepheusState

/// `cepheus savepoint --state-dir DIR`: keep the newest checkpoint as a savepoint.
struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Take a savepoint of a state directory (offline): keep its newest valid checkpoint until deleted.",
        discussion: """
            Verifies the newest checkpoint in DIR/checkpoints and copies it (files hard-
            linked) into DIR/savepoints/NAME with its manifest, committed by a rename.
            Savepoints are never pruned; restore one with
            `cepheus replay --state-dir DIR2 --from-savepoint DIR/savepoints/NAME …`
            (state is keyed by key group, so any worker count can restore it). Prints
            the savepoint's path. Works beside a running writer (it reads a committed
            checkpoint and takes no lock). Exit status: 0, or 2 when there is no valid
            checkpoint or the savepoint cannot be written.
            """
    )

    @Option(help: "The state directory.")
    var stateDir: String

    @Option(help: "The savepoint's name (default: sp-<checkpoint id>-<epoch ms>).")
    var name: String?

    func validate() throws {
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw ValidationError("--name must be a plain file name")
        }
    }

    func run() throws {
        let storage = CheckpointStorage(directory: stateDir)
        guard let (candidate, manifest) = storage.newestValid(report: { StandardError.write("cepheus: \($0)\n") }) else {
            StandardError.write("error: \(stateDir) has no valid checkpoint to save\n")
            throw ExitCode(2)
        }
        let now = CheckpointCoordinator.wallClockMilliseconds()
        do {
            let path = try storage.savepoint(from: candidate, manifest: manifest, name: name ?? "sp-\(manifest.id)-\(now)", wallClock: now)
            print(path)
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
    }
}
