/// Something doubtful but legal in an expression, e.g. a step name used where the
/// field of the same name looks intended (reported by `cepheus check` as a warning).
public struct ExpressionWarning: Sendable {
    /// What looks wrong, for a human.
    public var message: String
    /// 0-based offset, in `Character`s, into the expression text.
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}
