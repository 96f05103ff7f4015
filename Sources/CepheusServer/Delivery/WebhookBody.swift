import CepheusCore
import CepheusRules

/// The body a webhook receiver gets for one alert (spec/daemon.md): the alert JSON
/// itself, Alertmanager's webhook payload (version 4, one alert per notification), or
/// the receiver's template — any JSON value whose strings may hold `{{ … }}` over
/// `alert` (the alert JSON) and `receiver` (its name).
struct WebhookBody: Sendable {
    let receiver: String
    let format: DaemonConfig.ReceiverFormat
    private let template: TemplateValue?

    /// A template body compiled (nil for the other formats).
    indirect enum TemplateValue: Sendable {
        case literal(Value)
        case text(Template)
        case array([TemplateValue])
        case object([(String, TemplateValue)])
    }

    /// Why a template body does not compile.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(receiver: String, config: DaemonConfig.Webhook) throws(Invalid) {
        self.receiver = receiver
        format = config.format
        if config.format == .template, let body = config.body {
            template = try Self.compile(body, receiver: receiver)
        } else {
            template = nil
        }
    }

    private static func compile(_ value: Value, receiver: String) throws(Invalid) -> TemplateValue {
        switch value {
        case .string(let text) where text.contains("{{"):
            do {
                return .text(try Template.parse(text, compiler: ExpressionCompiler(stepNames: [])))
            } catch {
                throw Invalid(description: "receiver \(receiver): body template '\(text)': \(error.message)")
            }
        case .array(let items):
            var compiled: [TemplateValue] = []
            for item in items { compiled.append(try compile(item, receiver: receiver)) }
            return .array(compiled)
        case .object(let object):
            var compiled: [(String, TemplateValue)] = []
            for (key, item) in object.pairs { compiled.append((key, try compile(item, receiver: receiver))) }
            return .object(compiled)
        default:
            return .literal(value)
        }
    }

    /// The body for the alert whose JSON is `alertJSON`.
    func render(alertJSON: [UInt8]) -> [UInt8] {
        switch format {
        case .json:
            return alertJSON
        case .alertmanager:
            guard let alert = try? JSONReader.parse(alertJSON) else { return alertJSON }
            return Array(Self.alertmanagerPayload(alert, receiver: receiver).jsonString.utf8)
        case .template:
            guard let template, let alert = try? JSONReader.parse(alertJSON) else { return alertJSON }
            let scope = Value.object(JSONObject([("alert", alert), ("receiver", .string(receiver))]))
            let event = Event.make(value: scope, timestamp: 0, id: "", sequence: 0)
            return Array(Self.render(template, scope: EvaluationScope(event: event, key: .null)).jsonString.utf8)
        }
    }

    private static func render(_ template: TemplateValue, scope: EvaluationScope) -> Value {
        switch template {
        case .literal(let value): return value
        case .text(let text): return .string(text.render(scope).text)
        case .array(let items): return .array(items.map { render($0, scope: scope) })
        case .object(let pairs): return .object(JSONObject(pairs.map { ($0.0, render($0.1, scope: scope)) }))
        }
    }

    /// Alertmanager's webhook payload (version 4) for one alert, mapped as
    /// spec/daemon.md says: labels `alertname` (the rule id), `rule`, `key`, `severity`
    /// and the rule's labels; annotations `title` and the fields; `startsAt`/`endsAt`
    /// from `start`/`end`; `fingerprint` = the alert id.
    static func alertmanagerPayload(_ alert: Value, receiver: String) -> Value {
        func text(_ value: Value?) -> String {
            guard let value else { return "" }
            if case .string(let string) = value { return string }
            return value.jsonString
        }
        var labels: [(String, Value)] = [
            ("alertname", .string(text(alert[field: "rule"]))), ("rule", .string(text(alert[field: "rule"]))),
            ("key", .string(text(alert[field: "key"]))), ("severity", .string(text(alert[field: "severity"]))),
        ]
        if case .object(let ruleLabels)? = alert[field: "labels"] {
            for (name, value) in ruleLabels.pairs where !labels.contains(where: { $0.0 == name }) {
                labels.append((name, .string(text(value))))
            }
        }
        var annotations: [(String, Value)] = [("title", .string(text(alert[field: "title"])))]
        if case .object(let fields)? = alert[field: "fields"] {
            for (name, value) in fields.pairs where name != "title" { annotations.append((name, .string(text(value)))) }
        }
        func milliseconds(_ value: Value?) -> Int64 {
            if case .int(let number)? = value { return number }
            return 0
        }
        let start = Timestamp.rfc3339(milliseconds(alert[field: "start"]))
        let end = Timestamp.rfc3339(milliseconds(alert[field: "end"]))
        let id = text(alert[field: "id"])
        let labelObject = Value.object(JSONObject(labels))
        let annotationObject = Value.object(JSONObject(annotations))
        let entry = Value.object(JSONObject([
            ("status", .string("firing")), ("labels", labelObject), ("annotations", annotationObject),
            ("startsAt", .string(start)), ("endsAt", .string(end)), ("generatorURL", .string("")), ("fingerprint", .string(id)),
        ]))
        return .object(JSONObject([
            ("version", .string("4")), ("groupKey", .string("{}:{alertname=\"\(text(alert[field: "rule"]))\"}")),
            ("truncatedAlerts", .int(0)), ("status", .string("firing")), ("receiver", .string(receiver)),
            ("groupLabels", .object(JSONObject([("alertname", .string(text(alert[field: "rule"])))]))),
            ("commonLabels", labelObject), ("commonAnnotations", annotationObject), ("externalURL", .string("")),
            ("alerts", .array([entry])),
        ]))
    }
}
