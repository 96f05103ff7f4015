/// A problem in the text of an expression or template, found while parsing or
/// compiling it: a syntax error, an unknown function, a wrong argument count, an
/// invalid regular-expression literal.
public struct ExpressionError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for a human.
    public var message: String
    /// 0-based offset, in `Character`s, into the expression text where the problem is.
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}
