import Yams

/// The lines of a YAML text, to turn a character offset inside a scalar's value into
/// the column where that character stands in the file. Columns count Unicode
/// scalars from 1, as Yams' marks do.
struct SourceText {
    /// Each line's Unicode scalars, without its line break.
    private let lines: [[Unicode.Scalar]]

    init(_ text: String) {
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n":
                if previousWasCR {
                    previousWasCR = false
                    continue
                }
                lines.append(current)
                current = []
            case "\r":
                lines.append(current)
                current = []
                previousWasCR = true
                continue
            default:
                current.append(scalar)
            }
            previousWasCR = false
        }
        lines.append(current)
        self.lines = lines
    }

    /// The 1-based column, on the scalar's own line, of the character at `offset`
    /// (counted in `Character`s of the scalar's value), or `nil` when the scalar is not
    /// written on one line in plain, single- or double-quoted style.
    func column(ofOffset offset: Int, in scalar: Node.Scalar) -> Int? {
        guard offset >= 0, let mark = scalar.mark, mark.line >= 1, mark.line <= lines.count else { return nil }
        let line = lines[mark.line - 1]
        guard mark.column >= 1, mark.column - 1 <= line.count else { return nil }
        var rest = String.UnicodeScalarView()
        rest.append(contentsOf: line[(mark.column - 1)...])
        let raw = Array(String(rest))
        switch scalar.style {
        case .plain, .any:
            let value = Array(scalar.string)
            guard offset <= value.count, raw.count >= value.count, Array(raw[0..<value.count]) == value else { return nil }
            return mark.column + Self.scalarCount(raw[0..<offset])
        case .singleQuoted:
            return Self.walkQuoted(raw, quote: "'", offset: offset, mark: mark) { raw, index in
                raw[index] == "'" && index + 1 < raw.count && raw[index + 1] == "'" ? 2 : 1
            }
        case .doubleQuoted:
            return Self.walkQuoted(raw, quote: "\"", offset: offset, mark: mark) { raw, index in
                guard raw[index] == "\\" else { return 1 }
                guard index + 1 < raw.count else { return nil }
                switch raw[index + 1] {
                case "x": return 4
                case "u": return 6
                case "U": return 10
                default: return 2
                }
            }
        case .literal, .folded:
            return nil
        }
    }

    /// Walks a quoted scalar's raw characters (starting at its opening quote) and
    /// returns the column of the decoded character at `offset`.
    private static func walkQuoted(
        _ raw: [Character], quote: Character, offset: Int, mark: Mark,
        width: ([Character], Int) -> Int?
    ) -> Int? {
        guard raw.first == quote else { return nil }
        var index = 1
        var decoded = 0
        var column = mark.column + 1
        while index < raw.count {
            if decoded == offset { return column }
            if raw[index] == quote {
                // A closing quote (a doubled single quote is handled by `width`).
                if quote == "'", index + 1 < raw.count, raw[index + 1] == "'" {
                    // fallthrough to the escape width below
                } else {
                    return nil
                }
            }
            guard let step = width(raw, index), index + step <= raw.count else { return nil }
            column += scalarCount(raw[index..<(index + step)])
            index += step
            decoded += 1
        }
        return nil
    }

    private static func scalarCount(_ characters: ArraySlice<Character>) -> Int {
        characters.reduce(0) { $0 + $1.unicodeScalars.count }
    }
}
