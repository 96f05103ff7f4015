import CepheusCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `cepheus run` end to end: events over HTTP, alerts on stdout, a kill -9 and a
/// restart that re-derives every alert under its id, and a graceful SIGTERM.
@Suite(.serialized) struct DaemonTests {
    static func config(_ dir: String, port: Int, token: String? = nil) -> String {
        """
        state: {dir: \(dir)/data}
        checkpoint: {interval: 1h}
        rules: {paths: [\(CLI.packageRoot)/rules]}
        http:
          listen: 127.0.0.1:\(port)
          max_body: 1MiB
        \(token.map { "  token: \($0)" } ?? "")
        """
    }

    static func waitUntilReady(port: Int) -> Bool {
        for _ in 0..<200 {
            if HTTPTestClient.request(port: port, method: "GET", path: "/readyz")?.status == 200 { return true }
            usleep(50_000)
        }
        return false
    }

    static func ids(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard case .string(let id)? = (try? JSONReader.parse(String(line)))?[field: "id"] else { return nil }
            return id
        }
    }

    @Test func ingestsOverHTTPAndRecoversEveryAlertAfterAKill() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int(getpid() % 20_000)
        CLI.write(Self.config(dir, port: port), to: dir + "/cepheus.yaml")
        // Events named "http" so that replay's default ids match the daemon's.
        let events = dir + "/http"
        #expect(CLI.run(["gen", "--events", "4000", "--keys", "40", "--output", events]).status == 0)
        let body = Array(CLI.read(events).utf8)

        let first = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/alerts1", stderrPath: dir + "/log1")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/log1"))")
        #expect(HTTPTestClient.request(port: port, method: "GET", path: "/healthz")?.status == 200)
        let accepted = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: body)
        #expect(accepted?.status == 202)
        #expect(accepted?.body.contains(#""accepted":4000"#) == true, "\(accepted?.body ?? "")")
        // Bad lines are rejected one by one; a body with no good line is a 400.
        let mixed = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: Array("not json\n".utf8))
        #expect(mixed?.status == 400)
        #expect(mixed?.body.contains(#""line":1"#) == true)
        let tooLarge = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: [UInt8](repeating: 0x20, count: 2 << 20))
        #expect(tooLarge?.status == 413)
        usleep(500_000)
        kill(first, SIGKILL)
        _ = CrashRecoveryTests.wait(first)
        let beforeKill = Self.ids(CLI.read(dir + "/alerts1"))

        // No checkpoint was taken (interval 1h): the restart re-reads the whole log.
        let second = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/alerts2", stderrPath: dir + "/log2")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/log2"))")
        usleep(500_000)
        kill(second, SIGTERM)
        let status = CrashRecoveryTests.wait(second)
        #expect(status == 0, "exit status \(status): \(CLI.read(dir + "/log2"))")
        #expect(CLI.read(dir + "/log2").contains("1 checkpoint(s) taken"))
        let afterRestart = Self.ids(CLI.read(dir + "/alerts2"))
        #expect(!beforeKill.isEmpty)
        // Every alert is derived again after the restart, under the same id, and finds
        // its outbox entry: what was printed before the kill is not printed again.
        #expect(Set(beforeKill).isDisjoint(with: Set(afterRestart)), "an alert was printed twice")
        // The daemon's alerts are replay's (which also closes every window at the end).
        let replay = CLI.run(["replay", "--rules", CLI.packageRoot + "/rules", "--events", events])
        #expect(Set(beforeKill + afterRestart).isSubset(of: Set(Self.ids(replay.stdout))))

        // A third start restores the final checkpoint and emits nothing again.
        let third = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/alerts3", stderrPath: dir + "/log3")
        #expect(Self.waitUntilReady(port: port))
        kill(third, SIGTERM)
        #expect(CrashRecoveryTests.wait(third) == 0)
        #expect(CLI.read(dir + "/log3").contains("restored checkpoint"))
        #expect(Self.ids(CLI.read(dir + "/alerts3")).isEmpty)
    }

    /// `GET /v1/alerts`: the outbox's most recent alerts, newest first, with where each
    /// receiver's delivery stands; they outlive a restart.
    @Test func listsRecentAlertsWithTheirDeliveries() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 191) % 20_000)
        CLI.write(Self.config(dir, port: port, token: "s3cret"), to: dir + "/cepheus.yaml")
        #expect(CLI.run(["gen", "--events", "3000", "--keys", "30", "--output", dir + "/events"]).status == 0)
        var pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out1", stderrPath: dir + "/err1")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err1"))")
        let auth = ["Authorization": "Bearer s3cret"]
        #expect(HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: Array(CLI.read(dir + "/events").utf8), headers: auth)?.status == 202)
        var printed: [String] = []
        for _ in 0..<100 {
            printed = Self.ids(CLI.read(dir + "/out1"))
            if printed.count >= 3 { break }
            usleep(50_000)
        }
        usleep(300_000)
        printed = Self.ids(CLI.read(dir + "/out1"))
        #expect(HTTPTestClient.request(port: port, method: "GET", path: "/v1/alerts")?.status == 401)
        #expect(HTTPTestClient.request(port: port, method: "GET", path: "/v1/alerts?limit=0", headers: auth)?.status == 400)
        func listed(limit: Int) throws -> [Value] {
            let body = HTTPTestClient.request(port: port, method: "GET", path: "/v1/alerts?limit=\(limit)", headers: auth)?.body ?? ""
            guard case .array(let alerts)? = try JSONReader.parse(body)[field: "alerts"] else { return [] }
            return alerts
        }
        let all = try listed(limit: 10_000)
        #expect(all.compactMap { $0[field: "alert"]?[field: "id"]?.stringValue } == printed.reversed(), "newest first, every printed alert")
        let first = all.first
        #expect(first?[field: "deliveries"] == .array([.object(JSONObject([
            ("receiver", .string("console")), ("state", .string("delivered")), ("attempts", .int(1)), ("last_error", .null),
        ]))]))
        #expect(try listed(limit: 2).count == min(2, printed.count))
        kill(pid, SIGTERM)
        #expect(CrashRecoveryTests.wait(pid) == 0)
        pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out2", stderrPath: dir + "/err2")
        defer {
            kill(pid, SIGTERM)
            _ = CrashRecoveryTests.wait(pid)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err2"))")
        #expect(try listed(limit: 10_000).count == all.count)
    }

    @Test func aTokenGuardsTheEventsEndpoint() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 7) % 20_000)
        CLI.write(Self.config(dir, port: port, token: "s3cret"), to: dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        defer {
            kill(pid, SIGTERM)
            _ = CrashRecoveryTests.wait(pid)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        let line = Array(#"{"ts":1,"type":"login","user":"a","ok":false}"#.utf8)
        let denied = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: line)
        #expect(denied?.status == 401)
        #expect(denied?.body.contains(#""error""#) == true)
        let allowed = HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: line, headers: ["Authorization": "Bearer s3cret"])
        #expect(allowed?.status == 202)
        // /metrics needs no token and carries the contract's names.
        var metrics = ""
        for _ in 0..<40 {
            metrics = HTTPTestClient.request(port: port, method: "GET", path: "/metrics")?.body ?? ""
            if metrics.contains("cepheus_events_total 1") { break }
            usleep(100_000)
        }
        for name in [
            "cepheus_events_total 1", "cepheus_events_late_total", #"cepheus_events_rejected_total{reason="http"}"#,
            "cepheus_rules_loaded 9", #"cepheus_partial_matches{rule="brute-force-login"}"#,
            #"cepheus_partial_matches_dropped_total{rule="brute-force-login"}"#, "cepheus_rule_reload_errors_total",
            "cepheus_checkpoint_duration_seconds_bucket", "cepheus_last_checkpoint_timestamp_seconds",
            "cepheus_watermark_lag_seconds", #"cepheus_alerts_delivered_total{receiver="console"}"#,
            #"cepheus_alert_delivery_failures_total{receiver="console"}"#, #"cepheus_outbox_pending{receiver="console"}"#,
        ] {
            #expect(metrics.contains(name), "\(name) missing from:\n\(metrics)")
        }
        // Prometheus's own linter accepts the exposition (scripts/setup.sh installs it).
        CLI.write(metrics, to: dir + "/metrics.txt")
        #expect(system("promtool check metrics < \(dir)/metrics.txt > \(dir)/promtool.txt 2>&1") == 0, "\(CLI.read(dir + "/promtool.txt"))")
    }

    /// The rules API: list, get, upsert (new versions), reject an invalid rule with the
    /// check messages, delete; changes go through the ingest log, so they survive a kill.
    @Test func rulesChangeThroughTheAPIAndSurviveAKill() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 13) % 20_000)
        CLI.write(Self.config(dir, port: port), to: dir + "/cepheus.yaml")
        let first = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out1", stderrPath: dir + "/err1")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err1"))")
        let list = HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules")
        #expect(list?.status == 200)
        #expect(list?.body.contains(#""id":"brute-force-login","version":1"#) == true)
        #expect(HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/nope")?.status == 404)
        let rule = "id: quick\nkey: user\npattern:\n  - {name: a, where: type == \"login\"}\n"
        let created = HTTPTestClient.request(port: port, method: "PUT", path: "/v1/rules/quick", body: Array(rule.utf8))
        #expect(created?.status == 200)
        #expect(created?.body.contains(#""version":1"#) == true, "\(created?.body ?? "")")
        let changed = HTTPTestClient.request(
            port: port, method: "PUT", path: "/v1/rules/quick",
            body: Array(#"{"id":"quick","key":"user","pattern":[{"name":"a","where":"type == \"login\" && ok"}]}"#.utf8))
        #expect(changed?.status == 200)
        #expect(changed?.body.contains(#""version":2"#) == true, "\(changed?.body ?? "")")
        let invalid = HTTPTestClient.request(port: port, method: "PUT", path: "/v1/rules/quick", body: Array("id: quick\npattern: []\n".utf8))
        #expect(invalid?.status == 400)
        #expect(invalid?.body.contains("'pattern' must be a non-empty list") == true, "\(invalid?.body ?? "")")
        #expect(HTTPTestClient.request(port: port, method: "DELETE", path: "/v1/rules/card-testing")?.status == 204)
        #expect(HTTPTestClient.request(port: port, method: "DELETE", path: "/v1/rules/card-testing")?.status == 404)
        kill(first, SIGKILL)
        _ = CrashRecoveryTests.wait(first)

        // After the kill the log replays the changes in order: same versions.
        let second = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out2", stderrPath: dir + "/err2")
        defer {
            kill(second, SIGTERM)
            _ = CrashRecoveryTests.wait(second)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err2"))")
        var body = ""
        for _ in 0..<100 {
            body = HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/quick")?.body ?? ""
            if body.contains(#""version":2"#) { break }
            usleep(50_000)
        }
        #expect(body.contains(#""version":2"#), "\(body)")
        #expect(HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/card-testing")?.status == 404)
    }

    /// A followed file source: lines appended while the daemon runs and while it is
    /// down after a kill are each taken exactly once, with replay's ids.
    @Test func followsAFileAcrossAKill() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 29) % 20_000)
        CLI.write(Self.config(dir, port: port) + "\nsources: [{type: file, path: \(dir)/events.jsonl}]\n", to: dir + "/cepheus.yaml")
        #expect(CLI.run(["gen", "--events", "3000", "--keys", "30", "--output", dir + "/all.jsonl"]).status == 0)
        let all = CLI.read(dir + "/all.jsonl").split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 + "\n" }
        #expect(all.count == 3000)
        CLI.write(all[0..<1000].joined(), to: dir + "/events.jsonl")
        let first = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out1", stderrPath: dir + "/err1")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err1"))")
        usleep(300_000)
        let file = fopen(dir + "/events.jsonl", "a")!
        fputs(all[1000..<2000].joined(), file)
        fflush(file)
        usleep(400_000)
        kill(first, SIGKILL)
        _ = CrashRecoveryTests.wait(first)
        fputs(all[2000..<3000].joined(), file)
        fclose(file)

        let second = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out2", stderrPath: dir + "/err2")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err2"))")
        usleep(1_000_000)
        kill(second, SIGTERM)
        #expect(CrashRecoveryTests.wait(second) == 0, "\(CLI.read(dir + "/err2"))")
        // The final checkpoint: every line in the log once, the source at its last line.
        let inspect = CLI.run(["inspect", dir + "/data", "--json"])
        let newest = try JSONReader.parse(inspect.stdout)[field: "checkpoints"]
        guard case .array(let checkpoints)? = newest, let latest = checkpoints.first,
              case .array(let sources)? = latest[field: "sources"] else {
            Issue.record("no checkpoint: \(inspect.stdout) \(inspect.stderr)")
            return
        }
        // 3,000 lines and the two starts' source lists.
        #expect(sources.contains { $0[field: "name"] == .string("ingest-log") && $0[field: "offset"] == .int(3002) }, "\(sources)")
        #expect(sources.contains { $0[field: "name"] == .string("events.jsonl") && $0[field: "line"] == .int(3000) }, "\(sources)")
        // Alerts carry replay's ids (the source is named after the file).
        let seen = Set(Self.ids(CLI.read(dir + "/out1")) + Self.ids(CLI.read(dir + "/out2")))
        #expect(!seen.isEmpty)
        let replay = CLI.run(["replay", "--rules", CLI.packageRoot + "/rules", "--events", dir + "/events.jsonl"])
        #expect(seen.isSubset(of: Set(Self.ids(replay.stdout))))
    }

    /// Rule files are reloaded while the daemon runs: a changed file upserts (a new
    /// version), a broken one keeps its previous rules, a removed one deletes them.
    @Test func reloadsRuleFiles() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 41) % 20_000)
        let rules = dir + "/rules"
        #expect(system("mkdir -p \(rules) && cp \(CLI.packageRoot)/rules/*.yaml \(rules)/") == 0)
        CLI.write(Self.config(dir, port: port).replacing(CLI.packageRoot + "/rules", with: rules), to: dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        defer {
            kill(pid, SIGTERM)
            _ = CrashRecoveryTests.wait(pid)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        func version(_ id: String) -> String {
            HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/" + id)?.body ?? ""
        }
        func waitFor(_ condition: () -> Bool) -> Bool {
            for _ in 0..<100 {
                if condition() { return true }
                usleep(100_000)
            }
            return false
        }
        let original = CLI.read(rules + "/brute-force-login.yaml")
        CLI.write(original.replacing("severity: high", with: "severity: critical"), to: rules + "/brute-force-login.yaml")
        #expect(waitFor { version("brute-force-login").contains(#""version":2"#) }, "\(CLI.read(dir + "/err"))")
        CLI.write("id: broken\n", to: rules + "/broken.yaml")
        #expect(waitFor { CLI.read(dir + "/err").contains("broken.yaml:1:1: error:") }, "\(CLI.read(dir + "/err"))")
        unlink(rules + "/card-testing.yaml")
        #expect(waitFor { HTTPTestClient.request(port: port, method: "GET", path: "/v1/rules/card-testing")?.status == 404 })
        #expect(version("impossible-travel").contains(#""version":1"#), "unchanged files upsert nothing")
    }

    /// Savepoints of a running daemon: through the API and `cepheus savepoint --url`.
    @Test func takesSavepointsWhileRunning() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 53) % 20_000)
        CLI.write(Self.config(dir, port: port), to: dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        defer {
            kill(pid, SIGTERM)
            _ = CrashRecoveryTests.wait(pid)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        let line = Array(#"{"ts":1764000000000,"type":"login","user":"a","ok":false}"#.utf8)
        #expect(HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: line)?.status == 202)
        let taken = CLI.run(["savepoint", "--url", "http://127.0.0.1:\(port)"])
        #expect(taken.status == 0, "\(taken.stderr)")
        let path = taken.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(path.hasPrefix(dir + "/data/savepoints/sp-"), "\(taken.stdout)")
        #expect(FileManagerless.exists(path + "/MANIFEST.json"))
        let listed = HTTPTestClient.request(port: port, method: "GET", path: "/v1/savepoints")
        #expect(listed?.status == 200)
        #expect(listed?.body.contains(path) == true, "\(listed?.body ?? "")")
        #expect(CLI.run(["savepoint"]).status == 2, "one of --url and --state-dir is required")
    }

    /// On a quiet stream the watermark advances at wall-clock rate after idle_timeout,
    /// so an absence rule fires without any later event.
    @Test func anAbsenceRuleFiresOnAQuietStream() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 67) % 20_000)
        #expect(system("mkdir -p \(dir)/r") == 0)
        let rule = "id: no-b-after-a\nkey: user\nwithin: 2s\npattern:\n  - {name: a, where: type == \"A\"}\n  - {name: b, where: type == \"B\", absent: true}\n"
        CLI.write(rule, to: dir + "/r/absent.yaml")
        CLI.write("state: {dir: \(dir)/data}\nrules: {paths: [\(dir)/r]}\ntime: {idle_timeout: 1s}\nhttp: {listen: 127.0.0.1:\(port)}\n", to: dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        defer {
            kill(pid, SIGTERM)
            _ = CrashRecoveryTests.wait(pid)
        }
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ts = Int64(now.tv_sec) * 1000
        let event = Array(#"{"ts":\#(ts),"type":"A","user":"quiet"}"#.utf8)
        #expect(HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: event)?.status == 202)
        var alerts: [String] = []
        for _ in 0..<100 {
            alerts = Self.ids(CLI.read(dir + "/out"))
            if !alerts.isEmpty { break }
            usleep(100_000)
        }
        #expect(alerts.count == 1, "no alert 10 s after the only event: \(CLI.read(dir + "/err"))")
        #expect(CLI.read(dir + "/out").contains(#""rule":"no-b-after-a""#))
    }

    /// `--log-format json`: one JSON object a line on stderr, through swift-log.
    @Test func logsAsJSONLines() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 79) % 20_000)
        CLI.write(Self.config(dir, port: port), to: dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(
            ["run", "--config", dir + "/cepheus.yaml", "--log-format", "json"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        #expect(Self.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        kill(pid, SIGTERM)
        #expect(CrashRecoveryTests.wait(pid) == 0)
        let lines = CLI.read(dir + "/err").split(separator: "\n")
        #expect(lines.count >= 3, "\(lines)")
        for line in lines {
            let object = try JSONReader.parse(String(line))
            #expect(object[field: "level"] == .string("info"), "\(line)")
            #expect(object[field: "ts"]?.stringValue?.hasSuffix("Z") == true, "\(line)")
        }
        #expect(lines.contains { $0.contains("rule(s) loaded") })
        #expect(lines.contains { $0.contains("checkpoint(s) taken") })
        #expect(CLI.run(["run", "--log-format", "xml"]).status == 2)
    }

    @Test func anInvalidConfigurationExitsOneWithEveryError() {
        let dir = CLI.makeTempDirectory()
        CLI.write("http: {listen: nowhere}\ncheckpoint: {retain: 0}\n", to: dir + "/bad.yaml")
        let result = CLI.run(["run", "--config", dir + "/bad.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(dir + "/bad.yaml:1:16: error:"), "\(result.stderr)")
        #expect(result.stderr.contains(dir + "/bad.yaml:2:22: error:"), "\(result.stderr)")
    }
}
