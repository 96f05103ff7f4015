import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `cepheus check --config FILE` validates the daemon configuration as well.
@Suite struct ConfigCheckTests {
    @Test func reportsEveryConfigurationErrorWithItsPosition() {
        let dir = CLI.makeTempDirectory()
        CLI.write("checkpoint:\n  interval: soon\nhttp:\n  listen: nowhere\n", to: dir + "/cepheus.yaml")
        let result = CLI.run(["check", "--config", dir + "/cepheus.yaml", CLI.packageRoot + "/rules"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(dir + "/cepheus.yaml:2:13: error: bad duration 'soon' for 'checkpoint.interval'"), "\(result.stderr)")
        #expect(result.stderr.contains(dir + "/cepheus.yaml:4:11: error: 'http.listen' must be HOST:PORT"), "\(result.stderr)")
    }

    @Test func receiversOfAValidConfigurationMayBeNotified() {
        let dir = CLI.makeTempDirectory()
        CLI.write("receivers:\n  pager: {type: webhook, url: \"http://127.0.0.1:9/x\"}\n", to: dir + "/cepheus.yaml")
        CLI.write("""
            id: r
            key: user
            pattern:
              - {name: a, where: type == "x"}
            alert: {notify: [pager, console]}
            """, to: dir + "/r.yaml")
        let good = CLI.run(["check", "--config", dir + "/cepheus.yaml", dir + "/r.yaml"])
        #expect(good.status == 0, "\(good.stderr)")
        let bad = CLI.run(["check", dir + "/r.yaml", "--config", "/dev/null"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pager"), "\(bad.stderr)")
    }

    @Test func theContainersConfigurationIsValid() {
        // The Dockerfile bakes docker/cepheus.yaml and rules/ in; both must pass.
        let result = CLI.run(["check", "--config", CLI.packageRoot + "/docker/cepheus.yaml", CLI.packageRoot + "/rules"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func withOnlyAConfigurationItsRulePathsAreChecked() {
        let dir = CLI.makeTempDirectory()
        CLI.write("rules:\n  paths: [\(dir)/rules]\n", to: dir + "/cepheus.yaml")
        let missing = CLI.run(["check", "--config", dir + "/cepheus.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("rules.paths"), "\(missing.stderr)")
        _ = mkdir(dir + "/rules", 0o755)
        CLI.write("id: r\nkey: user\npattern:\n  - {name: a, where: nope ==}\n", to: dir + "/rules/r.yaml")
        let bad = CLI.run(["check", "--config", dir + "/cepheus.yaml"])
        #expect(bad.status == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains(dir + "/rules/r.yaml:4:"), "\(bad.stderr)")
    }

    @Test func aTemplateBodyThatDoesNotCompileIsAConfigurationError() {
        let dir = CLI.makeTempDirectory()
        CLI.write("""
            receivers:
              chat:
                type: webhook
                url: http://127.0.0.1:9/x
                format: template
                body: {text: "{{ alert.title +}}"}
            """, to: dir + "/cepheus.yaml")
        let result = CLI.run(["check", "--config", dir + "/cepheus.yaml", CLI.packageRoot + "/rules"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(dir + "/cepheus.yaml:6:11: error: receiver chat: body template"), "\(result.stderr)")
        let run = CLI.run(["run", "--config", dir + "/cepheus.yaml"])
        #expect(run.status == 1, "\(run.stderr)")
    }
}
