import CepheusCore
import CepheusRules
import CepheusServer
import Testing

@Suite struct DaemonConfigTests {
    /// The configuration example of spec/daemon.md, verbatim in substance.
    static let contractExample = """
        state:
          dir: ./data
          memory_limit: 1GiB
          ttl: auto
          restore_from: ""
        checkpoint:
          interval: 10s
          retain: 3
        time:
          mode: event
          field: ts
          out_of_orderness: 0s
          idle_timeout: 30s
        rules:
          paths: [./rules]
          control:
            file: ./control.jsonl
        sources:
          - {type: file, path: ./events.jsonl, follow: true}
          - {type: stdin}
          - {type: http}
        receivers:
          secops:
            type: webhook
            url: http://127.0.0.1:9000/hook
            format: json
            headers: {Authorization: "Bearer ${SECOPS_TOKEN}"}
            secret: ${SECOPS_HMAC}
            timeout: 5s
            max_age: 24h
            concurrency: 4
          slack:
            type: webhook
            url: https://hooks.example.com/x
            format: template
            body: {text: "{{ alert.title }}"}
          console: {type: stdout}
        default_receivers: [console]
        http:
          listen: 127.0.0.1:8080
          token: ${CEPHEUS_TOKEN:-}
          max_body: 10MiB
        """

    func parse(_ yaml: String, environment: [String: String] = [:]) -> (DaemonConfig?, [String]) {
        let (config, diagnostics) = DaemonConfigLoader.parse(yaml: yaml, file: "cepheus.yaml", environment: environment)
        return (config, diagnostics.map(\.description))
    }

    @Test func embeddedDefaultsAreTheContractsDefaults() {
        let config = DaemonConfig()
        #expect(config.state.dir == "./data" && config.state.memoryLimit == 1 << 30 && config.state.ttl == nil)
        #expect(config.checkpoint.interval == 10_000 && config.checkpoint.retain == 3)
        #expect(config.time.mode == .event && config.time.field == "ts" && config.time.idleTimeout == 30_000)
        #expect(config.rules.paths == ["./rules"])
        #expect(config.sources == [.http])
        #expect(config.receivers == ["console": .stdout] && config.defaultReceivers == ["console"])
        #expect(config.http.host == "127.0.0.1" && config.http.port == 8080 && config.http.maxBody == 10 << 20)
        // An empty file is the defaults too.
        let (empty, errors) = parse("")
        #expect(errors.isEmpty)
        #expect(empty?.sources == [.http])
    }

    @Test func theContractExampleLoadsWithItsEnvironment() throws {
        let (config, errors) = parse(Self.contractExample, environment: ["SECOPS_TOKEN": "t0k", "SECOPS_HMAC": "s3cret"])
        #expect(errors.isEmpty, "\(errors)")
        let loaded = try #require(config)
        #expect(loaded.rules.controlFile == "./control.jsonl")
        #expect(loaded.sources == [.file(path: "./events.jsonl", follow: true), .stdin, .http])
        guard case .webhook(let secops)? = loaded.receivers["secops"] else {
            Issue.record("secops is not a webhook")
            return
        }
        #expect(secops.headers["Authorization"] == "Bearer t0k")
        #expect(secops.secret == "s3cret")
        #expect(secops.maxAge == 86_400_000 && secops.timeout == 5_000 && secops.concurrency == 4)
        guard case .webhook(let slack)? = loaded.receivers["slack"] else {
            Issue.record("slack is not a webhook")
            return
        }
        #expect(slack.format == .template)
        #expect(slack.body == .object(JSONObject([("text", .string("{{ alert.title }}"))])))
        #expect(loaded.http.token == nil, "${CEPHEUS_TOKEN:-} with the variable unset is empty: no token")
        #expect(loaded.state.restoreFrom == nil)
    }

    @Test func environmentExpansion() throws {
        let environment = ["A": "x", "EMPTY": ""]
        #expect(try EnvironmentExpansion.expand("${A}-${B:-dflt}-${EMPTY:-e}-$$-$5", environment: environment).get() == "x-dflt-e-$-$5")
        #expect(throws: EnvironmentExpansion.Failure.self) { try EnvironmentExpansion.expand("${MISSING}", environment: environment).get() }
        #expect(throws: EnvironmentExpansion.Failure.self) { try EnvironmentExpansion.expand("${A", environment: environment).get() }
        #expect(throws: EnvironmentExpansion.Failure.self) { try EnvironmentExpansion.expand("${1A}", environment: environment).get() }
    }

    /// Every problem is reported, each at its own line and column.
    @Test func everyErrorWithItsPosition() {
        let yaml = """
            state:
              memory_limit: lots
              colour: blue
            checkpoint:
              interval: 0s
            time:
              mode: wallclock
            sources:
              - {type: file}
              - {type: kafka}
            receivers:
              hook:
                type: webhook
                url: ftp://x
              tmpl: {type: webhook, url: "http://h/x", format: template}
            default_receivers: [console, nobody]
            http:
              listen: localhost
              token: ${NOT_SET}
            """
        let (config, errors) = parse(yaml)
        #expect(config == nil)
        let expected = [
            "cepheus.yaml:2:17: error: bad size 'lots' for 'state.memory_limit'",
            "cepheus.yaml:3:3: error: unknown key 'colour' in state",
            "cepheus.yaml:5:13: error: 'checkpoint.interval' must be greater than zero",
            "cepheus.yaml:7:9: error: 'time.mode' must be event or processing",
            "cepheus.yaml:9:5: error: a file source needs 'path'",
            "cepheus.yaml:10:12: error: unknown source type 'kafka'",
            "cepheus.yaml:14:10: error: 'receivers.hook.url' must be an http:// or https:// URL",
            "cepheus.yaml:15:9: error: receiver 'tmpl' has format: template but no 'body'",
            "cepheus.yaml:16:30: error: default_receivers names 'nobody'",
            "cepheus.yaml:18:11: error: 'http.listen' must be HOST:PORT",
            "cepheus.yaml:19:10: error: in 'http.token': environment variable NOT_SET is not set",
        ]
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in \(errors)")
        }
        #expect(errors.count == expected.count, "\(errors)")
        // In file order.
        #expect(errors.first?.hasPrefix("cepheus.yaml:2:17:") == true)
    }

    @Test func yamlSyntaxErrorsHaveTheirPosition() {
        let (config, errors) = parse("state:\n  dir: [unclosed\n")
        #expect(config == nil)
        #expect(errors.count == 1 && errors[0].hasPrefix("cepheus.yaml:"), "\(errors)")
        #expect(errors.first?.contains("error: invalid YAML") == true)
    }

    @Test func listenAddresses() {
        let (v6, errors) = parse("http: {listen: \"[::1]:9090\"}")
        #expect(errors.isEmpty)
        #expect(v6?.http.host == "::1" && v6?.http.port == 9090)
        let (_, bad) = parse("http: {listen: \"127.0.0.1:99999\"}")
        #expect(bad.count == 1)
    }
}
