import CepheusCore
import CepheusRules
import CepheusRuntime
import CepheusState
import Hummingbird

/// The daemon's HTTP API (spec/daemon.md) on Hummingbird: health, readiness, event
/// ingest, rules, savepoints, recent alerts and metrics. Errors are JSON `{"error","messages"}`; with a token configured every
/// endpoint but /healthz, /readyz and /metrics needs `Authorization: Bearer TOKEN`.
enum DaemonHTTP {
    static func router(
        config: DaemonConfig, sequencer: IngestSequencer, acceptsEvents: Bool, status: RuntimeStatus, metrics: DaemonMetrics,
        outbox: Outbox, webhooks: WebhookDelivery
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let token = config.http.token
        let maxBody = Int(config.http.maxBody)
        let timeField = config.time.field
        let processingTime = config.time.mode == .processing
        router.get("/healthz") { _, _ in json(.ok, #"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            status.snapshot.ready ? json(.ok, #"{"status":"ready"}"#) : json(.serviceUnavailable, #"{"status":"starting"}"#)
        }
        addRuleRoutes(to: router, config: config, sequencer: sequencer, status: status)
        router.post("/v1/savepoints") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let name = "sp-\(CheckpointCoordinator.wallClockMilliseconds())"
            switch await status.requestSavepoint(name: name) {
            case .success(let path):
                return json(.ok, Value.object(JSONObject([("id", .string(name)), ("path", .string(path))])).jsonString)
            case .failure(let problem):
                return failure(.internalServerError, problem.message)
            }
        }
        router.get("/v1/savepoints") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let directory = config.state.dir + "/savepoints"
            var listed: [Value] = []
            for name in ((try? FileSystem.list(directory)) ?? []) where !name.hasSuffix(".tmp") {
                let path = directory + "/" + name
                guard let bytes = try? FileSystem.read(path + "/" + CheckpointStorage.manifestName),
                      let manifest = try? CheckpointManifest.decode(bytes) else { continue }
                listed.append(.object(JSONObject([
                    ("id", .string(name)), ("path", .string(path)), ("created_at", .int(manifest.createdAt)),
                    ("keys", .int(Int64(manifest.keys))), ("partial_matches", .int(Int64(manifest.partialMatches))),
                ])))
            }
            return json(.ok, Value.object(JSONObject([("savepoints", .array(listed))])).jsonString)
        }
        router.get("/v1/alerts") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            var limit = 100
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text), value >= 1, value <= 10_000 else {
                    return failure(.badRequest, "limit must be a whole number from 1 to 10000, not '\(text)'")
                }
                limit = value
            }
            do {
                let entries = try outbox.recent(limit: limit)
                return json(.ok, Value.object(JSONObject([("alerts", .array(entries.map(\.jsonValue)))])).jsonString)
            } catch {
                return failure(.internalServerError, "cannot read the outbox: \(error)")
            }
        }
        router.get("/v1/dead-letters") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let receiver = request.uri.queryParameters.get("receiver")
            do {
                let entries = try outbox.deadLetters(receiver: receiver, limit: 10_000)
                return json(.ok, Value.object(JSONObject([("alerts", .array(entries.map(\.jsonValue)))])).jsonString)
            } catch {
                return failure(.internalServerError, "cannot read the outbox: \(error)")
            }
        }
        router.post("/v1/dead-letters/retry") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let body = try await request.body.collect(upTo: 1 << 16)
            var receiver: String?
            var id: String?
            if body.readableBytes > 0 {
                guard case .object(let object)? = try? JSONReader.parse(Array(body.readableBytesView)) else {
                    return failure(.badRequest, #"the body must be a JSON object: {"receiver":R,"id":ID}, both optional"#)
                }
                for (name, value) in object.pairs {
                    guard case .string(let text) = value, name == "receiver" || name == "id" else {
                        return failure(.badRequest, "unknown or non-string field '\(name)' (allowed: receiver, id)")
                    }
                    if name == "receiver" { receiver = text } else { id = text }
                }
            }
            if let receiver, !webhooks.receiverNames.contains(receiver) {
                return failure(.notFound, "no webhook receiver named '\(receiver)'")
            }
            do {
                let count = try webhooks.retryDeadLetters(receiver: receiver, id: id)
                return json(.ok, Value.object(JSONObject([("retried", .int(Int64(count)))])).jsonString)
            } catch {
                return failure(.internalServerError, "cannot update the outbox: \(error)")
            }
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
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
                // Processing time: the runtime stamps events with the ingest clock, so
                // the time field is not required (any stand-in value does here).
                switch decoder.decode(line, sequence: lineNumber, idSource: nil, idLine: lineNumber, processingTime: processingTime ? 0 : nil) {
                case .blank: continue
                case .rejected(let reason):
                    errors.append(.object(JSONObject([("line", .int(lineNumber)), ("error", .string(reason))])))
                case .control:
                    errors.append(.object(JSONObject([
                        ("line", .int(lineNumber)),
                        ("error", .string("a control record is not an event: change rules with PUT/DELETE /v1/rules or the control stream")),
                    ])))
                case .event:
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
            metrics.rejectedAtIngest(errors.count)
            let summary = Value.object(JSONObject([
                ("accepted", .int(Int64(accepted.count))), ("rejected", .int(Int64(errors.count))), ("errors", .array(errors)),
            ]))
            return json(accepted.isEmpty ? .badRequest : .accepted, summary.jsonString)
        }
        return router
    }

    /// The rules API: changes go through the ingest log as control records (so a
    /// restart replays them in order) and are answered once the runtime applied them.
    static func addRuleRoutes(to router: Router<BasicRequestContext>, config: DaemonConfig, sequencer: IngestSequencer, status: RuntimeStatus) {
        let token = config.http.token
        let maxBody = Int(config.http.maxBody)
        let receivers = Set(config.receivers.keys)
        router.get("/v1/rules") { request, _ -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let rules = status.snapshot.rules.map(describe)
            return json(.ok, Value.object(JSONObject([("rules", .array(rules))])).jsonString)
        }
        router.get("/v1/rules/:id") { request, context -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let id = context.parameters.get("id") ?? ""
            guard let rule = status.snapshot.rules.first(where: { $0.id == id }) else { return failure(.notFound, "no rule with id '\(id)'") }
            return json(.ok, describe(rule).jsonString)
        }
        router.put("/v1/rules/:id") { request, context -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let id = context.parameters.get("id") ?? ""
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxBody) } catch {
                return failure(.contentTooLarge, "the body is over http.max_body (\(maxBody) bytes)")
            }
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            // JSON when the body is a JSON object, YAML otherwise.
            let control: Value
            let result: RuleLoadResult
            if case .object? = try? JSONReader.parse(text) {
                let rule = try JSONReader.parse(text)
                result = RuleLoader.parse(json: rule, origin: "api", knownReceivers: receivers)
                control = .object(JSONObject([("op", .string("upsert")), ("rule", rule)]))
            } else {
                result = RuleLoader.parse(yaml: text, file: "api", knownReceivers: receivers)
                control = .object(JSONObject([("op", .string("upsert")), ("yaml", .string(text))]))
            }
            let errors = result.diagnostics.filter(\.isError).map(\.description)
            if !errors.isEmpty { return failure(.badRequest, "invalid rule", messages: errors) }
            guard result.rules.count == 1, let rule = result.rules.first else {
                return failure(.badRequest, "the body must hold exactly one rule")
            }
            guard rule.id == id else { return failure(.badRequest, "the rule's id '\(rule.id)' is not the id in the path, '\(id)'") }
            return await applyControl(control, id: id, sequencer: sequencer, status: status) { rules in
                guard let applied = rules.first(where: { $0.id == id }) else { return failure(.internalServerError, "the upsert was not applied") }
                return json(.ok, describe(applied).jsonString)
            }
        }
        router.delete("/v1/rules/:id") { request, context -> Response in
            if let denied = authorize(request, token: token) { return denied }
            let id = context.parameters.get("id") ?? ""
            guard status.snapshot.rules.contains(where: { $0.id == id }) else { return failure(.notFound, "no rule with id '\(id)'") }
            let control = Value.object(JSONObject([("op", .string("delete")), ("id", .string(id))]))
            return await applyControl(control, id: id, sequencer: sequencer, status: status) { _ in Response(status: .noContent) }
        }
    }

    /// Appends a control record to the ingest log, waits for the runtime to apply it,
    /// and answers with `respond(rules)`.
    static func applyControl(
        _ control: Value, id: String, sequencer: IngestSequencer, status: RuntimeStatus,
        respond: ([LoadedRuleSummary]) -> Response
    ) async -> Response {
        let line = Array(Value.object(JSONObject([("$control", control)])).jsonString.utf8)
        let next: Int64
        do {
            next = try sequencer.append([.control(source: "api", offset: 0, line: 0, bytes: line)])
        } catch {
            return failure(.serviceUnavailable, "cannot append to the ingest log: \(error)")
        }
        guard await status.waitUntilApplied(next) else {
            return failure(.serviceUnavailable, "the change to rule '\(id)' is logged but not applied yet")
        }
        return respond(status.snapshot.rules)
    }

    static func describe(_ rule: LoadedRuleSummary) -> Value {
        .object(JSONObject([
            ("id", .string(rule.id)), ("version", .int(Int64(rule.version))), ("source", .string(rule.source)),
            ("enabled", .bool(rule.enabled)), ("rule", rule.definition),
        ]))
    }

    static func authorize(_ request: Request, token: String?) -> Response? {
        guard let token else { return nil }
        if request.headers[.authorization] == "Bearer " + token { return nil }
        return failure(.unauthorized, "missing or wrong bearer token")
    }

    static func failure(_ status: HTTPResponse.Status, _ message: String, messages: [String]? = nil) -> Response {
        let details = (messages ?? [message]).map { Value.string($0) }
        return json(status, Value.object(JSONObject([("error", .string(message)), ("messages", .array(details))])).jsonString)
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
