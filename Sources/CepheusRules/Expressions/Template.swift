import CepheusCore

/// A text with `{{ EXPR }}` pieces (rules.md section 4), such as `alert.title`: each
/// piece is replaced by its expression's value rendered with
/// `Value.renderedForTemplate()` (null as empty, floats in shortest round-trip form).
/// Text outside the braces is literal; inside, a `}}` within a string literal does not
/// close the piece.
public struct Template: Sendable {
    /// The source text.
    public let text: String
    /// True when any piece names a step.
    public let referencesSteps: Bool
    let pieces: [TemplatePiece]

    /// Parses `{{ EXPR }}` pieces (text outside is literal; `{{` without a closing `}}` is
    /// an error with the offset). Error offsets count `Character`s in the whole template.
    public static func parse(_ text: String, compiler: ExpressionCompiler) throws(ExpressionError) -> Template {
        var pieces: [TemplatePiece] = []
        var referencesSteps = false
        for segment in try segments(text) {
            switch segment {
            case .text(let literal):
                pieces.append(.text(literal))
            case .expression(let source, let offset):
                let compiled: CompiledExpression
                do {
                    compiled = try compiler.compile(source)
                } catch {
                    throw ExpressionError(message: error.message, offset: offset + error.offset)
                }
                referencesSteps = referencesSteps || compiled.referencesSteps
                pieces.append(.expression(compiled))
            }
        }
        return Template(text: text, referencesSteps: referencesSteps, pieces: pieces)
    }

    /// Warnings for the template's expressions (see `ExpressionCompiler.warnings`), with
    /// offsets in the whole template; [] when it does not parse.
    public static func warnings(_ text: String, compiler: ExpressionCompiler) -> [ExpressionWarning] {
        guard let segments = try? segments(text) else { return [] }
        var warnings: [ExpressionWarning] = []
        for case .expression(let source, let offset) in segments {
            for warning in compiler.warnings(source) {
                warnings.append(ExpressionWarning(message: warning.message, offset: offset + warning.offset))
            }
        }
        return warnings
    }

    private init(text: String, referencesSteps: Bool, pieces: [TemplatePiece]) {
        self.text = text
        self.referencesSteps = referencesSteps
        self.pieces = pieces
    }

    private enum Segment {
        case text(String)
        /// The expression's source and the `Character` offset where it starts.
        case expression(String, offset: Int)
    }

    /// Splits `text` into literal text and expression sources.
    private static func segments(_ text: String) throws(ExpressionError) -> [Segment] {
        let characters = Array(text)
        var segments: [Segment] = []
        var literal = ""
        var position = 0
        while position < characters.count {
            guard characters[position] == "{", position + 1 < characters.count, characters[position + 1] == "{" else {
                literal.append(characters[position])
                position += 1
                continue
            }
            let open = position
            let start = position + 2
            var cursor = start
            var quote: Character?
            var close: Int?
            while cursor < characters.count {
                let c = characters[cursor]
                if let q = quote {
                    if c == "\\" {
                        cursor += 2
                        continue
                    }
                    if c == q { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "}", cursor + 1 < characters.count, characters[cursor + 1] == "}" {
                    close = cursor
                    break
                }
                cursor += 1
            }
            guard let close else {
                throw ExpressionError(message: "'{{' without a closing '}}'", offset: open)
            }
            if !literal.isEmpty {
                segments.append(.text(literal))
                literal = ""
            }
            segments.append(.expression(String(characters[start..<close]), offset: start))
            position = close + 2
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        return segments
    }

    /// Renders; an expression with a type error renders as empty and counts in
    /// typeErrors. null renders as empty; strings raw; ints plain; floats with Swift's
    /// shortest round-trip description (2.5 -> "2.5", 5.0 -> "5.0"); bools true/false;
    /// lists/objects as compact JSON.
    public func render(_ scope: EvaluationScope) -> (text: String, typeErrors: Int) {
        var result = ""
        var typeErrors = 0
        for piece in pieces {
            switch piece {
            case .text(let literal):
                result += literal
            case .expression(let expression):
                do {
                    result += try expression.evaluate(scope).renderedForTemplate()
                } catch {
                    typeErrors += 1
                }
            }
        }
        return (result, typeErrors)
    }
}
