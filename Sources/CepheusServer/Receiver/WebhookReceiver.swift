import CepheusCore
import CepheusState
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// `cepheus receiver`: a small webhook receiver that prints what it gets — one JSON
/// line per request on standard output — and verifies signatures. For the demo, for
/// users testing their setup, and for the tests, which also make it misbehave: fail the
/// first N requests, answer a fixed status, or hang before answering.
public enum WebhookReceiver {
    /// How the receiver behaves.
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 9000
        /// Verify `X-Cepheus-Signature`; a wrong or missing one is answered 401.
        public var secret: String?
        /// Answer 500 to the first N requests.
        public var failFirst = 0
        /// Answer this status to every request (after the failures above).
        public var status = 200
        /// Wait this long before answering.
        public var delayMilliseconds: Int64 = 0

        public init() {}
    }

    /// The value of header `name` (lower case).
    static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name }?.value
    }

    /// Serves until SIGTERM or SIGINT; `print` gets each request's line.
    public static func run(_ options: Options, print: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void) async throws {
        let received = Mutex(0)
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in Response(status: .ok) }
        router.post("**") { request, _ -> Response in
            let body = Array(try await request.body.collect(upTo: 64 << 20).readableBytesView)
            let receivedAt = CheckpointCoordinator.wallClockMilliseconds()
            let number = received.withLock { count -> Int in
                count += 1
                return count
            }
            var signature = "unsigned"
            if let secret = options.secret {
                let timestamp = header(request, "x-cepheus-timestamp") ?? ""
                let given = header(request, "x-cepheus-signature") ?? ""
                signature = WebhookSignature.verify(body: body, timestamp: timestamp, signature: given, secret: secret) ? "valid" : "invalid"
            } else if header(request, "x-cepheus-signature") != nil {
                signature = "not checked"
            }
            let status: Int
            if options.secret != nil && signature != "valid" {
                status = 401
            } else if number <= options.failFirst {
                status = 500
            } else {
                status = options.status
            }
            if options.delayMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(options.delayMilliseconds)) }
            let parsed = (try? JSONReader.parse(body)) ?? .string(String(decoding: body, as: UTF8.self))
            let line = Value.object(JSONObject([
                ("request", .int(Int64(number))), ("received_at", .int(receivedAt)), ("path", .string(request.uri.path)),
                ("alert_id", .string(header(request, "x-cepheus-alert-id") ?? "")),
                ("signature", .string(signature)), ("answered", .int(Int64(status))), ("body", parsed),
            ])).jsonString
            print(line)
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "cepheus-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "cepheus-receiver"),
            onServerRunning: { channel in log("receiver listening on \(channel.localAddress?.description ?? "\(options.host):\(options.port)")") },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
