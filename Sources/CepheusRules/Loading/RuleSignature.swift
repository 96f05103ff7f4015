import CepheusCore

/// The canonical texts that tell rule versions apart (rules.md section 7): compact JSON
/// with object keys sorted, so comments, key order and formatting never count.
enum RuleSignature {
    /// `key`, `within` (in milliseconds), `skip` (in its canonical form, default
    /// included) and `pattern`: what partial matches depend on.
    static func matching(definition: Value, within: Int64?, skip: SkipStrategy) -> String {
        let skipValue: Value
        switch skip {
        case .noSkip: skipValue = .string("no_skip")
        case .toNext: skipValue = .string("to_next")
        case .pastLastEvent: skipValue = .string("past_last_event")
        case .toFirst(let step): skipValue = .object(JSONObject([("to_first", .string(step))]))
        case .toLast(let step): skipValue = .object(JSONObject([("to_last", .string(step))]))
        }
        let object = JSONObject([
            ("key", definition[field: "key"] ?? .null),
            ("within", within.map { Value.int($0) } ?? .null),
            ("skip", skipValue),
            ("pattern", definition[field: "pattern"] ?? .null),
        ])
        return RuleJSONText.write(.object(object), sortKeys: true)
    }

    /// The whole definition.
    static func content(definition: Value) -> String {
        RuleJSONText.write(definition, sortKeys: true)
    }
}
