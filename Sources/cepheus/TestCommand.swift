import ArgumentParser
import CepheusCore
import CepheusRules
import CepheusRuntime

/// `cepheus test`: rule unit tests in YAML, like `promtool test rules`.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit tests (YAML files of input events and expected alerts).",
        discussion: """
            Each FILE names its rules, then lists test cases: input events (inline or
            from a file) and the alerts expected, by rule, key, kind and selected
            fields. The events of each case are replayed alone, exactly as `cepheus
            replay` would. A case passes when the alerts equal the expectations as a
            multiset. Failures print the missing and unexpected alerts. The last line
            is `N passed, M failed`. Exit status 0 when every case passes, 1 otherwise,
            2 on bad usage or an unreadable file. Format: docs/testing.md.
            """
    )

    @Argument(help: "Test files (*.test.yaml).")
    var files: [String]

    @Flag(name: .shortAndLong, help: "Also print passing cases.")
    var verbose = false

    func run() throws {
        var passed = 0, failed = 0
        for file in files {
            guard let text = FileChecks.readText(file) else {
                StandardError.write("error: cannot read \(file)\n")
                throw ExitCode(2)
            }
            let suite: RuleTestSuite
            do {
                suite = try RuleTestSuite(yaml: text, file: file)
            } catch let error as RuleTestFormatError {
                print("FAIL \(file): \(error.message)")
                failed += 1
                continue
            }
            let result = RuleTestRunner.run(suite, baseDirectory: FileChecks.directory(of: file))
            for outcome in result {
                if outcome.failures.isEmpty {
                    passed += 1
                    if verbose { print("PASS \(file): \(outcome.name)") }
                } else {
                    failed += 1
                    print("FAIL \(file): \(outcome.name)")
                    for line in outcome.failures { print("  " + line) }
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
