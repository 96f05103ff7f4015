import CepheusCore

/// Parses expression text into an `ExpressionNode` tree (rules.md section 4).
///
/// Precedence, lowest first: `? :` (right-associative); `||` / `or`; `&&` / `and`;
/// `==` `!=` `<` `<=` `>` `>=` `in` `not in` (not chainable: `a < b < c` is an error);
/// `+` `-`; `*` `/` `%`; prefix `!` / `not`, `-`; postfix `a.b`, `a[i]`, `f(x)`,
/// `x.f(y)`. `and`, `or`, `not`, `in`, `true`, `false` and `null` are keywords (still
/// usable as field names after a dot: `event.in`). Unknown functions and wrong argument
/// counts are reported here, at the function name.
public enum ExpressionParser {
    /// Parses `text`; throws the first syntax error with its `Character` offset.
    public static func parse(_ text: String) throws(ExpressionError) -> ExpressionNode {
        let tokens = try ExpressionLexer.tokenize(text)
        if tokens.count > maximumTokens {
            throw ExpressionError(message: "expression is too long (more than \(maximumTokens) tokens)", offset: tokens[maximumTokens].offset)
        }
        var parser = State(tokens: tokens)
        let node = try parser.parseConditional()
        let token = parser.current
        if token.kind != .end {
            throw ExpressionError(message: "unexpected \(token.display) after the expression", offset: token.offset)
        }
        return node
    }

    static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false", "null"]
    /// Deeper nesting than this is rejected rather than risking the stack.
    static let maximumDepth = 256
    /// Longer expressions are rejected.
    static let maximumTokens = 65_536

    struct State {
        let tokens: [ExpressionToken]
        var position = 0
        var depth = 0

        init(tokens: [ExpressionToken]) {
            self.tokens = tokens
        }

        var current: ExpressionToken { tokens[position] }

        func peekKind(_ ahead: Int) -> ExpressionToken.Kind {
            let index = Swift.min(position + ahead, tokens.count - 1)
            return tokens[index].kind
        }

        func isSymbol(_ symbol: String) -> Bool {
            current.kind == .symbol(symbol)
        }

        func isKeyword(_ word: String) -> Bool {
            current.kind == .identifier(word)
        }

        mutating func advance() {
            if position < tokens.count - 1 { position += 1 }
        }

        mutating func expect(_ symbol: String, _ context: String) throws(ExpressionError) {
            guard isSymbol(symbol) else {
                throw ExpressionError(message: "expected '\(symbol)' \(context), found \(current.display)", offset: current.offset)
            }
            advance()
        }

        mutating func enter() throws(ExpressionError) {
            depth += 1
            if depth > ExpressionParser.maximumDepth {
                throw ExpressionError(message: "expression is nested too deeply", offset: current.offset)
            }
        }

        mutating func parseConditional() throws(ExpressionError) -> ExpressionNode {
            try enter()
            defer { depth -= 1 }
            let condition = try parseOr()
            guard isSymbol("?") else { return condition }
            let offset = current.offset
            advance()
            let then = try parseConditional()
            try expect(":", "in a conditional 'condition ? then : else'")
            let otherwise = try parseConditional()
            return .conditional(condition, then, otherwise, offset: offset)
        }

        mutating func parseOr() throws(ExpressionError) -> ExpressionNode {
            var left = try parseAnd()
            // Each operator of a chain nests the tree one level deeper.
            var levels = 0
            defer { depth -= levels }
            while isSymbol("||") || isKeyword("or") {
                let offset = current.offset
                try enter()
                levels += 1
                advance()
                let right = try parseAnd()
                left = .binary(.or, left, right, offset: offset)
            }
            return left
        }

        mutating func parseAnd() throws(ExpressionError) -> ExpressionNode {
            var left = try parseComparison()
            // Each operator of a chain nests the tree one level deeper.
            var levels = 0
            defer { depth -= levels }
            while isSymbol("&&") || isKeyword("and") {
                let offset = current.offset
                try enter()
                levels += 1
                advance()
                let right = try parseComparison()
                left = .binary(.and, left, right, offset: offset)
            }
            return left
        }

