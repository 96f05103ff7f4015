import CepheusCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's event time over several sources, processing-time mode, and the
/// control stream file.
@Suite(.serialized) struct DaemonTimeTests {
    static let followedBy = "id: ab\nkey: user\nwithin: 1h\npattern:\n  - {name: a, where: type == \"A\"}\n  - {name: b, where: type == \"B\"}\n"

    static func start(_ dir: String, config: String, run: Int = 1) -> pid_t {
        CLI.write(config, to: dir + "/cepheus.yaml")
        let suffix = run == 1 ? "" : "\(run)"
        return CrashRecoveryTests.spawn(
            ["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out" + suffix, stderrPath: dir + "/err" + suffix)
    }

    static func stop(_ pid: pid_t) -> Int32 {
        kill(pid, SIGTERM)
        return CrashRecoveryTests.wait(pid)
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    static func metric(_ name: String, port: Int) -> Double? {
        guard let text = HTTPTestClient.request(port: port, method: "GET", path: "/metrics")?.body else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    static func post(_ lines: [String], port: Int) -> Int? {
        HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: Array(lines.joined(separator: "\n").utf8))?.status
    }

    /// A file source far ahead in event time does not make the HTTP source's events
    /// late: each configured source holds the watermark until its first event or until
    /// it has been idle for idle_timeout, and the slowest active one wins.
    @Test func theSlowestSourceHoldsTheWatermarkUntilItIdles() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 101) % 20_000)
        #expect(system("mkdir -p \(dir)/r") == 0)
        CLI.write(Self.followedBy, to: dir + "/r/ab.yaml")
        CLI.write("""
            {"ts":1000,"type":"A","user":"file-user"}
            {"ts":2000,"type":"B","user":"file-user"}
            {"ts":100000,"type":"X","user":"filler"}

            """, to: dir + "/events.jsonl")
        let pid = Self.start(dir, config: """
            state: {dir: \(dir)/data}
            rules: {paths: [\(dir)/r]}
            time: {idle_timeout: 2s}
            sources: [{type: file, path: \(dir)/events.jsonl}, {type: http}]
            http: {listen: 127.0.0.1:\(port)}
            """)
        defer { _ = Self.stop(pid) }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        // Far behind the file's 100,000, yet on time: HTTP holds the watermark.
        #expect(Self.post([#"{"ts":50000,"type":"A","user":"http-user"}"#, #"{"ts":50500,"type":"B","user":"http-user"}"#], port: port) == 202)
        let both = Self.eventually(15) {
            let out = CLI.read(dir + "/out")
            return out.contains(#""key":"file-user""#) && out.contains(#""key":"http-user""#)
        }
        #expect(both, "alerts: \(CLI.read(dir + "/out")) log: \(CLI.read(dir + "/err"))")
        // Metrics are published about once a second.
        #expect(Self.eventually(5) { Self.metric("cepheus_events_total", port: port) == 5 })
        #expect(Self.metric("cepheus_events_late_total", port: port) == 0)
    }

