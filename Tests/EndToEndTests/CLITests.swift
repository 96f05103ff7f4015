import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `cepheus` binary as a user would.
enum CLI {
    static var packageRoot: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }

    static var binary: String { packageRoot + "/.build/debug/cepheus" }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with `arguments` (through /bin/sh so output can be captured).
    static func run(_ arguments: [String], stdin: String? = nil) -> Result {
        let dir = makeTempDirectory()
        let out = dir + "/out", err = dir + "/err"
        var command = ([binary] + arguments).map(quote).joined(separator: " ")
        if let stdin {
            let input = dir + "/in"
            write(stdin, to: input)
            command += " < " + quote(input)
        } else {
            command += " < /dev/null"
        }
        command += " > \(quote(out)) 2> \(quote(err))"
        let raw = system("cd \(quote(packageRoot)) && " + command)
        let status = (raw >> 8) & 0xFF
        return Result(status: status, stdout: read(out), stderr: read(err))
    }

    static func quote(_ s: String) -> String { "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'" }

    static func makeTempDirectory() -> String {
        var template = Array("/tmp/cepheus-e2e-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        return path
    }

    static func write(_ text: String, to path: String) {
        let f = fopen(path, "w")!
        fputs(text, f)
        fclose(f)
    }

    static func read(_ path: String) -> String {
        guard let f = fopen(path, "r") else { return "" }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite(.serialized) struct CLITests {
    @Test func helpListsEveryCommand() {
        let result = CLI.run(["--help"])
        #expect(result.status == 0)
        for command in ["check", "replay", "test", "gen"] { #expect(result.stdout.contains(command)) }
    }

    @Test func replayPrintsAlertsAndSummary() {
        let dir = CLI.makeTempDirectory()
        CLI.write("""
            id: pair
            key: k
            pattern:
              - {name: a, where: t == "a"}
              - {name: b, where: t == "b"}
            """, to: dir + "/rule.yaml")
        let events = """
            {"id":"e1","ts":1,"k":"x","t":"a"}
            garbage
            {"id":"e2","ts":2,"k":"x","t":"b"}
            """
        let result = CLI.run(["replay", "--rules", dir + "/rule.yaml", "--events", "-", "--rejected", dir + "/rej.jsonl"], stdin: events)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""events":{"a":[{"id":"e1","ts":1,"k":"x","t":"a"}],"b":[{"id":"e2","ts":2,"k":"x","t":"b"}]}"#) == true)
        #expect(result.stderr.hasSuffix("events=2 late=0 rejected=1 key_skipped=0 throttled=0 alerts=1\n"))
        #expect(CLI.read(dir + "/rej.jsonl").contains(#""line":2"#))
    }

    @Test func invalidRulesExitOneWithEveryError() {
        let dir = CLI.makeTempDirectory()
        CLI.write("""
            id: Bad Id
            within: ten minutes
            pattern:
              - {name: a, where: "x ==", colour: red}
            """, to: dir + "/bad.yaml")
        let result = CLI.run(["check", dir + "/bad.yaml"])
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 4, "\(result.stderr)")
        #expect(errors.allSatisfy { $0.hasPrefix(Substring(dir + "/bad.yaml:")) })
    }

    @Test func unreadableEventsExitTwo() {
        let dir = CLI.makeTempDirectory()
        CLI.write("id: r\npattern: [{name: a}]\n", to: dir + "/r.yaml")
        let result = CLI.run(["replay", "--rules", dir + "/r.yaml", "--events", dir + "/missing.jsonl"])
        #expect(result.status == 2)
        #expect(CLI.run(["replay", "--bogus"]).status == 2)
    }

    @Test func genIsDeterministic() {
        let a = CLI.run(["gen", "--events", "500", "--keys", "20", "--seed", "7"])
        let b = CLI.run(["gen", "--events", "500", "--keys", "20", "--seed", "7"])
        let c = CLI.run(["gen", "--events", "500", "--keys", "20", "--seed", "8"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        #expect(a.stdout.split(separator: "\n").count == 500)
    }
}

@Suite(.serialized) struct WorkerCountTests {
    /// rules.md section 1: the alerts are the same for any number of workers.
    @Test func sameAlertsForAnyWorkerCount() {
        let dir = CLI.makeTempDirectory()
        let events = CLI.run(["gen", "--events", "30000", "--keys", "300", "--seed", "11"])
        #expect(events.status == 0)
        CLI.write(events.stdout, to: dir + "/events.jsonl")
        var outputs: [[Substring]] = []
        var summaries: [String] = []
        for workers in ["1", "2", "3"] {
            let result = CLI.run(["replay", "--rules", "rules/", "--events", dir + "/events.jsonl", "--workers", workers])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(result.stdout.split(separator: "\n").sorted())
            summaries.append(String(result.stderr.split(separator: "\n").last ?? ""))
        }
        #expect(outputs[0].count > 10)
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
        #expect(summaries[0] == summaries[1])
        #expect(summaries[0] == summaries[2])
    }
}
