/// One token of an expression, with the `Character` offset where it starts.
struct ExpressionToken: Sendable, Equatable {
    /// What the token is.
    enum Kind: Sendable, Equatable {
        /// An integer literal's magnitude; above `Int64.max` it is only valid right
        /// after a unary minus (`-9223372036854775808`).
        case integer(UInt64)
        case float(Double)
        /// A duration literal such as `5m`, in milliseconds.
        case duration(Int64)
        case string(String)
        /// A name; keywords (`and`, `or`, `not`, `in`, `true`, `false`, `null`) too.
        case identifier(String)
        /// Punctuation or an operator: `(` `)` `[` `]` `,` `.` `?` `:` `+` `-` `*` `/` `%`
        /// `!` `==` `!=` `<` `<=` `>` `>=` `&&` `||`.
        case symbol(String)
        case end
    }

    var kind: Kind
    var offset: Int

    /// A short description for error messages.
    var display: String {
        switch kind {
        case .integer(let value): return "'\(value)'"
        case .float(let value): return "'\(value)'"
        case .duration: return "duration"
        case .string: return "string"
        case .identifier(let name): return "'\(name)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "end of expression"
        }
    }
}
