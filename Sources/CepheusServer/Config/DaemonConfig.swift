import CepheusCore

/// The daemon's configuration (spec/daemon.md): every section with its contract
/// default, so `DaemonConfig()` is the embedded default `cepheus run` uses without
/// `--config`. Durations are milliseconds, sizes bytes.
public struct DaemonConfig: Sendable {
    /// `state:` — where state lives and how much of it stays in memory.
    public struct State: Sendable, Equatable {
        public var dir = "./data"
        public var memoryLimit: Int64 = 1 << 30
        /// `nil`: auto, twice the longest `within`.
        public var ttl: Int64?
        public var restoreFrom: String?
        /// Live (rule, key) states per worker before cold ones are compacted in memory
        /// (`RuntimeEngine.hotStateLimit`); 0: never.
        public var hotStates = 16_384
        public init() {}
    }

    /// `checkpoint:`
    public struct Checkpoint: Sendable, Equatable {
        public var interval: Int64 = 10_000
        public var retain = 3
        public init() {}
    }

    /// `time.mode`
    public enum TimeMode: String, Sendable, Equatable {
        case event, processing
    }

    /// `time:`
    public struct Time: Sendable, Equatable {
        public var mode = TimeMode.event
        public var field = "ts"
        public var outOfOrderness: Int64 = 0
        public var idleTimeout: Int64 = 30_000
        public init() {}
    }

    /// `rules:` — rule paths (watched) and the optional control stream.
    public struct Rules: Sendable, Equatable {
        public var paths = ["./rules"]
        public var controlFile: String?
        public init() {}
    }

    /// One entry of `sources:`.
    public enum Source: Sendable, Equatable {
        case file(path: String, follow: Bool)
        case stdin
        case http
    }

    /// `receivers.NAME.format`
    public enum ReceiverFormat: String, Sendable, Equatable {
        case json, alertmanager, template
    }

    /// A `type: webhook` receiver.
    public struct Webhook: Sendable, Equatable {
        public var url: String
        public var format = ReceiverFormat.json
        /// The body template (`format: template`): any YAML value whose strings may
        /// hold `{{ … }}`.
        public var body: Value?
        public var headers: [String: String] = [:]
        public var secret: String?
        public var timeout: Int64 = 5_000
        public var maxAge: Int64 = 86_400_000
        public var concurrency = 4
        public init(url: String) { self.url = url }
    }

    /// One entry of `receivers:`.
    public enum Receiver: Sendable, Equatable {
        case stdout
        case webhook(Webhook)
    }

    /// `http:`
    public struct HTTP: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// When set, every endpoint but /healthz, /readyz and /metrics needs it.
        public var token: String?
        public var maxBody: Int64 = 10 << 20
        public init() {}
    }

    public var state = State()
    public var checkpoint = Checkpoint()
    public var time = Time()
    public var rules = Rules()
    public var sources: [Source] = [.http]
    /// By name; `console` (stdout) always exists unless the file defines that name.
    public var receivers: [String: Receiver] = ["console": .stdout]
    public var defaultReceivers = ["console"]
    public var http = HTTP()
    /// `workers:` — matching threads, each owning a share of the key groups; `nil`
    /// (`auto`): one per core, at most 16.
    public var workers: Int?

    /// The embedded defaults.
    public init() {}
}
