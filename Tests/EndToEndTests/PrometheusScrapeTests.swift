import CepheusCore
import CepheusServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's, installed by scripts/setup.sh) scrapes the daemon on
/// loopback and sees its figures.
@Suite(.serialized) struct PrometheusScrapeTests {
    @Test func prometheusScrapesTheDaemon() throws {
        let dir = CLI.makeTempDirectory()
        let port = 20_000 + Int((getpid() + 233) % 20_000)
        let prometheusPort = 20_000 + Int((getpid() + 239) % 20_000)
        CLI.write(DaemonTests.config(dir, port: port), to: dir + "/cepheus.yaml")
        let daemon = CrashRecoveryTests.spawn(["run", "--config", dir + "/cepheus.yaml"], stdoutPath: dir + "/out", stderrPath: dir + "/err")
        defer {
            kill(daemon, SIGTERM)
            _ = CrashRecoveryTests.wait(daemon)
        }
        #expect(DaemonTests.waitUntilReady(port: port), "\(CLI.read(dir + "/err"))")
        let events = Array(CLI.read(CLI.packageRoot + "/samples/events/all.jsonl").utf8)
        let count = events.split(separator: 0x0A).count
        #expect(HTTPTestClient.request(port: port, method: "POST", path: "/v1/events", body: events)?.status == 202)

        CLI.write("""
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: cepheus
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
            """, to: dir + "/prometheus.yml")
        var command = "exec prometheus --config.file=\(dir)/prometheus.yml --storage.tsdb.path=\(dir)/tsdb"
        command += " --web.listen-address=127.0.0.1:\(prometheusPort) > \(dir)/prometheus.log 2>&1"
        let prometheus = CrashRecoveryTests.spawnShell(command)
        defer {
            kill(prometheus, SIGTERM)
            _ = CrashRecoveryTests.wait(prometheus)
        }
        func query(_ expression: String) -> Value? {
            let path = "/api/v1/query?query=" + expression.addingPercentEncodingForQuery
            guard let body = try? PlainHTTPClient.request("GET", url: "http://127.0.0.1:\(prometheusPort)", path: path).body,
                  case .array(let results)? = (try? JSONReader.parse(body))?[field: "data"]?[field: "result"],
                  case .array(let sample)? = results.first?[field: "value"], sample.count == 2 else { return nil }
            return sample[1]
        }
        var scraped: Value?
        for _ in 0..<150 {
            scraped = query("cepheus_events_total")
            if scraped == .string("\(count)") { break }
            usleep(200_000)
        }
        #expect(scraped == .string("\(count)"), "Prometheus saw \(String(describing: scraped)): \(CLI.read(dir + "/prometheus.log").suffix(2000))")
        #expect(query("up{job=\"cepheus\"}") == .string("1"))
        #expect(query("cepheus_rules_loaded") == .string("9"))
    }
}

extension CrashRecoveryTests {
    /// Starts `/bin/sh -c command` (which should `exec` the program, so the PID is its).
    static func spawnShell(_ command: String) -> pid_t {
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        precondition(status == 0, "posix_spawn failed: \(status)")
        return pid
    }
}

extension String {
    /// Percent-encoded for a URL query value.
    var addingPercentEncodingForQuery: String {
        var result = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
