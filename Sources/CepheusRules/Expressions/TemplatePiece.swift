/// One piece of a `Template`: literal text, or an expression whose value is rendered.
enum TemplatePiece: Sendable {
    case text(String)
    case expression(CompiledExpression)
}
