import CepheusCore

/// The compiled form of an expression: a closure over the evaluation scope.
typealias ExpressionEvaluator = @Sendable (EvaluationScope) throws(EvaluationError) -> Value

/// Turns an `ExpressionNode` tree into a tree of closures, once: step names resolved
/// to pattern indices, field paths to `[String]` arrays, literal regular expressions
/// compiled, and operations whose operands are all constants folded (unless they fail,
/// in which case the type error is left to happen, and be counted, at run time).
struct ExpressionCodeGenerator {
    /// Step name -> index in the pattern.
    let stepIndices: [String: Int]
    /// Set when the expression names a step.
    private(set) var referencesSteps = false

    init(stepIndices: [String: Int]) {
        self.stepIndices = stepIndices
    }

    /// A compiled sub-expression.
    struct Fragment {
        var evaluate: ExpressionEvaluator
        /// Its value, when it does not depend on the scope.
        var constant: Value?
        /// For a name or a member chain on one: where it starts and the fields it follows.
        var path: Path?

        static func constant(_ value: Value) -> Fragment {
            Fragment(evaluate: { _ in value }, constant: value, path: nil)
        }

        init(evaluate: @escaping ExpressionEvaluator, constant: Value? = nil, path: Path? = nil) {
            self.evaluate = evaluate
            self.constant = constant
            self.path = path
        }
    }

    /// A name (`event`, `key`, a step, or implicitly `event` for a bare field) and the
    /// member names that follow it.
    struct Path {
        /// Where the path starts: the event, the key, a step's events, or the first or
        /// last event of a step (`first(step)`, `last(step)`).
        enum Root { case event, key, step(Int), stepFirst(Int), stepLast(Int) }
        var root: Root
        var components: [String]
    }

    private static var emptyScope: EvaluationScope { EvaluationScope(event: nil, key: .null) }

    /// `evaluate` as a constant when every part is constant and it succeeds.
    private func folded(_ evaluate: @escaping ExpressionEvaluator, _ parts: [Fragment]) -> Fragment {
        if parts.allSatisfy({ $0.constant != nil }), let value = try? evaluate(Self.emptyScope) {
            return .constant(value)
        }
        return Fragment(evaluate: evaluate)
    }

    mutating func generate(_ node: ExpressionNode) throws(ExpressionError) -> Fragment {
        switch node {
        case .literal(let value, _):
            return .constant(value)

        case .list(let elements, _):
            var parts: [Fragment] = []
            for element in elements { parts.append(try generate(element)) }
            let evaluators = parts.map(\.evaluate)
            return folded({ scope throws(EvaluationError) in
                var values: [Value] = []
                values.reserveCapacity(evaluators.count)
                for evaluate in evaluators { values.append(try evaluate(scope)) }
                return .array(values)
            }, parts)

        case .name(let name, _):
            switch name {
            case "event": return pathFragment(Path(root: .event, components: []))
            case "key": return pathFragment(Path(root: .key, components: []))
            default:
                if let index = stepIndices[name] {
                    referencesSteps = true
                    return pathFragment(Path(root: .step(index), components: []))
                }
                return pathFragment(Path(root: .event, components: [name]))
            }

        case .member(let base, let name, _):
            let fragment = try generate(base)
            if var path = fragment.path {
                path.components.append(name)
                return pathFragment(path)
            }
            let evaluate = fragment.evaluate
            return folded({ scope throws(EvaluationError) in
                ExpressionOperations.member(try evaluate(scope), name)
            }, [fragment])

        case .index(let base, let index, _):
            let baseFragment = try generate(base)
            let indexFragment = try generate(index)
            let evaluateBase = baseFragment.evaluate
            if let constantIndex = indexFragment.constant {
                return folded({ scope throws(EvaluationError) in
                    try ExpressionOperations.index(try evaluateBase(scope), constantIndex)
                }, [baseFragment])
            }
            let evaluateIndex = indexFragment.evaluate
            return folded({ scope throws(EvaluationError) in
                try ExpressionOperations.index(try evaluateBase(scope), try evaluateIndex(scope))
            }, [baseFragment, indexFragment])

        case .call(let name, let arguments, let offset):
            return try call(name, arguments, offset: offset)

        case .unary(let op, let operand, _):
            let fragment = try generate(operand)
            let evaluate = fragment.evaluate
            switch op {
            case .not:
                return folded({ scope throws(EvaluationError) in
                    try ExpressionOperations.not(try evaluate(scope))
                }, [fragment])
            case .negate:
                return folded({ scope throws(EvaluationError) in
                    try ExpressionOperations.negate(try evaluate(scope))
                }, [fragment])
            }

        case .binary(let op, let left, let right, _):
            return try binary(op, left, right)

        case .conditional(let condition, let then, let otherwise, _):
            let conditionFragment = try generate(condition)
            let thenFragment = try generate(then)
            let otherwiseFragment = try generate(otherwise)
            switch conditionFragment.constant {
            case .bool(true)?: return thenFragment
            case .bool(false)?, .null?: return otherwiseFragment
            default: break
            }
            let test = conditionFragment.evaluate
            let evaluateThen = thenFragment.evaluate
            let evaluateOtherwise = otherwiseFragment.evaluate
            return Fragment(evaluate: { scope throws(EvaluationError) in
                switch try test(scope) {
                case .bool(true): return try evaluateThen(scope)
                case .bool(false), .null: return try evaluateOtherwise(scope)
                case let value:
                    throw EvaluationError(message: "'? :' needs a bool condition, not \(ExpressionOperations.typeName(value))")
                }
            })
        }
    }

