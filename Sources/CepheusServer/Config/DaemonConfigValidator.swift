import CepheusCore
import CepheusRules
import Yams

/// Walks a configuration document, filling a `DaemonConfig` and collecting every
/// problem with its position. Used by `DaemonConfigLoader`.
struct DaemonConfigValidator {
    let file: String
    let environment: [String: String]
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    typealias Entries = [String: (key: Node, value: Node)]

    mutating func validate(_ root: Node?) -> DaemonConfig {
        var config = DaemonConfig()
        guard let root, !YAMLValueConverter.isNull(root) else { return config }
        guard let entries = mapping(root, "the configuration", allowed: [
            "state", "checkpoint", "time", "rules", "sources", "receivers", "default_receivers", "http", "workers",
        ]) else { return config }
        if let node = present(entries, "workers") {
            if case .scalar(let scalar) = node, scalar.string == "auto" {
                config.workers = nil
            } else {
                config.workers = integer(node, "workers", in: 1...64)
            }
        }
        if let node = present(entries, "state") { state(node, into: &config.state) }
        if let node = present(entries, "checkpoint") { checkpoint(node, into: &config.checkpoint) }
        if let node = present(entries, "time") { time(node, into: &config.time) }
        if let node = present(entries, "rules") { rules(node, into: &config.rules) }
        if let node = present(entries, "sources") { config.sources = sources(node) }
        if let node = present(entries, "receivers") { receivers(node, into: &config.receivers) }
        if let node = present(entries, "default_receivers") {
            if let names = stringList(node, "default_receivers") {
                for (index, name) in names.enumerated() where config.receivers[name] == nil {
                    error("default_receivers names '\(name)', which is not a receiver (known: \(config.receivers.keys.sorted().joined(separator: ", ")))",
                          at: elementNode(node, index))
                }
                config.defaultReceivers = names
            }
        }
        if let node = present(entries, "http") { http(node, into: &config.http) }
        return config
    }

    // MARK: - Sections

    private mutating func state(_ node: Node, into state: inout DaemonConfig.State) {
        guard let entries = mapping(node, "state", allowed: ["dir", "memory_limit", "ttl", "restore_from", "hot_states"]) else { return }
        if let node = present(entries, "hot_states"), let value = integer(node, "state.hot_states", in: 0...1_000_000_000) { state.hotStates = value }
        if let node = present(entries, "dir"), let dir = nonEmptyString(node, "state.dir") { state.dir = dir }
        if let node = present(entries, "memory_limit"), let size = size(node, "state.memory_limit") { state.memoryLimit = size }
        if let node = present(entries, "ttl"), let text = string(node, "state.ttl") {
            if text.trimmingSpaces == "auto" {
                state.ttl = nil
            } else if let value = DurationParser.milliseconds(text.trimmingSpaces) {
                state.ttl = value
            } else {
                error("'state.ttl' must be auto or a duration such as 2h, not '\(text)'", at: node)
            }
        }
        if let node = present(entries, "restore_from"), let path = string(node, "state.restore_from") {
            state.restoreFrom = path.isEmpty ? nil : path
        }
    }

    private mutating func checkpoint(_ node: Node, into checkpoint: inout DaemonConfig.Checkpoint) {
        guard let entries = mapping(node, "checkpoint", allowed: ["interval", "retain"]) else { return }
        if let node = present(entries, "interval"), let value = duration(node, "checkpoint.interval") { checkpoint.interval = value }
        if let node = present(entries, "retain"), let value = integer(node, "checkpoint.retain", in: 1...1000) { checkpoint.retain = value }
    }

