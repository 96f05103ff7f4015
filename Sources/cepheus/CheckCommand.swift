import ArgumentParser
import CepheusServer
import CepheusRules

/// `cepheus check`: validates rule files.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate rule files and report every problem.",
        discussion: """
            Each PATH is a rule file or a directory (every *.yaml / *.yml under it).
            Problems are printed to stderr as FILE:LINE:COL: error: MESSAGE (or warning:),
            every one of them, not only the first. Exit status 0 when there are no
            errors (warnings allowed), 1 when there are, 2 on bad usage or an
            unreadable path. With --config, the daemon configuration is validated too (every
            problem as FILE:LINE:COL: error:, exit 1) and alert.notify names are checked
            against the receivers it defines (plus the built-in console); with no PATH,
            the config's rules.paths are checked.
            """
    )

    @Option(help: "A daemon configuration file whose receivers alert.notify may name.")
    var config: String?

    @Argument(help: "Rule files or directories (with --config, default: its rules.paths).")
    var paths: [String] = []

    @Flag(name: .shortAndLong, help: "Print the rules found, with their step counts.")
    var verbose = false

    func validate() throws {
        if paths.isEmpty && config == nil {
            throw ValidationError("give rule files or directories to check, or --config FILE (its rules.paths)")
        }
    }

    func run() throws {
        var paths = self.paths
        for path in paths where !FileChecks.exists(path) {
            StandardError.write("error: cannot read \(path): No such file or directory\n")
            throw ExitCode(2)
        }
        var receivers: Set<String>?
        if let config {
            guard let text = FileChecks.readText(config) else {
                StandardError.write("error: cannot read \(config)\n")
                throw ExitCode(2)
            }
            let (loaded, diagnostics) = DaemonConfigLoader.parse(yaml: text, file: config)
            for diagnostic in diagnostics { StandardError.write(diagnostic.description + "\n") }
            guard let loaded else { throw ExitCode(1) }
            receivers = Set(loaded.receivers.keys)
            if paths.isEmpty {
                paths = loaded.rules.paths
                for path in paths where !FileChecks.exists(path) {
                    StandardError.write("error: cannot read \(path) (rules.paths in \(config)): No such file or directory\n")
                    throw ExitCode(2)
                }
            }
        }
        guard let rules = RuleSetLoading.load(paths, knownReceivers: receivers) else { throw ExitCode(1) }
        if verbose {
            for rule in rules {
                StandardError.write("\(rule.id): \(rule.pattern.count) step(s) from \(rule.origin)\n")
            }
        }
        StandardError.write("\(rules.count) rule(s) OK\n")
    }
}
