import ArgumentParser
import CepheusCore

/// `cepheus gen`: deterministic test and benchmark events.
struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate deterministic events for the shipped rules (JSON Lines on stdout).",
        discussion: """
            Emits login, payment, order_created/order_paid, service_status, privilege,
            download and error_rate events with nondecreasing ts, mostly noise with
            incident stories mixed in, so every shipped rule fires now and then. The same
            --events, --keys and --seed always give the same bytes.
            """
    )

    @Option(help: "Number of events.")
    var events: Int = 100_000

    @Option(help: "Number of distinct users (services, cards and orders scale with it).")
    var keys: Int = 1_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "First timestamp, epoch milliseconds.")
    var start: Int64 = 1_764_000_000_000

    @Option(name: .shortAndLong, help: "Write to this file instead of stdout.")
    var output: String?

    func validate() throws {
        guard events >= 0 else { throw ValidationError("--events must be >= 0") }
        guard keys >= 1 else { throw ValidationError("--keys must be >= 1") }
    }

    func run() throws {
        let writer = try output.map { try FileChecks.writer($0) } ?? OutputWriter.standardOutput
        var generator = EventGenerator(keys: keys, seed: seed, start: start)
        var bytes: [UInt8] = []
        let json = JSONWriter()
        for _ in 0..<events {
            bytes.removeAll(keepingCapacity: true)
            json.write(generator.next(), into: &bytes)
            bytes.append(0x0A)
            writer.write(bytes: bytes)
        }
        writer.close()
    }
}
