/// Finds doubtful uses of names in a parsed expression (reported by `cepheus check` as
/// warnings): a bare step name where a scalar field looks intended (compared, used in
/// arithmetic or logic, passed to a function that wants a scalar), and `event` / `key`
/// when a step has that name (the name then means the event or key, not the step).
struct ExpressionWarningCollector {
    let stepNames: Set<String>
    private(set) var warnings: [ExpressionWarning] = []

    init(stepNames: Set<String>) {
        self.stepNames = stepNames
    }

    /// `true` for an operand that makes a step list on the other side plausible.
    private func isListLike(_ node: ExpressionNode) -> Bool {
        switch node {
        case .list: return true
        case .name(let name, _): return stepNames.contains(name) && name != "event" && name != "key"
        default: return false
        }
    }

    /// Visits `node`; `scalar` tells whether its context expects a scalar value.
    mutating func visit(_ node: ExpressionNode, scalar: Bool) {
        switch node {
        case .literal:
            break
        case .name(let name, let offset):
            guard stepNames.contains(name) else { return }
            if name == "event" || name == "key" {
                warnings.append(ExpressionWarning(
                    message: "'\(name)' is the current \(name == "event" ? "event" : "key") here, not the step of that name",
                    offset: offset))
            } else if scalar {
                warnings.append(ExpressionWarning(
                    message: "'\(name)' names a step, not the field of that name; write event.\(name) for the field",
                    offset: offset))
            }
        case .list(let elements, _):
            for element in elements { visit(element, scalar: false) }
        case .member(let base, _, _):
            visit(base, scalar: false)
        case .index(let base, let index, _):
            visit(base, scalar: false)
            visit(index, scalar: true)
        case .call(let name, let arguments, _):
            let scalarArguments = ExpressionBuiltin(name: name)?.expectsScalarArguments ?? false
            for (position, argument) in arguments.enumerated() {
                // contains(list, x): the element looked for is a scalar.
                let isElement = name == "contains" && position == 1
                visit(argument, scalar: scalarArguments || isElement)
            }
        case .unary(_, let operand, _):
            visit(operand, scalar: true)
        case .binary(let op, let left, let right, _):
            switch op {
            case .and, .or, .subtract, .multiply, .divide, .remainder:
                visit(left, scalar: true)
                visit(right, scalar: true)
            case .in:
                visit(left, scalar: true)
                visit(right, scalar: false)
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .add:
                visit(left, scalar: !isListLike(right))
                visit(right, scalar: !isListLike(left))
            }
        case .conditional(let condition, let then, let otherwise, _):
            visit(condition, scalar: true)
            visit(then, scalar: scalar)
            visit(otherwise, scalar: scalar)
        }
    }
}