    /// A followed file rotated (renamed away, a new one at the path) and truncated: every
    /// line read once, under replay's ids.
    @Test func followsAFileThroughRotationAndTruncation() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 113) % 20_000)
        #expect(CLI.run(["gen", "--events", "3000", "--keys", "30", "--output", dir + "/all.jsonl"]).status == 0)
        let all = CLI.read(dir + "/all.jsonl").split(separator: "\n").map { $0 + "\n" }
        CLI.write(all[0..<1000].joined(), to: dir + "/events.jsonl")
        let pid = Self.start(dir, config: """
            state: {dir: \(dir)/data}
            rules: {paths: [\(CLI.packageRoot)/rules]}
            sources: [{type: file, path: \(dir)/events.jsonl}]
            http: {listen: 127.0.0.1:\(port)}
            """)
        defer { _ = Self.stop(pid) }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        #expect(Self.eventually { Self.metric("cepheus_events_total", port: port) == 1000 })
        // Rotation: the old file keeps its name elsewhere, a new file takes the path.
        #expect(rename(dir + "/events.jsonl", dir + "/events.jsonl.1") == 0)
        CLI.write(all[1000..<2000].joined(), to: dir + "/events.jsonl")
        #expect(Self.eventually { Self.metric("cepheus_events_total", port: port) == 2000 }, "\(CLI.read(dir + "/err"))")
        #expect(CLI.read(dir + "/err").contains("was rotated"))
        // Truncation: the same file emptied and written again from its start, shorter
        // than what was read (how tail -F tells truncation from growth).
        CLI.write(all[2000..<2500].joined(), to: dir + "/events.jsonl")
        #expect(Self.eventually { Self.metric("cepheus_events_total", port: port) == 2500 }, "\(CLI.read(dir + "/err"))")
        #expect(Self.metric("cepheus_events_rejected_total{reason=\"invalid\"}", port: port) == 0)
    }

    /// `time.mode: processing`: events need no time field, take the ingest clock, and
    /// windows close on the wall clock (an absence rule fires with no later input).
    @Test func processingTimeStampsEventsWithTheIngestClock() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 131) % 20_000)
        #expect(system("mkdir -p \(dir)/r") == 0)
        CLI.write(Self.followedBy, to: dir + "/r/ab.yaml")
        CLI.write("id: no-b\nkey: user\nwithin: 1s\npattern:\n  - {name: a, where: type == \"A\"}\n  - {name: b, where: type == \"B\", absent: true}\n", to: dir + "/r/absent.yaml")
        let pid = Self.start(dir, config: """
            state: {dir: \(dir)/data}
            rules: {paths: [\(dir)/r]}
            time: {mode: processing}
            http: {listen: 127.0.0.1:\(port)}
            """)
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let before = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        // No ts at all, and an ancient ts that event time would call late: both count.
        #expect(Self.post([#"{"type":"A","user":"u"}"#, #"{"ts":5,"type":"B","user":"u"}"#, #"{"type":"A","user":"quiet"}"#], port: port) == 202)
        let fired = Self.eventually(10) {
            let out = CLI.read(dir + "/out")
            return out.contains(#""rule":"ab""#) && out.contains(#""rule":"no-b""#)
        }
        #expect(fired, "alerts: \(CLI.read(dir + "/out")) log: \(CLI.read(dir + "/err"))")
        #expect(Self.eventually(5) { Self.metric("cepheus_events_total", port: port) == 3 })
        #expect(Self.metric("cepheus_events_late_total", port: port) == 0)
        #expect(Self.metric("cepheus_events_rejected_total{reason=\"invalid\"}", port: port) == 0)
        // The alert's times are the ingest clock's.
        for line in CLI.read(dir + "/out").split(separator: "\n") {
            guard case .int(let start)? = (try? JSONReader.parse(String(line)))?[field: "start"] else { continue }
            #expect(start >= before && start < before + 60_000, "\(line)")
        }
        #expect(Self.stop(pid) == 0, "\(CLI.read(dir + "/err"))")
    }

    /// The control stream: a followed JSON Lines file of control records, applied with
    /// the same upsert/delete semantics and versions as the API; invalid lines are
    /// rejected with their position and counted; the offset survives a restart.
    @Test func followsTheControlStream() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 151) % 20_000)
        #expect(system("mkdir -p \(dir)/r") == 0)
        CLI.write("", to: dir + "/control.jsonl")
        let config = """
            state: {dir: \(dir)/data}
            rules: {paths: [\(dir)/r], control: {file: \(dir)/control.jsonl}}
            http: {listen: 127.0.0.1:\(port)}
            """
        var pid = Self.start(dir, config: config)
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        let upsert = #"{"op":"upsert","yaml":"id: ab\nkey: user\npattern:\n  - {name: a, where: type == \"A\"}\n"}"#
        let file = fopen(dir + "/control.jsonl", "a")!
        fputs(upsert + "\nnot json at all\n" + #"{"op":"upsert","rule":{"id":"ab","key":"user","severity":"high","pattern":[{"name":"a","where":"type == \"A\""}]}}"# + "\n", file)
        fflush(file)
        func rule() -> Value? {
            guard let body = HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/ab")?.body else { return nil }
            return try? JSONReader.parse(body)
        }
        #expect(Self.eventually { rule()?[field: "version"] == .int(2) }, "\(String(describing: rule())) \(CLI.read(dir + "/err"))")
        #expect(rule()?[field: "source"] == .string(dir + "/control.jsonl:3"))
        #expect(CLI.read(dir + "/err").contains(dir + "/control.jsonl:2: control record rejected"), "\(CLI.read(dir + "/err"))")
        #expect(Self.eventually(5) { Self.metric("cepheus_control_records_rejected_total", port: port) == 1 })
        // The second event moves the watermark past the first, which then matches.
        #expect(Self.post([#"{"ts":1,"type":"A","user":"u"}"#, #"{"ts":5000,"type":"Z","user":"u"}"#], port: port) == 202)
        #expect(Self.eventually { CLI.read(dir + "/out").contains(#""severity":"high""#) }, "\(CLI.read(dir + "/out"))")
        #expect(Self.stop(pid) == 0)

        // After a restart only the new line is read: a delete.
        fputs(#"{"op":"delete","id":"ab"}"# + "\n", file)
        fclose(file)
        pid = Self.start(dir, config: config, run: 2)
        defer { _ = Self.stop(pid) }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err2"))")
        #expect(Self.eventually { HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/ab")?.status == 404 })
        #expect(!CLI.read(dir + "/err2").contains("control.jsonl:2"), "the rejected line was read again: \(CLI.read(dir + "/err2"))")
    }
}

