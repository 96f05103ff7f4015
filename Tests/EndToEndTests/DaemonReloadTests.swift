import CepheusCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hot reload through inotify: a rule file renamed into place or closed after writing
/// is reloaded within moments (the fallback poll runs every 5 s and needs two rounds),
/// the new version matches, and partial matches follow rules.md section 7: kept across
/// a metadata change, discarded when the pattern changes.
@Suite(.serialized) struct DaemonReloadTests {
    static func rule(severity: String, second: String) -> String {
        "id: ab\nkey: user\nwithin: 1h\nseverity: \(severity)\npattern:\n  - {name: a, where: type == \"A\"}\n  - {name: b, where: type == \"\(second)\"}\n"
    }

    @Test func reloadsOnRenameAndCloseAndHandlesPartialMatchesPerTheSpec() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 171) % 20_000)
        #expect(system("mkdir -p \(dir)/r") == 0)
        CLI.write(Self.rule(severity: "low", second: "B"), to: dir + "/r/ab.yaml")
        let pid = DaemonTimeTests.start(dir, config: """
            state: {dir: \(dir)/data}
            rules: {paths: [\(dir)/r]}
            http: {listen: 127.0.0.1:\(port)}
            """)
        defer { _ = DaemonTimeTests.stop(pid) }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        func version() -> Value? {
            guard let body = HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/ab")?.body else { return nil }
            return (try? JSONReader.parse(body))?[field: "version"]
        }
        // A partial match under version 1.
        #expect(DaemonTimeTests.post([#"{"ts":1000,"type":"A","user":"kept"}"#], port: port) == 202)

        // An editor's save: write elsewhere, rename into place. Only metadata changes.
        CLI.write(Self.rule(severity: "high", second: "B"), to: dir + "/r/.ab.yaml.swp")
        #expect(rename(dir + "/r/.ab.yaml.swp", dir + "/r/ab.yaml") == 0)
        #expect(DaemonTimeTests.eventually(3) { version() == .int(2) }, "not reloaded within 3 s: \(CLI.read(dir + "/err"))")
        #expect(DaemonTimeTests.post([#"{"ts":2000,"type":"B","user":"kept"}"#, #"{"ts":3000,"type":"A","user":"gone"}"#, #"{"ts":4000,"type":"Z","user":"x"}"#], port: port) == 202)
        #expect(DaemonTimeTests.eventually { CLI.read(dir + "/out").contains(#""key":"kept""#) }, "the kept partial match did not complete: \(CLI.read(dir + "/out"))")
        #expect(CLI.read(dir + "/out").contains(#""severity":"high""#), "the new version alerts: \(CLI.read(dir + "/out"))")

        // Written in place (close after write): the pattern changes, partial matches go.
        let file = fopen(dir + "/r/ab.yaml", "w")!
        fputs(Self.rule(severity: "high", second: "C"), file)
        fclose(file)
        #expect(DaemonTimeTests.eventually(3) { version() == .int(3) }, "not reloaded within 3 s: \(CLI.read(dir + "/err"))")
        #expect(DaemonTimeTests.post([
            #"{"ts":5000,"type":"C","user":"gone"}"#, #"{"ts":6000,"type":"A","user":"new"}"#, #"{"ts":7000,"type":"C","user":"new"}"#,
            #"{"ts":9000,"type":"Z","user":"x"}"#,
        ], port: port) == 202)
        #expect(DaemonTimeTests.eventually { CLI.read(dir + "/out").contains(#""key":"new""#) }, "\(CLI.read(dir + "/out"))")
        #expect(!CLI.read(dir + "/out").contains(#""key":"gone""#), "a partial match of the old pattern survived: \(CLI.read(dir + "/out"))")

        // A broken save: the error is logged with its place and counted, version 3 runs on.
        CLI.write("id: ab\nkey: user\npattern:\n  - {name: a, where: type ==}\n", to: dir + "/r/ab.yaml")
        #expect(DaemonTimeTests.eventually(3) { CLI.read(dir + "/err").contains(dir + "/r/ab.yaml:4:") }, "\(CLI.read(dir + "/err"))")
        #expect(DaemonTimeTests.eventually(5) { DaemonTimeTests.metric("cepheus_rule_reload_errors_total", port: port) == 1 })
        #expect(version() == .int(3))
        #expect(DaemonTimeTests.post([
            #"{"ts":10000,"type":"A","user":"still"}"#, #"{"ts":11000,"type":"C","user":"still"}"#, #"{"ts":12000,"type":"Z","user":"x"}"#,
        ], port: port) == 202)
        #expect(DaemonTimeTests.eventually { CLI.read(dir + "/out").contains(#""key":"still""#) }, "the old rules stopped: \(CLI.read(dir + "/out"))")
    }
}