    private mutating func time(_ node: Node, into time: inout DaemonConfig.Time) {
        guard let entries = mapping(node, "time", allowed: ["mode", "field", "out_of_orderness", "idle_timeout"]) else { return }
        if let node = present(entries, "mode"), let text = string(node, "time.mode") {
            if let mode = DaemonConfig.TimeMode(rawValue: text) {
                time.mode = mode
            } else {
                error("'time.mode' must be event or processing, not '\(text)'", at: node)
            }
        }
        if let node = present(entries, "field"), let field = nonEmptyString(node, "time.field") { time.field = field }
        if let node = present(entries, "out_of_orderness"), let value = duration(node, "time.out_of_orderness", allowZero: true) {
            time.outOfOrderness = value
        }
        if let node = present(entries, "idle_timeout"), let value = duration(node, "time.idle_timeout") { time.idleTimeout = value }
    }

    private mutating func rules(_ node: Node, into rules: inout DaemonConfig.Rules) {
        guard let entries = mapping(node, "rules", allowed: ["paths", "control"]) else { return }
        if let node = present(entries, "paths") {
            if case .scalar = node, let path = nonEmptyString(node, "rules.paths") {
                rules.paths = [path]
            } else if let paths = stringList(node, "rules.paths") {
                rules.paths = paths
            }
        }
        if let node = present(entries, "control"), let control = mapping(node, "rules.control", allowed: ["file"]) {
            guard let fileNode = present(control, "file") else {
                error("'rules.control' needs 'file': the control stream to follow", at: node)
                return
            }
            rules.controlFile = nonEmptyString(fileNode, "rules.control.file")
        }
    }

    private mutating func sources(_ node: Node) -> [DaemonConfig.Source] {
        guard case .sequence(let sequence) = node else {
            error("'sources' must be a list such as [{type: http}, {type: file, path: ./events.jsonl}]", at: node)
            return [.http]
        }
        var result: [DaemonConfig.Source] = []
        var seen: Set<String> = []
        for element in sequence {
            guard let entries = mapping(element, "a source", allowed: ["type", "path", "follow"]) else { continue }
            guard let typeNode = present(entries, "type"), let type = string(typeNode, "type") else {
                if present(entries, "type") == nil { error("a source needs 'type': file, stdin or http", at: element) }
                continue
            }
            switch type {
            case "file":
                guard let pathNode = present(entries, "path") else {
                    error("a file source needs 'path'", at: element)
                    continue
                }
                guard let path = nonEmptyString(pathNode, "path") else { continue }
                var follow = true
                if let followNode = present(entries, "follow"), let value = bool(followNode, "follow") { follow = value }
                if !seen.insert("file:" + path).inserted { error("the file \(path) is a source twice", at: element) }
                result.append(.file(path: path, follow: follow))
            case "stdin", "http":
                for key in ["path", "follow"] where entries[key] != nil {
                    error("'\(key)' applies to file sources only", at: entries[key]!.key)
                }
                if !seen.insert(type).inserted { error("only one \(type) source may be configured", at: element) }
                result.append(type == "stdin" ? .stdin : .http)
            default:
                error("unknown source type '\(type)' (expected file, stdin or http)", at: typeNode)
            }
        }
        return result
    }

