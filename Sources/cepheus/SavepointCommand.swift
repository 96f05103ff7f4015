import ArgumentParser
import CepheusCore
import CepheusServer
import CepheusState

/// `cepheus savepoint --state-dir DIR`: keep the newest checkpoint as a savepoint.
struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Take a savepoint: of a running daemon (--url), or of a state directory offline (--state-dir).",
        discussion: """
            With --url, asks the running daemon (POST /v1/savepoints): it checkpoints now
            and keeps that checkpoint as a savepoint; prints the savepoint's path.
            With --state-dir, offline: verifies the newest checkpoint in DIR/checkpoints and copies it (files hard-
            linked) into DIR/savepoints/NAME with its manifest, committed by a rename.
            Savepoints are never pruned; restore one with
            `cepheus replay --state-dir DIR2 --from-savepoint DIR/savepoints/NAME …`
            (state is keyed by key group, so any worker count can restore it). Prints
            the savepoint's path. Works beside a running writer (it reads a committed
            checkpoint and takes no lock). Exit status: 0, or 2 when there is no valid
            checkpoint or the savepoint cannot be written.
            """
    )

    @Option(help: "The state directory (offline).")
    var stateDir: String?

    @Option(help: "A running daemon's URL, e.g. http://127.0.0.1:8080.")
    var url: String?

    @Option(help: "With --url: the daemon's bearer token (http.token).")
    var token: String?

    @Option(help: "The savepoint's name (default: sp-<checkpoint id>-<epoch ms>).")
    var name: String?

    func validate() throws {
        if (stateDir == nil) == (url == nil) {
            throw ValidationError("give exactly one of --state-dir (offline) and --url (a running daemon)")
        }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw ValidationError("--name must be a plain file name")
        }
    }

    func run() throws {
        if let url {
            do {
                let response = try PlainHTTPClient.request("POST", url: url, path: "/v1/savepoints", token: token)
                guard response.status == 200 else {
                    StandardError.write("error: the daemon answered \(response.status): \(response.body)")
                    throw ExitCode(2)
                }
                let path = (try? JSONReader.parse(response.body))?[field: "path"]?.stringValue ?? response.body
                print(path)
            } catch let error as PlainHTTPClient.Failure {
                StandardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
            return
        }
        guard let stateDir else { return }
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
