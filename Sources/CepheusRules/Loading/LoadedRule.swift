/// A validated rule together with where its `id` was written, for the duplicate-id
/// check across documents and files.
struct LoadedRule {
    var rule: Rule
    var idLine: Int
    var idColumn: Int
}
