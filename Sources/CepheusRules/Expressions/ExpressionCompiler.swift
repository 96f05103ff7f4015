import CepheusCore

/// Compiles expression text into `CompiledExpression`s for one rule, resolving the
/// rule's step names (rules.md section 4: a step name is the list of events matched
/// to that step; `event` is the current event; `key` the rule's key; any other name a
/// field of the current event). `event` and `key` win over a step of the same name
/// (`warnings` reports it).
///
/// Choices where rules.md is silent:
/// - Member access on a scalar is null; on a list it projects each element's field.
///   Indexing a list or string out of range, or with a null index, is null; indexing a
///   number or bool, or with an index of the wrong type, is a type error.
/// - `!null` and `-null` are null; `&&`/`||` use three-valued logic (`null && false` is
///   false, `null && true` null, `null || true` true, `null || false` null).
/// - `null in "text"` is false (another non-string on the left is a type error); a
///   non-string `in` an object is false.
/// - A float result that is not finite (overflow) is a type error, as is integer
///   overflow; `Int64.min % -1` is 0.
/// - `has(path)` is true when the path resolves to a present, non-null value.
/// - `count(null)` is 0, `len(null)` null; `int(bool)` is 0/1; `string(null)` is null.
/// - `matches` uses Swift Regex syntax (PCRE/ICU-like: classes, quantifiers, groups,
///   anchors, \d \w \s, case-insensitive via (?i)); a literal pattern is compiled once
///   here (invalid = compile error), a dynamic one at run time (invalid = type error).
/// - Strings compare, and `in`/`contains`/`startsWith`/`endsWith` search, by Unicode
///   scalars; `lower`/`upper` use Swift's full Unicode case mapping.
/// - `a not in b` is accepted as `!(a in b)`; a trailing comma in a list is accepted.
public struct ExpressionCompiler: Sendable {
    /// The rule's pattern step names, in pattern order.
    public let stepNames: [String]
    /// Step name -> step index (the first step of a repeated name wins).
    let stepIndices: [String: Int]

    /// stepNames: the rule's pattern step names, in pattern order (index = step index for
    /// `EvaluationScope.steps`).
    public init(stepNames: [String]) {
        self.stepNames = stepNames
        var indices: [String: Int] = [:]
        for (index, name) in stepNames.enumerated() where indices[name] == nil {
            indices[name] = index
        }
        stepIndices = indices
    }

    /// Parses and compiles; unknown functions, wrong arity, bad literal regex are errors.
    public func compile(_ text: String) throws(ExpressionError) -> CompiledExpression {
        try compile(ExpressionParser.parse(text), text: text)
    }

    /// Compiles an already parsed expression whose source is `text`.
    func compile(_ node: ExpressionNode, text: String) throws(ExpressionError) -> CompiledExpression {
        var generator = ExpressionCodeGenerator(stepIndices: stepIndices)
        let fragment = try generator.generate(node)
        var prefilter: ExpressionEvaluator?
        if generator.referencesSteps {
            prefilter = try stepFreePrefix(of: node)
        }
        var fieldPath: [Int32]?
        if let path = fragment.path, case .event = path.root, !path.components.isEmpty {
            fieldPath = path.components.map { FieldNames.shared.intern($0) }
        }
        return CompiledExpression(
            text: text, referencesSteps: generator.referencesSteps,
            evaluator: fragment.evaluate, constant: fragment.constant, prefilter: prefilter, fieldPath: fieldPath,
            leadingEquality: leadingEquality(of: node))
    }

    /// The `FIELD == "text"` that `node` is, or that its `&&` chain starts with.
    private func leadingEquality(of node: ExpressionNode) -> (path: [Int32], utf8: [UInt8])? {
        var first = node
        while case .binary(.and, let left, _, _) = first { first = left }
        guard case .binary(.equal, let left, let right, _) = first else { return nil }
        var probe = ExpressionCodeGenerator(stepIndices: stepIndices)
        guard let field = try? probe.generate(left), let value = try? probe.generate(right), !probe.referencesSteps,
              let path = field.path, case .event = path.root, !path.components.isEmpty,
              case .string(let text)? = value.constant
        else { return nil }
        return (path.components.map { FieldNames.shared.intern($0) }, Array(text.utf8))
    }

    /// The leading operands of a top-level `&&` chain that name no step, compiled.
    private func stepFreePrefix(of node: ExpressionNode) throws(ExpressionError) -> ExpressionEvaluator? {
        var operands: [ExpressionNode] = []
        func flatten(_ node: ExpressionNode) {
            if case .binary(.and, let left, let right, _) = node {
                flatten(left)
                operands.append(right)
            } else {
                operands.append(node)
            }
        }
        flatten(node)
        guard operands.count > 1 else { return nil }
        var prefix: ExpressionNode?
        for operand in operands {
            var probe = ExpressionCodeGenerator(stepIndices: stepIndices)
            _ = try probe.generate(operand)
            if probe.referencesSteps { break }
            prefix = prefix.map { .binary(.and, $0, operand, offset: $0.offset) } ?? operand
        }
        guard let prefix else { return nil }
        var generator = ExpressionCodeGenerator(stepIndices: stepIndices)
        return try generator.generate(prefix).evaluate
    }

    /// Warnings found while compiling `text` (e.g. a bare name that is a step name used
    /// where a scalar field looks intended: compared with ==, <, etc. or used in
    /// arithmetic/as a condition directly). Never throws: returns [] if it does not parse.
    public func warnings(_ text: String) -> [ExpressionWarning] {
        guard let node = try? ExpressionParser.parse(text) else { return [] }
        return warnings(node)
    }

    /// Warnings for an already parsed expression.
    func warnings(_ node: ExpressionNode) -> [ExpressionWarning] {
        var collector = ExpressionWarningCollector(stepNames: Set(stepNames))
        collector.visit(node, scalar: false)
        return collector.warnings
    }
}