    private mutating func receivers(_ node: Node, into receivers: inout [String: DaemonConfig.Receiver]) {
        guard case .mapping(let mapping) = node else {
            error("'receivers' must be a mapping of names to receivers", at: node)
            return
        }
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error("receiver names must be strings", at: keyNode)
                continue
            }
            let name = key.string
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) else {
                error("receiver name '\(name)' may hold only letters, digits, '-' and '_'", at: keyNode)
                continue
            }
            if let receiver = receiver(value, name: name) { receivers[name] = receiver }
        }
    }

    private mutating func receiver(_ node: Node, name: String) -> DaemonConfig.Receiver? {
        guard let entries = mapping(node, "receiver '\(name)'", allowed: [
            "type", "url", "format", "body", "headers", "secret", "timeout", "max_age", "concurrency",
        ]) else { return nil }
        guard let typeNode = present(entries, "type"), let type = string(typeNode, "receivers.\(name).type") else {
            if present(entries, "type") == nil { error("receiver '\(name)' needs 'type': webhook or stdout", at: node) }
            return nil
        }
        switch type {
        case "stdout":
            for key in entries.keys.sorted() where key != "type" {
                error("'\(key)' does not apply to a stdout receiver", at: entries[key]!.key)
            }
            return .stdout
        case "webhook":
            guard let urlNode = present(entries, "url") else {
                error("webhook receiver '\(name)' needs 'url'", at: node)
                return nil
            }
            guard let url = string(urlNode, "receivers.\(name).url") else { return nil }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8 else {
                error("'receivers.\(name).url' must be an http:// or https:// URL, not '\(url)'", at: urlNode)
                return nil
            }
            var webhook = DaemonConfig.Webhook(url: url)
            if let formatNode = present(entries, "format"), let text = string(formatNode, "receivers.\(name).format") {
                if let format = DaemonConfig.ReceiverFormat(rawValue: text) {
                    webhook.format = format
                } else {
                    error("'receivers.\(name).format' must be json, alertmanager or template, not '\(text)'", at: formatNode)
                }
            }
            if let bodyNode = present(entries, "body") {
                if webhook.format != .template {
                    error("'body' applies to format: template only", at: entries["body"]!.key)
                }
                webhook.body = expanded(YAMLValueConverter.value(of: bodyNode), at: bodyNode)
                if webhook.format == .template {
                    // Its `{{ … }}` pieces compile now, not at the first alert.
                    do {
                        _ = try WebhookBody(receiver: name, config: webhook)
                    } catch {
                        self.error(error.description, at: bodyNode)
                    }
                }
            } else if webhook.format == .template {
                error("receiver '\(name)' has format: template but no 'body'", at: node)
            }
            if let headersNode = present(entries, "headers") {
                if case .mapping(let headers) = headersNode {
                    for (headerKey, headerValue) in headers {
                        guard case .scalar(let headerName) = headerKey, !headerName.string.isEmpty else {
                            error("header names must be strings", at: headerKey)
                            continue
                        }
                        if let text = string(headerValue, "header \(headerName.string)") { webhook.headers[headerName.string] = text }
                    }
                } else {
                    error("'receivers.\(name).headers' must be a mapping of header names to values", at: headersNode)
                }
            }
            if let secretNode = present(entries, "secret"), let secret = string(secretNode, "receivers.\(name).secret") {
                webhook.secret = secret.isEmpty ? nil : secret
            }
            if let node = present(entries, "timeout"), let value = duration(node, "receivers.\(name).timeout") { webhook.timeout = value }
            if let node = present(entries, "max_age"), let value = duration(node, "receivers.\(name).max_age") { webhook.maxAge = value }
            if let node = present(entries, "concurrency"), let value = integer(node, "receivers.\(name).concurrency", in: 1...1024) {
                webhook.concurrency = value
            }
            return .webhook(webhook)
        default:
            error("unknown receiver type '\(type)' (expected webhook or stdout)", at: typeNode)
            return nil
        }
    }

    private mutating func http(_ node: Node, into http: inout DaemonConfig.HTTP) {
        guard let entries = mapping(node, "http", allowed: ["listen", "token", "max_body"]) else { return }
        if let node = present(entries, "listen"), let listen = string(node, "http.listen") {
            if let (host, port) = Self.hostAndPort(listen) {
                http.host = host
                http.port = port
            } else {
                error("'http.listen' must be HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, not '\(listen)'", at: node)
            }
        }
        if let node = present(entries, "token"), let token = string(node, "http.token") { http.token = token.isEmpty ? nil : token }
        if let node = present(entries, "max_body"), let size = size(node, "http.max_body") { http.maxBody = size }
    }

    /// `HOST:PORT`, the host possibly a bracketed IPv6 address.
    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }

    // MARK: - Values

    private mutating func error(_ message: String, at node: Node) {
        let mark = node.mark
        diagnostics.append(Diagnostic(file: file, line: max(mark?.line ?? 1, 1), column: max(mark?.column ?? 1, 1), severity: .error, message: message))
    }

    private mutating func mapping(_ node: Node, _ what: String, allowed: Set<String>) -> Entries? {
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping", at: node)
            return nil
        }
        var result: Entries = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error("keys must be strings", at: key)
                continue
            }
            guard allowed.contains(scalar.string) else {
                error("unknown key '\(scalar.string)' in \(what) (expected one of \(allowed.sorted().joined(separator: ", ")))", at: key)
                continue
            }
            result[scalar.string] = (key, value)
        }
        return result
    }

    /// A key's value unless it is missing or null.
    private func present(_ entries: Entries, _ key: String) -> Node? {
        guard let node = entries[key]?.value, !YAMLValueConverter.isNull(node) else { return nil }
        return node
    }

    private func elementNode(_ node: Node, _ index: Int) -> Node {
        if case .sequence(let sequence) = node, index < sequence.count { return sequence[index] }
        return node
    }

    /// A scalar's text with `${VAR}` expanded.
    private mutating func string(_ node: Node, _ name: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("'\(name)' must be a string", at: node)
            return nil
        }
        switch EnvironmentExpansion.expand(scalar.string, environment: environment) {
        case .success(let text): return text
        case .failure(let failure):
            error("in '\(name)': \(failure.description)", at: node)
            return nil
        }
    }

    private mutating func nonEmptyString(_ node: Node, _ name: String) -> String? {
        guard let text = string(node, name) else { return nil }
        guard !text.isEmpty else {
            error("'\(name)' must not be empty", at: node)
            return nil
        }
        return text
    }

    private mutating func stringList(_ node: Node, _ name: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            error("'\(name)' must be a list of strings", at: node)
            return nil
        }
        var result: [String] = []
        for element in sequence {
            if let text = nonEmptyString(element, name) { result.append(text) }
        }
        return result
    }

    private mutating func bool(_ node: Node, _ name: String) -> Bool? {
        switch string(node, name) {
        case "true"?: return true
        case "false"?: return false
        case nil: return nil
        default:
            error("'\(name)' must be true or false", at: node)
            return nil
        }
    }

    private mutating func integer(_ node: Node, _ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, name) else { return nil }
        guard let value = Int(text.trimmingSpaces), range.contains(value) else {
            error("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'", at: node)
            return nil
        }
        return value
    }

    private mutating func duration(_ node: Node, _ name: String, allowZero: Bool = false) -> Int64? {
        guard let text = string(node, name) else { return nil }
        guard let value = DurationParser.milliseconds(text.trimmingSpaces) else {
            error("bad duration '\(text)' for '\(name)': expected e.g. 250ms, 30s, 10m, 2h or 1h30m", at: node)
            return nil
        }
        guard value > 0 || allowZero else {
            error("'\(name)' must be greater than zero", at: node)
            return nil
        }
        return value
    }

    private mutating func size(_ node: Node, _ name: String) -> Int64? {
        guard let text = string(node, name) else { return nil }
        guard let value = SizeParser.bytes(text.trimmingSpaces), value > 0 else {
            error("bad size '\(text)' for '\(name)': expected e.g. 512MiB, 1GiB or 10MB", at: node)
            return nil
        }
        return value
    }

    /// A template body with `${VAR}` expanded in its strings.
    private mutating func expanded(_ value: Value, at node: Node) -> Value {
        switch value {
        case .string(let text):
            switch EnvironmentExpansion.expand(text, environment: environment) {
            case .success(let result): return .string(result)
            case .failure(let failure):
                error("in 'body': \(failure.description)", at: node)
                return value
            }
        case .array(let elements): return .array(elements.map { expanded($0, at: node) })
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object.pairs { result[key] = expanded(member, at: node) }
            return .object(result)
        default: return value
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
