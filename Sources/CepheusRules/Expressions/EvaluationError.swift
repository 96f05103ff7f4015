/// A type error while evaluating an expression (e.g. `"a" < 3`, division by zero,
/// integer overflow). It makes a condition false and a field or template value null,
/// and is counted per rule; it never stops the process.
public struct EvaluationError: Error, Sendable {
    /// What went wrong, for logs.
    public var message: String

    public init(message: String) {
        self.message = message
    }
}
