import CepheusCore
import Yams

/// Validates one YAML document holding one rule (rules.md section 2) and builds the
/// `Rule`. Every problem found is recorded as a diagnostic at the offending node;
/// validation goes on after an error so that a file reports all of its mistakes.
struct RuleDocumentValidator {
    let file: String
    let source: SourceText
    let knownReceivers: Set<String>?
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var hasErrors = false

    static let ruleKeys: Set<String> = [
        "id", "description", "severity", "labels", "enabled", "key", "within", "skip",
        "max_partial_matches", "on_timeout", "pattern", "alert",
    ]
    static let stepKeys: Set<String> = [
        "name", "where", "times", "optional", "greedy", "until", "loop", "contiguity", "absent",
    ]
    static let alertKeys: Set<String> = ["title", "fields", "notify", "throttle"]

    init(file: String, source: SourceText, knownReceivers: Set<String>?) {
        self.file = file
        self.source = source
        self.knownReceivers = knownReceivers
    }

    // MARK: - Rule

    /// The rule in `root`, or `nil` when the document has any error.
    mutating func validate(_ root: Node) -> LoadedRule? {
        guard case .mapping(let mapping) = root else {
            error("a rule must be a mapping of keys to values", at: root)
            return nil
        }
        let entries = self.entries(of: mapping, allowed: Self.ruleKeys)

        // id
        var id: String?
        var idLocation = location(of: root)
        if let node = entries["id"]?.value, !YAMLValueConverter.isNull(node) {
            idLocation = location(of: node)
            if let text = string(node, "id") {
                if Self.isValidRuleID(text) {
                    id = text
                } else {
                    error("invalid rule id '\(text)': it must match [a-z0-9][a-z0-9_.-]*", at: node)
                }
            }
        } else {
            error("missing required key 'id'", at: root)
        }

        let description = optional(entries, "description").flatMap { string($0, "description") }

        var severity = Severity.medium
        if let node = optional(entries, "severity"), let text = string(node, "severity") {
            if let value = Severity(rawValue: text) {
                severity = value
            } else {
                error("unknown severity '\(text)': expected info, low, medium, high or critical", at: node)
            }
        }

        let labels = optional(entries, "labels").map { self.labels($0) } ?? []

        var enabled = true
        if let node = optional(entries, "enabled"), let value = bool(node, "enabled") {
            enabled = value
        }

        var within: Int64?
        let withinNode = optional(entries, "within")
        if let node = withinNode {
            within = duration(node, "within")
        }

        var maxPartialMatches = 10_000
        if let node = optional(entries, "max_partial_matches"), let value = int(node, "max_partial_matches") {
            if value >= 1, value <= Int64(Int.max) {
                maxPartialMatches = Int(value)
            } else {
                error("'max_partial_matches' must be a positive integer", at: node)
            }
        }

        var onTimeout = TimeoutAction.ignore
        if let node = optional(entries, "on_timeout"), let text = string(node, "on_timeout") {
            if let value = TimeoutAction(rawValue: text) {
                onTimeout = value
                if value == .alert, withinNode == nil {
                    error("'on_timeout: alert' needs 'within'", at: node)
                }
            } else {
                error("'on_timeout' must be ignore or alert (got '\(text)')", at: node)
            }
        }

        // pattern
        var steps: [Step] = []
        var stepNames: [String] = []
        if let node = entries["pattern"]?.value, !YAMLValueConverter.isNull(node) {
            (steps, stepNames) = pattern(node, hasWithin: withinNode != nil)
        } else {
            error("missing required key 'pattern'", at: root)
        }
        let compiler = ExpressionCompiler(stepNames: stepNames)

        // key: evaluated on the event alone, before any step, so no step names.
        var key: [CompiledExpression]?
        var keyIsComposite = false
        if let node = optional(entries, "key") {
            (key, keyIsComposite) = self.key(node)
        }

        var skip = SkipStrategy.pastLastEvent
        if let node = optional(entries, "skip") {
            skip = self.skip(node, stepNames: Set(stepNames)) ?? .pastLastEvent
        }

        var alert = AlertSpec()
        if let node = optional(entries, "alert") {
            alert = self.alert(node, compiler: compiler)
        }

        guard !hasErrors, let id else { return nil }
        let definition = YAMLValueConverter.value(of: root)
        let rule = Rule(
            id: id, description: description, severity: severity, labels: labels, enabled: enabled,
            key: key, keyIsComposite: keyIsComposite, within: within, skip: skip,
            maxPartialMatches: maxPartialMatches, onTimeout: onTimeout, pattern: steps, alert: alert,
            origin: file,
            matchingSignature: RuleSignature.matching(definition: definition, within: within, skip: skip),
            contentSignature: RuleSignature.content(definition: definition),
            definition: definition
        )
        return LoadedRule(rule: rule, idLine: idLocation.line, idColumn: idLocation.column)
    }

