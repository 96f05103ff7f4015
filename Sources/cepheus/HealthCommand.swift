import ArgumentParser
import CepheusServer

/// `cepheus health`: asks a running daemon whether it is alive (`/healthz`) or ready
/// (`/readyz`); the container's HEALTHCHECK, and handy in scripts.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check a running daemon: exit 0 when GET /healthz (or /readyz with --ready) answers 200.",
        discussion: """
            Exit status: 0 when the daemon answers 200; 1 when it answers anything else
            (e.g. 503 from /readyz while the state is being restored); 2 when it cannot be
            reached. Needs no token (/healthz and /readyz are open).
            """
    )

    @Option(help: "The daemon's URL.")
    var url: String = "http://127.0.0.1:8080"

    @Flag(help: "Ask /readyz (state restored, sources running) instead of /healthz.")
    var ready = false

    func run() throws {
        let path = ready ? "/readyz" : "/healthz"
        do {
            let response = try PlainHTTPClient.request("GET", url: url, path: path)
            guard response.status == 200 else {
                StandardError.write("\(url)\(path): \(response.status) \(response.body)\n")
                throw ExitCode(1)
            }
            print("\(url)\(path): ok")
        } catch let error as PlainHTTPClient.Failure {
            StandardError.write("\(url)\(path): \(error)\n")
            throw ExitCode(2)
        }
    }
}
