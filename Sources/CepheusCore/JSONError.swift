/// Why a JSON text was rejected, and where: `message` names the problem and `offset`
/// is the 0-based byte offset in the input where it was found.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `unterminated string`.
    public var message: String
    /// 0-based byte offset of the offending byte in the input.
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// `invalid JSON at byte OFFSET: MESSAGE`.
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONError {
    // The distinct messages the reader produces, kept in one place.
    static let invalidUTF8 = "invalid UTF-8"
    static let tooDeep = "nesting deeper than \(JSONReader.maxDepth)"
    static let unexpectedEnd = "unexpected end of input"
    static let unterminatedString = "unterminated string"
    static let trailingCharacters = "trailing characters"
    static let invalidNumber = "invalid number"
    static let numberOutOfRange = "invalid number: out of range"
    static let invalidEscape = "invalid escape"
    static let unpairedSurrogate = "invalid escape: unpaired surrogate"
    static let controlCharacter = "control character in string"

    static func unexpectedCharacter(_ text: String) -> String { "unexpected character \(text)" }
}
