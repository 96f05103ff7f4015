import CepheusCore
import CepheusRuntime
import Hummingbird

/// The daemon's HTTP API (spec/daemon.md) on Hummingbird: health, readiness and event
/// ingest so far. Errors are JSON `{"error","messages"}`; with a token configured every
/// endpoint but /healthz, /readyz and /metrics needs `Authorization: Bearer TOKEN`.
enum DaemonHTTP {
    static func router(
        config: DaemonConfig, sequencer: IngestSequencer, acceptsEvents: Bool, ready: @escaping @Sendable () -> Bool
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let token = config.http.token
        let maxBody = Int(config.http.maxBody)
        let timeField = config.time.field
        router.get("/healthz") { _, _ in json(.ok, #"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            ready() ? json(.ok, #"{"status":"ready"}"#) : json(.serviceUnavailable, #"{"status":"starting"}"#)
        }
        router.post("/v1/events") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            guard acceptsEvents else { return failure(.notFound, "no {type: http} source is configured") }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBody)
            } catch {
                return failure(.contentTooLarge, "the body is over http.max_body (\(maxBody) bytes)")
            }
            let bytes = Array(body.readableBytesView)
            var decoder = EventDecoder(timeField: timeField, sourceName: "http")
            var accepted: [IngestRecord] = []
            var errors: [Value] = []
            var lineNumber: Int64 = 0
            for line in EventsBody.lines(bytes) {
                lineNumber += 1
                switch decoder.decode(line, line: lineNumber) {
                case .blank: continue
                case .rejected(let reason):
                    errors.append(.object(JSONObject([("line", .int(lineNumber)), ("error", .string(reason))])))
                case .event, .control:
                    accepted.append(.event(source: "http", offset: 0, line: lineNumber, bytes: Array(line)))
                }
            }
            if !accepted.isEmpty {
                do {
                    _ = try sequencer.append(accepted)
                } catch {
                    return failure(.serviceUnavailable, "cannot append to the ingest log: \(error)")
                }
            }
            let summary = Value.object(JSONObject([
                ("accepted", .int(Int64(accepted.count))), ("rejected", .int(Int64(errors.count))), ("errors", .array(errors)),
            ]))
            return json(accepted.isEmpty ? .badRequest : .accepted, summary.jsonString)
        }
        return router
    }

    static func authorize(_ request: Request, token: String?) -> Response? {
        guard let token else { return nil }
        if request.headers[.authorization] == "Bearer " + token { return nil }
        return failure(.unauthorized, "missing or wrong bearer token")
    }

    static func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, Value.object(JSONObject([("error", .string(message)), ("messages", .array([.string(message)]))])).jsonString)
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
