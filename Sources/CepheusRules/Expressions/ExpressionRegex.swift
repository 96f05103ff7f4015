/// A compiled regular expression for `matches(s, regex)`, shareable across threads.
///
/// Dialect: Swift Regex syntax (PCRE/ICU-like: classes, quantifiers, groups, anchors,
/// `\d` `\w` `\s`, case-insensitive via `(?i)`). Matching is an unanchored search.
///
/// `Regex` is not declared `Sendable`, so this wrapper is `@unchecked Sendable`. That
/// is safe: the wrapped `Regex` is never mutated after `init`, and the only lazily
/// built state inside it (the lowered matching program) is published with an atomic
/// compare-and-swap by the standard library; we also build it eagerly in `init` with
/// one warm-up match, so later matches on any thread only read it.
final class ExpressionRegex: @unchecked Sendable {
    /// The source pattern.
    let pattern: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles `pattern`; throws the `Regex` parser's error when it is invalid.
    init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try Regex(pattern)
        _ = "".contains(regex)
    }

    /// `true` when the pattern matches anywhere in `string`.
    func matches(_ string: String) -> Bool {
        string.contains(regex)
    }
}