    /// A name or member chain, followed field by field (stopping early at null). Event
    /// fields are resolved to interned ids here, once, and read from the event's tape.
    private func pathFragment(_ path: Path) -> Fragment {
        let components = path.components
        let ids = components.map { FieldNames.shared.intern($0) }
        let evaluate: ExpressionEvaluator
        switch path.root {
        case .event:
            if ids.isEmpty {
                evaluate = { scope in scope.event?.value ?? .null }
            } else {
                evaluate = { scope in scope.event?.value(atPath: ids) ?? .null }
            }
        case .key:
            evaluate = { scope in Self.follow(scope.key, components) }
        case .step(let index):
            // A projection: the path on each event, null where it is missing.
            evaluate = { scope in
                let events = scope.steps?.events(ofStep: index) ?? []
                return .array(events.map { event in ids.isEmpty ? event.value : event.value(atPath: ids) ?? .null })
            }
        case .stepFirst(let index), .stepLast(let index):
            let first: Bool
            if case .stepFirst = path.root { first = true } else { first = false }
            evaluate = { scope in
                guard let event = scope.steps?.event(ofStep: index, first: first) else { return .null }
                return ids.isEmpty ? event.value : event.value(atPath: ids) ?? .null
            }
        }
        return Fragment(evaluate: evaluate, path: path)
    }

    private static func follow(_ start: Value, _ components: [String]) -> Value {
        var value = start
        for component in components {
            if case .null = value { return .null }
            value = ExpressionOperations.member(value, component)
        }
        return value
    }

    /// `true` for a name or a member chain on a name: what `has()` accepts.
    private static func isPath(_ node: ExpressionNode) -> Bool {
        switch node {
        case .name: return true
        case .member(let base, _, _): return isPath(base)
        default: return false
        }
    }

    private mutating func call(_ name: String, _ arguments: [ExpressionNode], offset: Int) throws(ExpressionError) -> Fragment {
        guard let function = ExpressionBuiltin(name: name) else {
            throw ExpressionError(message: "unknown function '\(name)'", offset: offset)
        }
        guard arguments.count == function.arity else {
            throw ExpressionError(message: "\(function.arityDescription), got \(arguments.count)", offset: offset)
        }
        if function == .has, !Self.isPath(arguments[0]) {
            throw ExpressionError(
                message: "has() needs a field path such as has(geo.country)", offset: arguments[0].offset)
        }
        // `first(step)` / `last(step)`: read the one event in place instead of
        // materializing the step's list (so `first(a).ip` reads one field).
        if function == .first || function == .last, case .name(let stepName, _) = arguments[0],
           let index = stepIndices[stepName] {
            referencesSteps = true
            return pathFragment(Path(root: function == .first ? .stepFirst(index) : .stepLast(index), components: []))
        }
        var parts: [Fragment] = []
        for argument in arguments { parts.append(try generate(argument)) }

        if function == .matches, let pattern = parts[1].constant {
            switch pattern {
            case .null:
                break
            case .string(let text):
                let regex: ExpressionRegex
                do {
                    regex = try ExpressionRegex(text)
                } catch {
                    throw ExpressionError(message: "invalid regular expression: \(error)", offset: arguments[1].offset)
                }
                let subject = parts[0].evaluate
                return folded({ scope throws(EvaluationError) in
                    try ExpressionBuiltin.matches(try subject(scope), pattern, regex: regex)
                }, [parts[0]])
            default:
                throw ExpressionError(
                    message: "matches() needs a string pattern, not \(ExpressionOperations.typeName(pattern))",
                    offset: arguments[1].offset)
            }
        }

        switch parts.count {
        case 1:
            let a = parts[0].evaluate
            return folded({ scope throws(EvaluationError) in try function.apply(try a(scope)) }, parts)
        case 2:
            let a = parts[0].evaluate, b = parts[1].evaluate
            return folded({ scope throws(EvaluationError) in try function.apply(try a(scope), try b(scope)) }, parts)
        default:
            let evaluators = parts.map(\.evaluate)
            return folded({ scope throws(EvaluationError) in
                var values: [Value] = []
                values.reserveCapacity(evaluators.count)
                for evaluate in evaluators { values.append(try evaluate(scope)) }
                return try function.apply(values)
            }, parts)
        }
    }