        /// The comparison operator at the current position (and how many tokens it
        /// spans, 2 for `not in`), or `nil`.
        func comparisonOperator() -> (ExpressionBinaryOperator, negated: Bool, length: Int)? {
            switch current.kind {
            case .symbol("=="): return (.equal, false, 1)
            case .symbol("!="): return (.notEqual, false, 1)
            case .symbol("<"): return (.less, false, 1)
            case .symbol("<="): return (.lessOrEqual, false, 1)
            case .symbol(">"): return (.greater, false, 1)
            case .symbol(">="): return (.greaterOrEqual, false, 1)
            case .identifier("in"): return (.in, false, 1)
            case .identifier("not") where peekKind(1) == .identifier("in"): return (.in, true, 2)
            default: return nil
            }
        }

        mutating func parseComparison() throws(ExpressionError) -> ExpressionNode {
            let left = try parseAdditive()
            guard let (op, negated, length) = comparisonOperator() else { return left }
            let offset = current.offset
            for _ in 0..<length { advance() }
            let right = try parseAdditive()
            if comparisonOperator() != nil {
                throw ExpressionError(
                    message: "comparisons cannot be chained; add parentheses", offset: current.offset)
            }
            let node = ExpressionNode.binary(op, left, right, offset: offset)
            return negated ? .unary(.not, node, offset: offset) : node
        }

        mutating func parseAdditive() throws(ExpressionError) -> ExpressionNode {
            var left = try parseMultiplicative()
            // Each operator of a chain nests the tree one level deeper.
            var levels = 0
            defer { depth -= levels }
            while true {
                let op: ExpressionBinaryOperator
                if isSymbol("+") { op = .add } else if isSymbol("-") { op = .subtract } else { return left }
                let offset = current.offset
                try enter()
                levels += 1
                advance()
                let right = try parseMultiplicative()
                left = .binary(op, left, right, offset: offset)
            }
        }

        mutating func parseMultiplicative() throws(ExpressionError) -> ExpressionNode {
            var left = try parseUnary()
            // Each operator of a chain nests the tree one level deeper.
            var levels = 0
            defer { depth -= levels }
            while true {
                let op: ExpressionBinaryOperator
                if isSymbol("*") {
                    op = .multiply
                } else if isSymbol("/") {
                    op = .divide
                } else if isSymbol("%") {
                    op = .remainder
                } else {
                    return left
                }
                let offset = current.offset
                try enter()
                levels += 1
                advance()
                let right = try parseUnary()
                left = .binary(op, left, right, offset: offset)
            }
        }

        mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
            let offset = current.offset
            if isSymbol("!") || isKeyword("not") {
                try enter()
                defer { depth -= 1 }
                advance()
                return .unary(.not, try parseUnary(), offset: offset)
            }
            if isSymbol("-") {
                try enter()
                defer { depth -= 1 }
                advance()
                // `-9223372036854775808` is Int64.min, whose magnitude alone overflows.
                if case .integer(let magnitude) = current.kind, magnitude == UInt64(Int64.max) + 1,
                   !isPostfixStart(peekKind(1)) {
                    advance()
                    return .literal(.int(Int64.min), offset: offset)
                }
                return .unary(.negate, try parseUnary(), offset: offset)
            }
            return try parsePostfix()
        }

        func isPostfixStart(_ kind: ExpressionToken.Kind) -> Bool {
            kind == .symbol(".") || kind == .symbol("[") || kind == .symbol("(")
        }

