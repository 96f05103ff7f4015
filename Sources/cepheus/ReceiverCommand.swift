import ArgumentParser
import CepheusServer

/// `cepheus receiver`: a webhook receiver that prints what it gets and checks signatures.
struct ReceiverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "A small webhook receiver: prints each request as a JSON line and verifies signatures.",
        discussion: """
            Each POST is printed on standard output as one JSON line: {"request":N,
            "received_at" (epoch ms),"path",
            "alert_id" (X-Cepheus-Alert-Id),"signature":"valid"|"invalid"|"unsigned",
            "answered":STATUS,"body":…}. With --secret, the X-Cepheus-Signature is checked
            (HMAC-SHA256 over "<timestamp>.<body>") and a wrong or missing one is answered 401.
            --fail-first, --status and --delay make it misbehave, to see retries and dead
            letters. SIGTERM or Ctrl-C stops it.
            """
    )

    @Option(help: "HOST:PORT to listen on.")
    var listen: String = "127.0.0.1:9000"

    @Option(help: "The HMAC secret to verify signatures with (the receiver's secret in the daemon's config).")
    var secret: String?

    @Option(help: "Answer 500 to the first N requests.")
    var failFirst: Int = 0

    @Option(help: "Answer this HTTP status to every request (after --fail-first).")
    var status: Int = 200

    @Option(help: "Seconds to wait before answering each request.")
    var delay: Double = 0

    func run() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, not '\(listen)'")
        }
        guard (100...599).contains(status) else { throw ValidationError("--status must be an HTTP status (100-599)") }
        var options = WebhookReceiver.Options()
        options.host = String(listen[..<colon])
        options.port = port
        options.secret = secret
        options.failFirst = failFirst
        options.status = status
        options.delayMilliseconds = Int64(delay * 1000)
        let settings = options
        try runUntilDone {
            try await WebhookReceiver.run(settings, print: { line in StandardOutput.writeLine(line) }, log: { StandardError.write("receiver: \($0)\n") })
        }
    }
}