    private typealias Operation = @Sendable (Value, Value) throws(EvaluationError) -> Value

    private static func operation(_ op: ExpressionBinaryOperator) -> Operation {
        switch op {
        case .equal: return { a, b in .bool(ExpressionOperations.equal(a, b)) }
        case .notEqual: return { a, b in .bool(!ExpressionOperations.equal(a, b)) }
        case .less: return { a, b throws(EvaluationError) in try ExpressionOperations.ordered(a, b, "<") { $0 < 0 } }
        case .lessOrEqual: return { a, b throws(EvaluationError) in try ExpressionOperations.ordered(a, b, "<=") { $0 <= 0 } }
        case .greater: return { a, b throws(EvaluationError) in try ExpressionOperations.ordered(a, b, ">") { $0 > 0 } }
        case .greaterOrEqual: return { a, b throws(EvaluationError) in try ExpressionOperations.ordered(a, b, ">=") { $0 >= 0 } }
        case .in: return { a, b throws(EvaluationError) in .bool(try ExpressionOperations.isMember(a, of: b)) }
        case .add: return { a, b throws(EvaluationError) in try ExpressionOperations.add(a, b) }
        case .subtract: return { a, b throws(EvaluationError) in try ExpressionOperations.subtract(a, b) }
        case .multiply: return { a, b throws(EvaluationError) in try ExpressionOperations.multiply(a, b) }
        case .divide: return { a, b throws(EvaluationError) in try ExpressionOperations.divide(a, b) }
        case .remainder: return { a, b throws(EvaluationError) in try ExpressionOperations.remainder(a, b) }
        case .and, .or: preconditionFailure("logical operators are compiled separately")
        }
    }

    private mutating func binary(_ op: ExpressionBinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode) throws(ExpressionError) -> Fragment {
        let leftFragment = try generate(left)
        let rightFragment = try generate(right)
        let l = leftFragment.evaluate, r = rightFragment.evaluate
        let parts = [leftFragment, rightFragment]
        switch op {
        case .and:
            if leftFragment.constant == .bool(false) { return .constant(.bool(false)) }
            if let fused = try fusedConjunction(.binary(.and, left, right, offset: left.offset)) { return fused }
            return folded({ scope throws(EvaluationError) in
                let a = try ExpressionOperations.logical(try l(scope), "&&")
                if a == false { return .bool(false) }
                let b = try ExpressionOperations.logical(try r(scope), "&&")
                if b == false { return .bool(false) }
                return a == true && b == true ? .bool(true) : .null
            }, parts)
        case .or:
            if leftFragment.constant == .bool(true) { return .constant(.bool(true)) }
            return folded({ scope throws(EvaluationError) in
                let a = try ExpressionOperations.logical(try l(scope), "||")
                if a == true { return .bool(true) }
                let b = try ExpressionOperations.logical(try r(scope), "||")
                if b == true { return .bool(true) }
                return a == false && b == false ? .bool(false) : .null
            }, parts)
        default:
            let operation = Self.operation(op)
            // `field == constant` / `field != constant`, the commonest condition shape:
            // one closure, the field compared in place on the event's tape.
            if op == .equal || op == .notEqual, let constant = rightFragment.constant,
               let path = leftFragment.path, case .event = path.root, !path.components.isEmpty {
                let ids = path.components.map { FieldNames.shared.intern($0) }
                let wanted = op == .equal
                let nullEquals = ExpressionOperations.equal(.null, constant)
                if case .string(let text) = constant {
                    // Strings are equal when their scalars are (rules.md 4), that is
                    // when their UTF-8 bytes are: compared in place, nothing built.
                    let utf8 = Array(text.utf8)
                    return folded({ scope throws(EvaluationError) in
                        guard let event = scope.event else { return .bool(nullEquals == wanted) }
                        let equal = event.withTape { tape -> Bool in
                            guard let index = tape.path(ids) else { return nullEquals }
                            return utf8.withUnsafeBytes { tape.string(at: index, equals: $0) }
                        }
                        return .bool(equal == wanted)
                    }, parts)
                }
                return folded({ scope throws(EvaluationError) in
                    guard let event = scope.event else { return .bool(nullEquals == wanted) }
                    let equal = event.withTape { tape -> Bool in
                        guard let index = tape.path(ids) else { return nullEquals }
                        return ExpressionOperations.equal(tape.value(at: index), constant)
                    }
                    return .bool(equal == wanted)
                }, parts)
            }
            if let constant = rightFragment.constant {
                return folded({ scope throws(EvaluationError) in try operation(try l(scope), constant) }, parts)
            }
            return folded({ scope throws(EvaluationError) in try operation(try l(scope), try r(scope)) }, parts)
        }
    }