/// A full disk (here: a file-size limit on the daemon) refuses a batch with 503 and
/// leaves no part of it in the ingest log: later batches that fit are taken and every
/// acknowledged event is matched, and a restart finds no torn tail.
@Suite(.serialized) struct DaemonFullDiskTests {
    @Test func aBatchThatCannotBeWrittenIsRefusedWhole() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 361) % 20_000)
        _ = system("mkdir -p \(dir)/r")
        CLI.write("id: never\nkey: user\npattern:\n  - {name: a, where: type == \"NEVER\"}\n", to: dir + "/r/never.yaml")
        CLI.write("state: {dir: \(dir)/data}\nrules: {paths: [\(dir)/r]}\ncheckpoint: {interval: 1h}\nhttp: {listen: 127.0.0.1:\(port), max_body: 8MiB}\n", to: dir + "/cepheus.yaml")
        #expect(CLI.run(["gen", "--events", "20000", "--keys", "50", "--output", dir + "/events"]).status == 0)
        let lines = CLI.read(dir + "/events").split(separator: "\n").map(String.init)
        // Files may grow to 1 MiB (ulimit -f counts KiB).
        let daemon = CrashRecoveryTests.spawnShell(
            "ulimit -f 1024; exec \(CLI.binary) run --config \(dir)/cepheus.yaml > \(dir)/out 2> \(dir)/err")
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        var accepted = 0
        var refused = false
        for start in stride(from: 0, to: lines.count, by: 2000) {
            let body = Array(lines[start..<min(start + 2000, lines.count)].joined(separator: "\n").utf8)
            let response = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: body)
            if response?.status == 503 {
                refused = true
                break
            }
            #expect(response?.status == 202)
            accepted += 2000
        }
        #expect(refused, "the log never filled up")
        // A small batch still fits after the refused one.
        #expect(DaemonTimeTests.post(Array(lines[0..<5]), port: port) == 202)
        accepted += 5
        #expect(DaemonTimeTests.eventually(10) { DaemonTimeTests.metric("cepheus_events_total", port: port) == Double(accepted) },
                "\(String(describing: DaemonTimeTests.metric("cepheus_events_total", port: port))) of \(accepted): \(CLI.read(dir + "/err"))")
        kill(daemon, SIGKILL)
        _ = CrashRecoveryTests.wait(daemon)
        // The log's tail is whole: a restart (without the limit) cuts nothing off.
        let restart = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out2", stderrPath: dir + "/err2")
        defer {
            kill(restart, SIGTERM)
            _ = CrashRecoveryTests.wait(restart)
        }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err2"))")
        #expect(!CLI.read(dir + "/err2").contains("torn"), "\(CLI.read(dir + "/err2"))")
        #expect(DaemonTimeTests.eventually(10) { DaemonTimeTests.metric("cepheus_events_total", port: port) == Double(accepted) },
                "\(String(describing: DaemonTimeTests.metric("cepheus_events_total", port: port))) of \(accepted)")
    }
}