        mutating func parsePostfix() throws(ExpressionError) -> ExpressionNode {
            var node = try parsePrimary()
            var levels = 0
            defer { depth -= levels }
            while true {
                if isSymbol(".") || isSymbol("[") {
                    try enter()
                    levels += 1
                }
                if isSymbol(".") {
                    advance()
                    guard case .identifier(let name) = current.kind else {
                        throw ExpressionError(message: "expected a field or function name after '.', found \(current.display)", offset: current.offset)
                    }
                    let nameOffset = current.offset
                    advance()
                    if isSymbol("(") {
                        let function = try Self.builtin(name, offset: nameOffset)
                        let arguments = try parseArguments()
                        node = try Self.call(function, [node] + arguments, offset: nameOffset)
                    } else {
                        node = .member(node, name: name, offset: nameOffset)
                    }
                } else if isSymbol("[") {
                    let offset = current.offset
                    advance()
                    try enter()
                    let index = try parseConditional()
                    depth -= 1
                    try expect("]", "to close the index")
                    node = .index(node, index, offset: offset)
                } else if isSymbol("(") {
                    throw ExpressionError(message: "only functions can be called", offset: current.offset)
                } else {
                    return node
                }
            }
        }

        /// Parses `( a, b, … )`, the current token being `(`.
        mutating func parseArguments() throws(ExpressionError) -> [ExpressionNode] {
            advance()
            var arguments: [ExpressionNode] = []
            if isSymbol(")") {
                advance()
                return arguments
            }
            while true {
                arguments.append(try parseConditional())
                if isSymbol(",") {
                    advance()
                    continue
                }
                try expect(")", "to close the argument list")
                return arguments
            }
        }

        static func builtin(_ name: String, offset: Int) throws(ExpressionError) -> ExpressionBuiltin {
            guard let function = ExpressionBuiltin(name: name) else {
                throw ExpressionError(message: "unknown function '\(name)'", offset: offset)
            }
            return function
        }

        static func call(_ function: ExpressionBuiltin, _ arguments: [ExpressionNode], offset: Int) throws(ExpressionError) -> ExpressionNode {
            guard arguments.count == function.arity else {
                throw ExpressionError(message: "\(function.arityDescription), got \(arguments.count)", offset: offset)
            }
            return .call(name: function.rawValue, arguments: arguments, offset: offset)
        }

        mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
            let token = current
            switch token.kind {
            case .integer(let magnitude):
                guard magnitude <= UInt64(Int64.max) else {
                    throw ExpressionError(message: "integer literal '\(magnitude)' does not fit in 64 bits", offset: token.offset)
                }
                advance()
                return .literal(.int(Int64(magnitude)), offset: token.offset)
            case .float(let value):
                advance()
                return .literal(.double(value), offset: token.offset)
            case .duration(let milliseconds):
                advance()
                return .literal(.int(milliseconds), offset: token.offset)
            case .string(let value):
                advance()
                return .literal(.string(value), offset: token.offset)
            case .identifier(let name):
                switch name {
                case "true":
                    advance()
                    return .literal(.bool(true), offset: token.offset)
                case "false":
                    advance()
                    return .literal(.bool(false), offset: token.offset)
                case "null":
                    advance()
                    return .literal(.null, offset: token.offset)
                default:
                    if ExpressionParser.keywords.contains(name) {
                        throw ExpressionError(message: "expected an expression, found keyword '\(name)'", offset: token.offset)
                    }
                }
                advance()
                if isSymbol("(") {
                    let function = try Self.builtin(name, offset: token.offset)
                    let arguments = try parseArguments()
                    return try Self.call(function, arguments, offset: token.offset)
                }
                return .name(name, offset: token.offset)
            case .symbol("("):
                advance()
                let inner = try parseConditional()
                try expect(")", "to close '('")
                return inner
            case .symbol("["):
                advance()
                var elements: [ExpressionNode] = []
                if !isSymbol("]") {
                    while true {
                        elements.append(try parseConditional())
                        guard isSymbol(",") else { break }
                        advance()
                        if isSymbol("]") { break }  // trailing comma
                    }
                }
                try expect("]", "to close the list")
                return .list(elements, offset: token.offset)
            case .end:
                throw ExpressionError(message: "expected an expression, found end of expression", offset: token.offset)
            default:
                throw ExpressionError(message: "expected an expression, found \(token.display)", offset: token.offset)
            }
        }
    }
}
