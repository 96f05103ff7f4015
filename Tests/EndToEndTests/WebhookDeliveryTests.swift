import CepheusCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Webhook delivery end to end: the daemon and `cepheus receiver` (a real HTTP server)
/// on loopback. Every alert arrives signed; failures are retried or dead-lettered
/// exactly as spec/daemon.md says; no id is lost or invented, across a kill -9; a
/// hanging receiver does not hold up another.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// Every `type: A` event is an alert for its user.
    static let rule = "id: each-a\nkey: user\nseverity: high\npattern:\n  - {name: a, where: type == \"A\"}\n"

    struct Setup {
        let dir: String
        let port: Int
        let receiverPort: Int
    }

    static func setup(_ salt: Int32) -> Setup {
        let dir = CLI.makeTempDirectory()
        _ = system("mkdir -p \(dir)/r")
        CLI.write(rule, to: dir + "/r/each-a.yaml")
        return Setup(dir: dir, port: 20_000 + Int((getpid() + salt) % 20_000), receiverPort: 20_000 + Int((getpid() + salt + 1) % 20_000))
    }

    /// A daemon config with one webhook receiver `hook` (and stdout), `extra` YAML lines
    /// added to the receiver.
    static func config(_ setup: Setup, receivers: String) -> String {
        """
        state: {dir: \(setup.dir)/data}
        rules: {paths: [\(setup.dir)/r]}
        http: {listen: 127.0.0.1:\(setup.port)}
        receivers:
        \(receivers)
          console: {type: stdout}
        default_receivers: [hook, console]
        """
    }

    static func hook(port: Int, name: String = "hook", lines: [String] = []) -> String {
        (["  \(name):", "    type: webhook", "    url: http://127.0.0.1:\(port)/hook"] + lines.map { "    " + $0 }).joined(separator: "\n")
    }

    static func startReceiver(_ setup: Setup, port: Int? = nil, name: String = "receiver", _ arguments: [String] = []) -> pid_t {
        let port = port ?? setup.receiverPort
        let pid = CrashRecoveryTests.spawn(
            ["receiver", "--listen", "127.0.0.1:\(port)"] + arguments, stdoutPath: setup.dir + "/\(name).out",
            stderrPath: setup.dir + "/\(name).err")
        _ = DaemonTimeTests.eventually(10) { HTTPTestClient.request(port: port, method: "GET", path: "/healthz")?.status == 200 }
        return pid
    }

    static func startDaemon(_ setup: Setup, config: String, run: Int = 1) -> pid_t {
        CLI.write(config, to: setup.dir + "/cepheus.yaml")
        let pid = CrashRecoveryTests.spawn(
            ["run", "--config", setup.dir + "/cepheus.yaml"], stdoutPath: setup.dir + "/daemon\(run).out", stderrPath: setup.dir + "/daemon\(run).err")
        #expect(DaemonTests.waitUntilReady(port: setup.port), "\(CLI.read(setup.dir + "/daemon\(run).err"))")
        return pid
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        _ = CrashRecoveryTests.wait(pid)
    }

    /// `count` alerts (users u`from`…), then a later event that moves the watermark past
    /// them (each call later in event time than the one before, for a larger `from`).
    static func post(_ count: Int, setup: Setup, from: Int = 0) {
        let base = Int64(from) * 1_000_000 + 1000
        var lines = (from..<(from + count)).map { #"{"ts":\#(base + Int64($0)),"type":"A","user":"u\#($0)"}"# }
        lines.append(#"{"ts":\#(base + 100_000),"type":"Z","user":"x"}"#)
        #expect(DaemonTimeTests.post(lines, port: setup.port) == 202)
    }

    static func received(_ setup: Setup, name: String = "receiver") -> [Value] {
        CLI.read(setup.dir + "/\(name).out").split(separator: "\n").compactMap { try? JSONReader.parse(String($0)) }
    }

    static func deliveries(_ setup: Setup, path: String = "/v1/alerts?limit=10000") -> [Value] {
        guard let body = HTTPTestClient.request(port: setup.port, method: "GET", path: path)?.body,
              case .array(let alerts)? = (try? JSONReader.parse(body))?[field: "alerts"] else { return [] }
        return alerts
    }

    static func hookState(_ item: Value) -> Value? {
        guard case .array(let list)? = item[field: "deliveries"] else { return nil }
        return list.first { $0[field: "receiver"] == .string("hook") }
    }

    @Test func everyAlertArrivesSignedInEachFormat() throws {
        let setup = Self.setup(301)
        let receiver = Self.startReceiver(setup, ["--secret", "s3cret"])
        defer { Self.stop(receiver) }
        let second = Self.startReceiver(setup, port: setup.receiverPort + 1, name: "manager")
        defer { Self.stop(second) }
        let daemon = Self.startDaemon(setup, config: Self.config(setup, receivers: [
            Self.hook(port: setup.receiverPort, lines: ["secret: s3cret", "headers: {X-Team: secops}"]),
            Self.hook(port: setup.receiverPort + 1, name: "am", lines: ["format: alertmanager"]),
        ].joined(separator: "\n")).replacingOccurrences(of: "[hook, console]", with: "[hook, am, console]"))
        defer { Self.stop(daemon) }
        Self.post(20, setup: setup)
        #expect(DaemonTimeTests.eventually(10) { Self.received(setup).count == 20 && Self.received(setup, name: "manager").count == 20 },
                "\(CLI.read(setup.dir + "/daemon1.err"))")
        let got = Self.received(setup)
        #expect(got.allSatisfy { $0[field: "signature"] == .string("valid") && $0[field: "answered"] == .int(200) })
        let printed = Set(DaemonTests.ids(CLI.read(setup.dir + "/daemon1.out")))
        #expect(Set(got.compactMap { $0[field: "alert_id"]?.stringValue }) == printed)
        #expect(Set(got.compactMap { $0[field: "body"]?[field: "id"]?.stringValue }) == printed, "the body is the alert JSON")
        // Alertmanager's webhook payload, one alert per notification.
        let manager = Self.received(setup, name: "manager")
        let first = manager.first?[field: "body"]
        #expect(first?[field: "version"] == .string("4"))
        #expect(first?[field: "status"] == .string("firing"))
        #expect(first?[field: "receiver"] == .string("am"))
        guard case .array(let alerts)? = first?[field: "alerts"], let alert = alerts.first else {
            Issue.record("no alerts in \(String(describing: first))")
            return
        }
        #expect(alerts.count == 1)
        #expect(alert[field: "labels"]?[field: "alertname"] == .string("each-a"))
        #expect(alert[field: "labels"]?[field: "severity"] == .string("high"))
        #expect(alert[field: "startsAt"]?.stringValue?.hasSuffix("Z") == true)
        #expect(printed.contains(alert[field: "fingerprint"]?.stringValue ?? ""))
        #expect(DaemonTimeTests.eventually(5) {
            DaemonTimeTests.metric(#"cepheus_alerts_delivered_total{receiver="hook"}"#, port: setup.port) == 20
                && DaemonTimeTests.metric(#"cepheus_outbox_pending{receiver="hook"}"#, port: setup.port) == 0
        })
    }

    @Test func failuresAreRetriedAndPermanentOnesDeadLettered() throws {
        let setup = Self.setup(311)
        // 500 for the first two requests: one alert, delivered on its third attempt.
        var receiver = Self.startReceiver(setup, ["--fail-first", "2"])
        let daemon = Self.startDaemon(setup, config: Self.config(setup, receivers: Self.hook(port: setup.receiverPort)))
        defer { Self.stop(daemon) }
        Self.post(1, setup: setup)
        #expect(DaemonTimeTests.eventually(15) { Self.deliveries(setup).first.flatMap(Self.hookState)?[field: "state"] == .string("delivered") },
                "\(Self.deliveries(setup))")
        #expect(Self.deliveries(setup).first.flatMap(Self.hookState)?[field: "attempts"] == .int(3))
        #expect(Self.received(setup).map { $0[field: "answered"] } == [.int(500), .int(500), .int(200)])
        Self.stop(receiver)

        // 400: permanent, dead-lettered at once; retried by the CLI once the receiver is fixed.
        receiver = Self.startReceiver(setup, name: "receiver400", ["--status", "400"])
        Self.post(1, setup: setup, from: 1)
        #expect(DaemonTimeTests.eventually(10) { Self.deliveries(setup, path: "/v1/dead-letters").count == 1 })
        let dead = Self.deliveries(setup, path: "/v1/dead-letters").first.flatMap(Self.hookState)
        #expect(dead?[field: "state"] == .string("dead"))
        #expect(dead?[field: "attempts"] == .int(1))
        #expect(dead?[field: "last_error"] == .string("HTTP 400"))
        // `cepheus inspect` reads the outbox beside the running daemon.
        let inspect = CLI.run(["inspect", setup.dir + "/data"])
        #expect(inspect.stdout.contains("hook: 1 delivered, 0 pending, 1 dead letters"), "\(inspect.stdout) \(inspect.stderr)")
        Self.stop(receiver)
        receiver = Self.startReceiver(setup, name: "receiver-fixed")
        defer { Self.stop(receiver) }
        let retry = CLI.run(["dead-letters", "retry", "--url", "http://127.0.0.1:\(setup.port)", "--receiver", "hook"])
        #expect(retry.stdout.contains(#""retried":1"#), "\(retry.stdout) \(retry.stderr)")
        #expect(DaemonTimeTests.eventually(10) { Self.received(setup, name: "receiver-fixed").count == 1 })
        #expect(DaemonTimeTests.eventually(5) { Self.deliveries(setup, path: "/v1/dead-letters").isEmpty })
        let listed = CLI.run(["dead-letters", "list", "--url", "http://127.0.0.1:\(setup.port)"])
        #expect(listed.stdout.contains(#"{"alerts":[]}"#), "\(listed.stdout)")
    }

    @Test func aTimeoutIsRetriedUntilMaxAgeThenDeadLettered() throws {
        let setup = Self.setup(321)
        let receiver = Self.startReceiver(setup, ["--delay", "3"])
        defer { Self.stop(receiver) }
        let daemon = Self.startDaemon(setup, config: Self.config(setup, receivers: Self.hook(port: setup.receiverPort, lines: ["timeout: 300ms", "max_age: 2s"])))
        defer { Self.stop(daemon) }
        Self.post(1, setup: setup)
        #expect(DaemonTimeTests.eventually(15) { Self.deliveries(setup, path: "/v1/dead-letters").count == 1 }, "\(Self.deliveries(setup))")
        let dead = Self.deliveries(setup, path: "/v1/dead-letters").first.flatMap(Self.hookState)
        #expect((dead?[field: "attempts"]?.intValue ?? 0) >= 2, "\(String(describing: dead))")
        #expect(dead?[field: "last_error"]?.stringValue?.contains("timeout") == true, "\(String(describing: dead))")
        #expect(DaemonTimeTests.eventually(5) { (DaemonTimeTests.metric(#"cepheus_alert_delivery_failures_total{receiver="hook"}"#, port: setup.port) ?? 0) >= 2 })
    }

    /// The receiver is down while alerts come, and the daemon is killed with deliveries
    /// pending; once both are up again every alert arrives, under its original id.
    @Test func pendingDeliveriesSurviveADownReceiverAndAKill() throws {
        let setup = Self.setup(331)
        let config = Self.config(setup, receivers: Self.hook(port: setup.receiverPort))
        var daemon = Self.startDaemon(setup, config: config)
        Self.post(10, setup: setup)
        #expect(DaemonTimeTests.eventually(10) { DaemonTests.ids(CLI.read(setup.dir + "/daemon1.out")).count == 10 })
        // Refused (the client keeps trying to connect until the attempt's timeout, 5 s).
        #expect(DaemonTimeTests.eventually(15) {
            (Self.deliveries(setup).first.flatMap(Self.hookState)?[field: "attempts"]?.intValue ?? 0) >= 1
        }, "\(Self.deliveries(setup).first.flatMap(Self.hookState).map { $0.jsonString } ?? "")")
        #expect(Self.deliveries(setup).allSatisfy { Self.hookState($0)?[field: "state"] == .string("pending") })
        kill(daemon, SIGKILL)
        _ = CrashRecoveryTests.wait(daemon)
        let receiver = Self.startReceiver(setup)
        defer { Self.stop(receiver) }
        daemon = Self.startDaemon(setup, config: config, run: 2)
        defer { Self.stop(daemon) }
        #expect(DaemonTimeTests.eventually(15) { Self.received(setup).count >= 10 }, "\(CLI.read(setup.dir + "/daemon2.err"))")
        let ids = Self.received(setup).compactMap { $0[field: "alert_id"]?.stringValue }
        #expect(Set(ids) == Set(DaemonTests.ids(CLI.read(setup.dir + "/daemon1.out"))), "no id lost, none invented")
        #expect(DaemonTests.ids(CLI.read(setup.dir + "/daemon2.out")).isEmpty, "nothing printed twice")
    }

    @Test func aHangingReceiverDoesNotHoldUpAnother() throws {
        let setup = Self.setup(341)
        let slow = Self.startReceiver(setup, port: setup.receiverPort + 1, name: "slow", ["--delay", "30"])
        defer {
            // A graceful stop would wait for its hanging requests.
            kill(slow, SIGKILL)
            _ = CrashRecoveryTests.wait(slow)
        }
        let fast = Self.startReceiver(setup, name: "fast")
        defer { Self.stop(fast) }
        let receivers = [
            Self.hook(port: setup.receiverPort), Self.hook(port: setup.receiverPort + 1, name: "slowhook", lines: ["timeout: 60s", "concurrency: 2"]),
        ].joined(separator: "\n")
        let daemon = Self.startDaemon(setup, config: Self.config(setup, receivers: receivers).replacingOccurrences(of: "[hook, console]", with: "[hook, slowhook]"))
        defer { Self.stop(daemon) }
        Self.post(12, setup: setup)
        #expect(DaemonTimeTests.eventually(10) { Self.received(setup, name: "fast").count == 12 }, "the fast receiver waited")
        // Still hanging: the slow one has answered nothing.
        #expect(Self.received(setup, name: "slow").isEmpty)
    }
}