    /// `FIELD in [texts]` or `!(FIELD in [texts])` with a literal list of strings, as a
    /// tape test; `nil` for anything else.
    private func fieldMembership(_ node: ExpressionNode) throws(ExpressionError) -> FieldTest? {
        var negated = false
        var membership = node
        if case .unary(.not, let operand, _) = node {
            negated = true
            membership = operand
        }
        guard case .binary(.in, let left, let right, _) = membership else { return nil }
        var probe = ExpressionCodeGenerator(stepIndices: stepIndices)
        let field = try probe.generate(left)
        let list = try probe.generate(right)
        guard !probe.referencesSteps, let path = field.path, case .event = path.root, !path.components.isEmpty,
              case .array(let elements)? = list.constant
        else { return nil }
        var texts: [[UInt8]] = []
        for element in elements {
            guard case .string(let text) = element else { return nil }
            texts.append(Array(text.utf8))
        }
        let ids = path.components.map { FieldNames.shared.intern($0) }
        return FieldTest(path: ids, comparison: .member(texts: texts, negated: negated), constant: .null)
    }

    /// An `&&` chain whose every operand compares an event field with a constant,
    /// compiled into one closure that tests them in order on the event's tape: no
    /// intermediate values, one look at the event. `nil` when the chain has any other
    /// operand (the general evaluator handles it).
    private func fusedConjunction(_ node: ExpressionNode) throws(ExpressionError) -> Fragment? {
        var operands: [ExpressionNode] = []
        func flatten(_ node: ExpressionNode) {
            if case .binary(.and, let left, let right, _) = node {
                flatten(left)
                flatten(right)
            } else {
                operands.append(node)
            }
        }
        flatten(node)
        var tests: [FieldTest] = []
        for operand in operands {
            if let membership = try fieldMembership(operand) {
                tests.append(membership)
                continue
            }
            guard case .binary(let op, let left, let right, _) = operand else { return nil }
            var probe = ExpressionCodeGenerator(stepIndices: stepIndices)
            let field = try probe.generate(left)
            let value = try probe.generate(right)
            guard !probe.referencesSteps, let path = field.path, case .event = path.root, !path.components.isEmpty,
                  let constant = value.constant else { return nil }
            let ids = path.components.map { FieldNames.shared.intern($0) }
            let comparison: FieldTest.Comparison
            switch op {
            case .equal: comparison = .equal
            case .notEqual: comparison = .notEqual
            case .less: comparison = .ordered(symbol: "<", accept: { $0 < 0 })
            case .lessOrEqual: comparison = .ordered(symbol: "<=", accept: { $0 <= 0 })
            case .greater: comparison = .ordered(symbol: ">", accept: { $0 > 0 })
            case .greaterOrEqual: comparison = .ordered(symbol: ">=", accept: { $0 >= 0 })
            default: return nil
            }
            tests.append(FieldTest(path: ids, comparison: comparison, constant: constant))
        }
        guard tests.count > 1 else { return nil }
        // `tests` keeps them alive; the closure reads them unretained (a test is
        // evaluated for every event: no reference count to update each time).
        let fused = FieldTest.Unretained(tests)
        return Fragment(evaluate: { scope throws(EvaluationError) in
            // Without an event every field is null, as on an empty object.
            let event = scope.event ?? FieldTest.emptyEvent
            let outcome = event.withTape { tape -> Result<Bool, EvaluationError> in
                fused.references.withUnsafeBufferPointer { tests -> Result<Bool, EvaluationError> in
                    for index in tests.indices {
                        do throws(EvaluationError) {
                            let passed = tests[index]._withUnsafeGuaranteedRef { test in
                                Result { () throws(EvaluationError) in try test.evaluate(tape) }
                            }
                            if try !passed.get() { return .success(false) }
                        } catch {
                            return .failure(error)
                        }
                    }
                    return .success(true)
                }
            }
            return .bool(try outcome.get())
        })
    }
}
