import CepheusCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon on several workers (key groups sharded across threads): the same alerts
/// as one worker, counted once, and a checkpoint taken by 3 workers restores onto 1
/// after a kill -9 without losing or inventing an alert.
@Suite(.serialized) struct DaemonWorkersTests {
    static func config(_ dir: String, port: Int, workers: Int) -> String {
        """
        state: {dir: \(dir)/data}
        checkpoint: {interval: 200ms}
        rules: {paths: [\(CLI.packageRoot)/rules]}
        http: {listen: 127.0.0.1:\(port)}
        workers: \(workers)
        """
    }

    /// Posts `batches` of the events and waits until the daemon has taken them all.
    static func feed(_ batches: ArraySlice<[String]>, port: Int) {
        for batch in batches {
            let body = Array((batch.joined(separator: "\n") + "\n").utf8)
            #expect(HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: body)?.status == 202)
            usleep(150_000)
        }
    }

    @Test func threeWorkersKilledAndRestoredOntoOneLoseNoAlert() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 211) % 20_000)
        #expect(CLI.run(["gen", "--events", "6000", "--keys", "60", "--output", dir + "/events"]).status == 0)
        let lines = CLI.read(dir + "/events").split(separator: "\n").map(String.init)
        let batches = stride(from: 0, to: lines.count, by: 1000).map { Array(lines[$0..<min($0 + 1000, lines.count)]) }

        // Uninterrupted, one worker.
        #expect(system("mkdir -p \(dir)/a \(dir)/b") == 0)
        CLI.write(Self.config(dir + "/a", port: port, workers: 1), to: dir + "/a.yaml")
        var pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/a.yaml"], stdoutPath: dir + "/a.out", stderrPath: dir + "/a.err")
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/a.err"))")
        Self.feed(batches[...], port: port)
        kill(pid, SIGTERM)
        #expect(CrashRecoveryTests.wait(pid) == 0, "\(CLI.read(dir + "/a.err"))")
        let expected = DaemonTests.ids(CLI.read(dir + "/a.out"))
        #expect(expected.count > 10)
        #expect(Set(expected).count == expected.count)

        // Three workers, killed halfway; then one worker on the same state.
        CLI.write(Self.config(dir + "/b", port: port, workers: 3), to: dir + "/b.yaml")
        pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/b.yaml"], stdoutPath: dir + "/b1.out", stderrPath: dir + "/b1.err")
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/b1.err"))")
        Self.feed(batches[..<3], port: port)
        // Metrics are published about once a second: every event counted once.
        #expect(DaemonTimeTests.eventually(5) { DaemonTimeTests.metric("cepheus_events_total", port: port) == 3000 })
        #expect(DaemonTimeTests.metric("cepheus_events_total", port: port) == 3000)
        kill(pid, SIGKILL)
        _ = CrashRecoveryTests.wait(pid)
        #expect(CLI.read(dir + "/b1.err").contains("matching on 3 worker(s)"))

        CLI.write(Self.config(dir + "/b", port: port, workers: 1), to: dir + "/b.yaml")
        pid = CrashRecoveryTests.spawn(["run", "--config", dir + "/b.yaml"], stdoutPath: dir + "/b2.out", stderrPath: dir + "/b2.err")
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/b2.err"))")
        #expect(CLI.read(dir + "/b2.err").contains("3 worker(s) then, 1 now"), "\(CLI.read(dir + "/b2.err"))")
        Self.feed(batches[3...], port: port)
        kill(pid, SIGTERM)
        #expect(CrashRecoveryTests.wait(pid) == 0, "\(CLI.read(dir + "/b2.err"))")
        let got = DaemonTests.ids(CLI.read(dir + "/b1.out")) + DaemonTests.ids(CLI.read(dir + "/b2.out"))
        #expect(Set(got) == Set(expected), "missing: \(Set(expected).subtracting(got).count), invented: \(Set(got).subtracting(expected).count)")
    }
}