extension WebhookDeliveryTests {
    /// SIGHUP re-reads the receivers' settings: a new URL and secret apply to the next
    /// alerts without a restart.
    @Test func sighupReloadsTheReceivers() throws {
        let setup = Self.setup(351)
        let first = Self.startReceiver(setup, ["--secret", "one"])
        defer { Self.stop(first) }
        let second = Self.startReceiver(setup, port: setup.receiverPort + 1, name: "second", ["--secret", "two"])
        defer { Self.stop(second) }
        let daemon = Self.startDaemon(setup, config: Self.config(setup, receivers: Self.hook(port: setup.receiverPort, lines: ["secret: one"])))
        defer { Self.stop(daemon) }
        Self.post(2, setup: setup)
        #expect(DaemonTimeTests.eventually(10) { Self.received(setup).count == 2 })
        CLI.write(Self.config(setup, receivers: Self.hook(port: setup.receiverPort + 1, lines: ["secret: two"])), to: setup.dir + "/cepheus.yaml")
        kill(daemon, SIGHUP)
        #expect(DaemonTimeTests.eventually(5) { CLI.read(setup.dir + "/daemon1.err").contains("SIGHUP: receiver hook reloaded") },
                "\(CLI.read(setup.dir + "/daemon1.err"))")
        Self.post(3, setup: setup, from: 2)
        #expect(DaemonTimeTests.eventually(10) { Self.received(setup, name: "second").count == 3 })
        #expect(Self.received(setup, name: "second").allSatisfy { $0[field: "signature"] == .string("valid") })
        #expect(Self.received(setup).count == 2)
    }
}

extension Value {
    /// The integer, if this is one.
    var intValue: Int64? {
        if case .int(let number) = self { return number }
        return nil
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        replacing(target, with: replacement)
    }
}
