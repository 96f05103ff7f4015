import CepheusCore
@testable import CepheusServer
import Testing

/// The delivery rules of spec/daemon.md, without a network: which outcomes are retried,
/// the backoff, Retry-After, signatures, and the bodies of each format.
@Suite struct WebhookDeliveryRulesTests {
    @Test func outcomesAreClassifiedAsTheContractSays() {
        #expect(DeliveryPolicy.verdict(status: 200, retryAfter: nil, now: 0) == .delivered)
        #expect(DeliveryPolicy.verdict(status: 204, retryAfter: nil, now: 0) == .delivered)
        #expect(DeliveryPolicy.verdict(status: 400, retryAfter: nil, now: 0) == .permanent(reason: "HTTP 400"))
        #expect(DeliveryPolicy.verdict(status: 404, retryAfter: nil, now: 0) == .permanent(reason: "HTTP 404"))
        #expect(DeliveryPolicy.verdict(status: 408, retryAfter: nil, now: 0) == .retry(reason: "HTTP 408", notBefore: nil))
        #expect(DeliveryPolicy.verdict(status: 429, retryAfter: "7", now: 1_000) == .retry(reason: "HTTP 429", notBefore: 8_000))
        #expect(DeliveryPolicy.verdict(status: 503, retryAfter: nil, now: 0) == .retry(reason: "HTTP 503", notBefore: nil))
        #expect(DeliveryPolicy.verdict(status: 302, retryAfter: nil, now: 0) == .retry(reason: "HTTP 302", notBefore: nil))
    }

    @Test func retryAfterTakesSecondsOrAnHTTPDate() {
        #expect(DeliveryPolicy.parseRetryAfter("120", now: 5) == 120_005)
        #expect(DeliveryPolicy.parseRetryAfter(" 3 ", now: 0) == 3_000)
        // RFC 9110's example date: 784111777 s after the epoch.
        #expect(DeliveryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 0) == 784_111_777_000)
        #expect(DeliveryPolicy.parseRetryAfter("soon", now: 0) == nil)
        #expect(DeliveryPolicy.parseRetryAfter("-1", now: 0) == nil)
    }

    @Test func backoffDoublesFromOneSecondToFiveMinutesWithJitter() {
        var random = SplitMix64(seed: 9)
        for attempts in 1...30 {
            let ceiling = min(Int64(300_000), Int64(1_000) << min(attempts - 1, 20))
            for _ in 0..<50 {
                let wait = DeliveryPolicy.backoff(afterAttempts: attempts, random: &random)
                #expect(wait >= ceiling / 2 && wait <= ceiling, "attempt \(attempts): \(wait)")
            }
        }
    }

    @Test func signaturesMatchAnIndependentHMAC() {
        // python3: hmac.new(b"It is a secret", b'1700000000.{"id":"a1"}', sha256).hexdigest()
        let body = Array(#"{"id":"a1"}"#.utf8)
        let signature = WebhookSignature.sign(body: body, timestamp: 1_700_000_000, secret: "It is a secret")
        #expect(signature == "sha256=096c93040dfe7a4118eb316f2e808ac89734d68a67e949eed00cf01598a25b99")
        #expect(WebhookSignature.verify(body: body, timestamp: "1700000000", signature: signature, secret: "It is a secret"))
        #expect(!WebhookSignature.verify(body: body, timestamp: "1700000001", signature: signature, secret: "It is a secret"))
        #expect(!WebhookSignature.verify(body: body + [0x20], timestamp: "1700000000", signature: signature, secret: "It is a secret"))
    }

    static let alert = Array(#"""
        {"id":"f00d","rule":"brute-force-login","rule_version":2,"kind":"match","key":"alice","severity":"high","labels":{"team":"secops"},"title":"6 failed logins for alice","fields":{"attempts":6,"ip":"10.0.0.1"},"start":1764000000000,"end":1764000060000,"events":{}}
        """#.utf8)

    @Test func theAlertmanagerPayloadMapsTheAlert() throws {
        var config = DaemonConfig.Webhook(url: "http://x")
        config.format = .alertmanager
        let body = try WebhookBody(receiver: "am", config: config)
        let payload = try JSONReader.parse(body.render(alertJSON: Self.alert))
        #expect(payload[field: "version"] == .string("4"))
        #expect(payload[field: "status"] == .string("firing"))
        #expect(payload[field: "receiver"] == .string("am"))
        #expect(payload[field: "groupLabels"] == .object(JSONObject([("alertname", .string("brute-force-login"))])))
        guard case .array(let alerts)? = payload[field: "alerts"], let alert = alerts.first else {
            Issue.record("no alerts: \(payload)")
            return
        }
        #expect(alert[field: "labels"] == .object(JSONObject([
            ("alertname", .string("brute-force-login")), ("rule", .string("brute-force-login")), ("key", .string("alice")),
            ("severity", .string("high")), ("team", .string("secops")),
        ])))
        #expect(alert[field: "annotations"] == .object(JSONObject([
            ("title", .string("6 failed logins for alice")), ("attempts", .string("6")), ("ip", .string("10.0.0.1")),
        ])))
        #expect(alert[field: "startsAt"] == .string("2025-11-24T16:00:00.000Z"))
        #expect(alert[field: "endsAt"] == .string("2025-11-24T16:01:00.000Z"))
        #expect(alert[field: "fingerprint"] == .string("f00d"))
        #expect(payload[field: "commonLabels"] == alert[field: "labels"])
    }

    @Test func aTemplateBodyRendersOverTheAlert() throws {
        var config = DaemonConfig.Webhook(url: "http://x")
        config.format = .template
        config.body = .object(JSONObject([
            ("text", .string("{{ alert.title }} ({{ alert.severity }}, {{ alert.fields.attempts }} tries) to {{ receiver }}")),
            ("static", .array([.int(1), .bool(true)])),
        ]))
        let body = try WebhookBody(receiver: "chat", config: config)
        let rendered = try JSONReader.parse(body.render(alertJSON: Self.alert))
        #expect(rendered[field: "text"] == .string("6 failed logins for alice (high, 6 tries) to chat"))
        #expect(rendered[field: "static"] == .array([.int(1), .bool(true)]))
        config.body = .string("{{ alert.title")
        #expect(throws: WebhookBody.Invalid.self) { try WebhookBody(receiver: "chat", config: config) }
    }

    @Test func theJSONFormatSendsTheAlertAsIs() throws {
        let body = try WebhookBody(receiver: "hook", config: DaemonConfig.Webhook(url: "http://x"))
        #expect(body.render(alertJSON: Self.alert) == Self.alert)
    }
}