    static func isValidRuleID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, isLowerAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy {
            isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
    }

    static func isValidStepName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, (first >= 0x61 && first <= 0x7A) || first == UInt8(ascii: "_") else { return false }
        return bytes.dropFirst().allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    // MARK: - Sections

    private mutating func labels(_ node: Node) -> [(String, String)] {
        guard case .mapping(let mapping) = node else {
            error("'labels' must be a map of names to strings", at: node)
            return []
        }
        var labels: [(String, String)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                error("label names must be strings", at: keyNode)
                continue
            }
            guard case .scalar(let scalar) = valueNode, !YAMLValueConverter.isNull(valueNode) else {
                error("label '\(keyScalar.string)' must be a string", at: valueNode)
                continue
            }
            labels.append((keyScalar.string, scalar.string))
        }
        return labels
    }

    private mutating func key(_ node: Node) -> ([CompiledExpression]?, Bool) {
        let compiler = ExpressionCompiler(stepNames: [])
        switch node {
        case .scalar:
            if let expression = expression(node, "key", compiler: compiler) { return ([expression], false) }
            return (nil, false)
        case .sequence(let sequence) where !sequence.isEmpty:
            var expressions: [CompiledExpression] = []
            for element in sequence {
                if let expression = expression(element, "key", compiler: compiler) { expressions.append(expression) }
            }
            return (expressions, true)
        default:
            error("'key' must be an expression or a non-empty list of expressions", at: node)
            return (nil, false)
        }
    }

    private mutating func skip(_ node: Node, stepNames: Set<String>) -> SkipStrategy? {
        let message = "'skip' must be no_skip, to_next, past_last_event, {to_first: STEP} or {to_last: STEP}"
        switch node {
        case .scalar(let scalar):
            switch scalar.string {
            case "no_skip": return .noSkip
            case "to_next": return .toNext
            case "past_last_event": return .pastLastEvent
            default:
                error(message, at: node)
                return nil
            }
        case .mapping(let mapping) where mapping.count == 1:
            let (keyNode, valueNode) = mapping.first!
            let which = YAMLValueConverter.keyText(keyNode)
            guard which == "to_first" || which == "to_last" else {
                error(message, at: keyNode)
                return nil
            }
            guard let name = string(valueNode, which) else { return nil }
            guard stepNames.contains(name) else {
                error("'\(which)' names unknown step '\(name)'", at: valueNode)
                return nil
            }
            return which == "to_first" ? .toFirst(name) : .toLast(name)
        default:
            error(message, at: node)
            return nil
        }
    }

    private mutating func alert(_ node: Node, compiler: ExpressionCompiler) -> AlertSpec {
        guard case .mapping(let mapping) = node else {
            error("'alert' must be a map with title, fields, notify and throttle", at: node)
            return AlertSpec()
        }
        let entries = self.entries(of: mapping, allowed: Self.alertKeys)
        var spec = AlertSpec()
        if let node = optional(entries, "title"), let text = string(node, "title") {
            do {
                spec.title = try Template.parse(text, compiler: compiler)
            } catch {
                expressionError(error, in: node)
            }
        }
        if let node = optional(entries, "fields") {
            if case .mapping(let fields) = node {
                for (nameNode, valueNode) in fields {
                    guard case .scalar(let nameScalar) = nameNode else {
                        error("field names must be strings", at: nameNode)
                        continue
                    }
                    if let expression = expression(valueNode, "field '\(nameScalar.string)'", compiler: compiler) {
                        spec.fields.append((nameScalar.string, expression))
                    }
                }
            } else {
                error("'fields' must be a map of names to expressions", at: node)
            }
        }
        if let node = optional(entries, "notify") {
            if case .sequence(let sequence) = node {
                for element in sequence {
                    guard case .scalar(let scalar) = element, !YAMLValueConverter.isNull(element) else {
                        error("'notify' must be a list of receiver names", at: element)
                        continue
                    }
                    if let knownReceivers, !knownReceivers.contains(scalar.string) {
                        error("unknown receiver '\(scalar.string)'", at: element)
                    }
                    spec.notify.append(scalar.string)
                }
            } else {
                error("'notify' must be a list of receiver names", at: node)
            }
        }
        if let node = optional(entries, "throttle"), let value = duration(node, "throttle", allowZero: true) {
            spec.throttle = value > 0 ? value : nil
        }
        return spec
    }

    // MARK: - Pattern

    /// What the checks across steps need to know about one step.
    private struct StepFacts {
        var step: Step
        var node: Node
        var entries: [String: (key: Node, value: Node)]
        /// `times` was given and valid (or not given): quantifier checks are meaningful.
        var quantifierKnown = true
    }

    private mutating func pattern(_ node: Node, hasWithin: Bool) -> ([Step], [String]) {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            error("'pattern' must be a non-empty list of steps", at: node)
            return ([], [])
        }
        // First pass: names, so that expressions know every step.
        var facts: [StepFacts] = []
        var firstDefinition: [String: (line: Int, column: Int)] = [:]
        var names: [String] = []
        for element in sequence {
            guard case .mapping(let mapping) = element else {
                error("a pattern step must be a map with at least 'name'", at: element)
                continue
            }
            let entries = self.entries(of: mapping, allowed: Self.stepKeys)
            var name = ""
            if let nameNode = entries["name"]?.value, !YAMLValueConverter.isNull(nameNode) {
                if let text = string(nameNode, "name") {
                    if !Self.isValidStepName(text) {
                        error("invalid step name '\(text)': it must match [a-z_][a-z0-9_]*", at: nameNode)
                    } else if let first = firstDefinition[text] {
                        error("duplicate step name '\(text)' (first defined at \(file):\(first.line):\(first.column))", at: nameNode)
                    } else {
                        firstDefinition[text] = location(of: nameNode)
                    }
                    name = text
                }
            } else {
                error("missing required key 'name' in pattern step", at: element)
            }
            names.append(name)
            facts.append(StepFacts(step: Step(name: name), node: element, entries: entries))
        }
        let compiler = ExpressionCompiler(stepNames: names)

        // Second pass: each step on its own.
        for index in facts.indices {
            step(&facts[index], compiler: compiler)
        }

        // Checks across steps.
        for index in facts.indices {
            let current = facts[index]
            if index == 0 {
                if current.step.absent {
                    error("a pattern cannot start with an absent step", at: current.entries["absent"]?.key ?? current.node)
                }
                continue
            }
            let previous = facts[index - 1]
            if current.step.quantifier.optional, previous.step.greedy {
                let at = current.entries["optional"]?.key ?? current.entries["times"]?.key ?? current.node
                error("an optional step cannot follow a greedy step ('\(previous.step.name)')", at: at)
            }
            if current.step.absent, previous.step.quantifier.optional {
                error("an absent step cannot follow an optional step ('\(previous.step.name)')", at: current.entries["absent"]?.key ?? current.node)
            }
        }
        if let last = facts.last, facts.count > 1, last.step.absent, last.step.contiguity != .strict, !hasWithin {
            error("a pattern that ends with a relaxed absent step needs 'within'", at: last.entries["absent"]?.key ?? last.node)
        }
        return (facts.map(\.step), names)
    }

    private mutating func step(_ facts: inout StepFacts, compiler: ExpressionCompiler) {
        let entries = facts.entries
        func given(_ key: String) -> Node? {
            guard let node = entries[key]?.value, !YAMLValueConverter.isNull(node) else { return nil }
            return node
        }
        var step = facts.step
        if let node = given("absent"), let value = bool(node, "absent") {
            step.absent = value
        }
        if let node = given("where") {
            step.condition = expression(node, "where", compiler: compiler)
        }
        if let node = given("contiguity"), let value = contiguity(node, "contiguity") {
            step.contiguity = value
        }
        var timesGiven = false
        if let node = given("times") {
            timesGiven = true
            if let quantifier = times(node) {
                step.quantifier = quantifier
            } else {
                facts.quantifierKnown = false
            }
        }
        var optionalTrue = false
        if let node = given("optional"), let value = bool(node, "optional") {
            optionalTrue = value
            if value { step.quantifier.optional = true }
        }
        var greedyTrue = false
        if let node = given("greedy"), let value = bool(node, "greedy") {
            greedyTrue = value
        }
        var loopGiven = false
        if let node = given("loop") {
            loopGiven = true
            if let value = contiguity(node, "loop") { step.loop = value }
        }
        var untilNode: Node?
        if let node = given("until") {
            untilNode = node
            step.until = expression(node, "until", compiler: compiler)
        }

        if step.absent {
            // notFollowedBy / notNext take no quantifier at all.
            let offending: [(String, Bool)] = [
                ("times", timesGiven), ("optional", optionalTrue), ("greedy", greedyTrue),
                ("until", untilNode != nil), ("loop", loopGiven),
            ]
            for (key, present) in offending where present {
                error("an absent step cannot have '\(key)'", at: entries[key]!.key)
            }
            step.quantifier = .one
            step.greedy = false
            step.until = nil
        } else {
            step.greedy = greedyTrue
            if facts.quantifierKnown {
                if untilNode != nil, !step.quantifier.looping {
                    error("'until' is only allowed on a looping step (times: \"n+\")", at: entries["until"]!.key)
                }
                if greedyTrue, !timesGiven {
                    error("'greedy' needs 'times'", at: entries["greedy"]!.key)
                }
                if loopGiven, !timesGiven {
                    error("'loop' needs 'times'", at: entries["loop"]!.key)
                }
            }
            if greedyTrue, step.loop == .any {
                error("'greedy' cannot be combined with 'loop: any'", at: entries["greedy"]!.key)
            }
        }
        facts.step = step
    }

    /// `times`: an integer n >= 1, "n..m" (0 <= n <= m, m >= 1) or "n+" (n >= 0).
    private mutating func times(_ node: Node) -> Quantifier? {
        let message = "'times' must be an integer, \"n..m\" or \"n+\""
        guard case .scalar(let scalar) = node else {
            error(message, at: node)
            return nil
        }
        let text = scalar.string.trimmingSpaces
        var quantifier: Quantifier
        if let n = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || text.hasPrefix("-") {
            guard n >= 1 else {
                error("'times' must be at least 1 (use \"0..m\" or optional: true for an optional step)", at: node)
                return nil
            }
            quantifier = Quantifier(from: n, to: n, looping: false, optional: false)
        } else if text.hasSuffix("+"), let n = Self.natural(text.dropLast()) {
            quantifier = n == 0
                ? Quantifier(from: 1, to: 1, looping: true, optional: true)
                : Quantifier(from: n, to: n, looping: true, optional: false)
        } else if let range = text.range(of: ".."),
                  let n = Self.natural(text[..<range.lowerBound]),
                  let m = Self.natural(text[range.upperBound...]) {
            guard n <= m, m >= 1 else {
                error("'times' range \"\(text)\" needs n <= m and m >= 1", at: node)
                return nil
            }
            quantifier = n == 0
                ? Quantifier(from: 1, to: m, looping: false, optional: true)
                : Quantifier(from: n, to: m, looping: false, optional: false)
        } else {
            error(message, at: node)
            return nil
        }
        quantifier.hasTimes = true
        return quantifier
    }

    private static func natural(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private mutating func contiguity(_ node: Node, _ name: String) -> Contiguity? {
        guard let text = string(node, name) else { return nil }
        guard let value = Contiguity(rawValue: text) else {
            error("'\(name)' must be strict, relaxed or any (got '\(text)')", at: node)
            return nil
        }
        return value
    }

    // MARK: - Values

    /// The entries of a mapping by key, reporting unknown and non-string keys.
    private mutating func entries(of mapping: Node.Mapping, allowed: Set<String>) -> [String: (key: Node, value: Node)] {
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error("keys must be strings", at: key)
                continue
            }
            guard allowed.contains(scalar.string) else {
                error("unknown key '\(scalar.string)'", at: key)
                continue
            }
            result[scalar.string] = (key, value)
        }
        return result
    }

    /// The value of an optional key; an explicit null counts as not given.
    private func optional(_ entries: [String: (key: Node, value: Node)], _ key: String) -> Node? {
        guard let node = entries[key]?.value, !YAMLValueConverter.isNull(node) else { return nil }
        return node
    }

    /// A non-null scalar's text.
    private mutating func string(_ node: Node, _ name: String) -> String? {
        guard case .scalar(let scalar) = node, !YAMLValueConverter.isNull(node) else {
            error("'\(name)' must be a string", at: node)
            return nil
        }
        return scalar.string
    }

    private mutating func bool(_ node: Node, _ name: String) -> Bool? {
        if case .scalar(let scalar) = node, case .bool(let value) = YAMLValueConverter.value(of: scalar) {
            return value
        }
        error("'\(name)' must be true or false", at: node)
        return nil
    }

    private mutating func int(_ node: Node, _ name: String) -> Int64? {
        if case .scalar(let scalar) = node, case .int(let value) = YAMLValueConverter.value(of: scalar) {
            return value
        }
        error("'\(name)' must be an integer", at: node)
        return nil
    }

    /// A duration in milliseconds, > 0 (or >= 0 with `allowZero`).
    private mutating func duration(_ node: Node, _ name: String, allowZero: Bool = false) -> Int64? {
        guard case .scalar(let scalar) = node, !YAMLValueConverter.isNull(node) else {
            error("'\(name)' must be a duration such as 30s, 10m or 1h30m", at: node)
            return nil
        }
        let text = scalar.string.trimmingSpaces
        guard let value = DurationParser.milliseconds(text) else {
            error("bad duration '\(scalar.string)' for '\(name)': expected e.g. 250ms, 30s, 10m, 2h, 1d or 1h30m", at: node)
            return nil
        }
        guard value > 0 || allowZero else {
            error("'\(name)' must be a duration greater than zero", at: node)
            return nil
        }
        return value
    }

    /// A compiled expression from a scalar, with the compiler's warnings.
    private mutating func expression(_ node: Node, _ name: String, compiler: ExpressionCompiler) -> CompiledExpression? {
        guard case .scalar(let scalar) = node, !YAMLValueConverter.isNull(node) else {
            error("\(name.hasPrefix("field") ? name : "'\(name)'") must be an expression", at: node)
            return nil
        }
        do {
            let compiled = try compiler.compile(scalar.string)
            for warning in compiler.warnings(scalar.string) {
                let at = position(in: node, offset: warning.offset)
                report(.warning, warning.message, line: at.line, column: at.column)
            }
            return compiled
        } catch {
            expressionError(error, in: node)
            return nil
        }
    }

    private mutating func expressionError(_ error: ExpressionError, in node: Node) {
        let at = position(in: node, offset: error.offset)
        report(.error, error.message, line: at.line, column: at.column)
    }

    // MARK: - Positions and reports

    /// Where the character at `offset` of a scalar's value stands: exact for a plain or
    /// quoted scalar written on one line, else the scalar's own position.
    private func position(in node: Node, offset: Int) -> (line: Int, column: Int) {
        let start = location(of: node)
        if case .scalar(let scalar) = node, let column = source.column(ofOffset: offset, in: scalar) {
            return (start.line, column)
        }
        return start
    }

    private func location(of node: Node) -> (line: Int, column: Int) {
        guard let mark = node.mark else { return (1, 1) }
        return (max(mark.line, 1), max(mark.column, 1))
    }

    private mutating func error(_ message: String, at node: Node) {
        let at = location(of: node)
        report(.error, message, line: at.line, column: at.column)
    }

    private mutating func report(_ severity: Diagnostic.Severity, _ message: String, line: Int, column: Int) {
        if severity == .error { hasErrors = true }
        diagnostics.append(Diagnostic(file: file, line: line, column: column, severity: severity, message: message))
    }
}

private extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
