import ArgumentParser

/// The `cepheus` command line: offline tools around the matching engine.
@main
struct Cepheus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cepheus",
        abstract: "Complex-event processing and rule alerting over keyed JSON event streams.",
        discussion: """
            Rules are YAML files (see docs/rules.md). Patterns are matched over event time
            with the semantics of Apache Flink CEP.

            Exit status: 0 on success, 1 when rules are invalid or a test fails, 2 on bad
            usage or an unreadable path.
            """,
        version: CepheusVersion.string,
        subcommands: [
            CheckCommand.self, ReplayCommand.self, TestCommand.self, GenCommand.self, BenchCommand.self,
            SavepointCommand.self, InspectCommand.self, RunCommand.self, HealthCommand.self, ReceiverCommand.self,
            DeadLettersCommand.self,
        ]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == ExitCode(64) {
                // Usage errors exit 2, as the replay contract says.
                let message = fullMessage(for: error)
                if !message.isEmpty { StandardError.write(message + "\n") }
                exitProcess(2)
            }
            exit(withError: error)
        }
    }
}

/// The version printed by `--version`.
enum CepheusVersion {
    static let string = "0.1.0"
}
