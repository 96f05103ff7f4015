import CepheusCore

/// Splits expression text into tokens. Offsets count `Character`s from 0.
///
/// Numbers: `12`, `1.5`, `2e3`, `1.5E-3`; an integer immediately followed by letters is
/// a duration (`5m`, `250ms`, `1h30m`, read by `DurationParser`) and becomes its
/// milliseconds. Strings: `"…"` or `'…'` with the escapes `\n` `\t` `\r` `\\` `\"` `\'`
/// `\/` and `\uXXXX` (a UTF-16 surrogate pair is joined).
struct ExpressionLexer {
    private let characters: [Character]
    private var position = 0

    init(_ text: String) {
        characters = Array(text)
    }

    /// All tokens, ending with `.end` (whose offset is the text's length).
    static func tokenize(_ text: String) throws(ExpressionError) -> [ExpressionToken] {
        var lexer = ExpressionLexer(text)
        var tokens: [ExpressionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Character? {
        let index = position + ahead
        return index < characters.count ? characters[index] : nil
    }

    private static func isDigit(_ c: Character?) -> Bool {
        guard let c, c.isASCII, let ascii = c.asciiValue else { return false }
        return ascii >= 0x30 && ascii <= 0x39
    }

    private static func isIdentifierStart(_ c: Character?) -> Bool {
        guard let c, let ascii = c.asciiValue else { return false }
        return (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A) || ascii == 0x5F
    }

    private static func isIdentifierPart(_ c: Character?) -> Bool {
        isIdentifierStart(c) || isDigit(c)
    }

    private mutating func next() throws(ExpressionError) -> ExpressionToken {
        while let c = peek(), c.isWhitespace { position += 1 }
        let start = position
        guard let c = peek() else { return ExpressionToken(kind: .end, offset: start) }

        if Self.isDigit(c) { return try number() }
        if Self.isIdentifierStart(c) {
            while Self.isIdentifierPart(peek()) { position += 1 }
            return ExpressionToken(kind: .identifier(String(characters[start..<position])), offset: start)
        }
        if c == "\"" || c == "'" { return try string() }

        let two: String? = peek(1).map { String(c) + String($0) }
        if let two, ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
            position += 2
            return ExpressionToken(kind: .symbol(two), offset: start)
        }
        switch c {
        case "(", ")", "[", "]", ",", ".", "?", ":", "+", "-", "*", "/", "%", "!", "<", ">":
            position += 1
            return ExpressionToken(kind: .symbol(String(c)), offset: start)
        case "=":
            throw ExpressionError(message: "unexpected '='; use '==' to compare", offset: start)
        case "&":
            throw ExpressionError(message: "unexpected '&'; use '&&' or 'and'", offset: start)
        case "|":
            throw ExpressionError(message: "unexpected '|'; use '||' or 'or'", offset: start)
        default:
            throw ExpressionError(message: "unexpected character '\(c)'", offset: start)
        }
    }

    private mutating func number() throws(ExpressionError) -> ExpressionToken {
        let start = position
        while Self.isDigit(peek()) { position += 1 }
        var isFloat = false
        if peek() == ".", Self.isDigit(peek(1)) {
            isFloat = true
            position += 1
            while Self.isDigit(peek()) { position += 1 }
        }
        if peek() == "e" || peek() == "E" {
            if Self.isDigit(peek(1)) {
                isFloat = true
                position += 1
            } else if peek(1) == "+" || peek(1) == "-", Self.isDigit(peek(2)) {
                isFloat = true
                position += 2
            }
            if isFloat { while Self.isDigit(peek()) { position += 1 } }
        }
        if !isFloat, Self.isIdentifierStart(peek()) {
            while Self.isIdentifierPart(peek()) { position += 1 }
            let text = String(characters[start..<position])
            guard let milliseconds = DurationParser.milliseconds(text) else {
                throw ExpressionError(
                    message: "invalid duration '\(text)' (units: ms, s, m, h, d, e.g. 250ms, 1h30m)",
                    offset: start)
            }
            return ExpressionToken(kind: .duration(milliseconds), offset: start)
        }
        if Self.isIdentifierPart(peek()) {
            throw ExpressionError(message: "invalid number", offset: start)
        }
        let text = String(characters[start..<position])
        if isFloat {
            guard let value = Double(text), value.isFinite else {
                throw ExpressionError(message: "float literal '\(text)' is out of range", offset: start)
            }
            return ExpressionToken(kind: .float(value), offset: start)
        }
        guard let value = UInt64(text), value <= UInt64(Int64.max) + 1 else {
            throw ExpressionError(message: "integer literal '\(text)' does not fit in 64 bits", offset: start)
        }
        return ExpressionToken(kind: .integer(value), offset: start)
    }

    private mutating func string() throws(ExpressionError) -> ExpressionToken {
        let start = position
        let quote = characters[position]
        position += 1
        var result = ""
        var pendingHighSurrogate: (value: UInt32, offset: Int)?
        while true {
            guard let c = peek() else {
                throw ExpressionError(message: "unterminated string", offset: start)
            }
            if c != "\\", let pending = pendingHighSurrogate {
                throw ExpressionError(message: "unpaired UTF-16 surrogate in \\u escape", offset: pending.offset)
            }
            if c == quote {
                position += 1
                return ExpressionToken(kind: .string(result), offset: start)
            }
            if c != "\\" {
                result.append(c)
                position += 1
                continue
            }
            let escapeOffset = position
            guard let e = peek(1) else {
                throw ExpressionError(message: "unterminated string", offset: start)
            }
            if e != "u", let pending = pendingHighSurrogate {
                throw ExpressionError(message: "unpaired UTF-16 surrogate in \\u escape", offset: pending.offset)
            }
            position += 2
            switch e {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "\\": result.append("\\")
            case "\"": result.append("\"")
            case "'": result.append("'")
            case "/": result.append("/")
            case "u":
                var code: UInt32 = 0
                for _ in 0..<4 {
                    guard let h = peek(), let digit = h.hexDigitValue, h.isASCII else {
                        throw ExpressionError(message: "\\u needs four hex digits", offset: escapeOffset)
                    }
                    code = code * 16 + UInt32(digit)
                    position += 1
                }
                if let pending = pendingHighSurrogate {
                    guard (0xDC00...0xDFFF).contains(code) else {
                        throw ExpressionError(message: "unpaired UTF-16 surrogate in \\u escape", offset: pending.offset)
                    }
                    let scalar = 0x10000 + ((pending.value - 0xD800) << 10) + (code - 0xDC00)
                    result.unicodeScalars.append(Unicode.Scalar(scalar)!)
                    pendingHighSurrogate = nil
                } else if (0xD800...0xDBFF).contains(code) {
                    pendingHighSurrogate = (code, escapeOffset)
                } else if let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                } else {
                    throw ExpressionError(message: "unpaired UTF-16 surrogate in \\u escape", offset: escapeOffset)
                }
            default:
                throw ExpressionError(message: "unknown escape '\\\(e)' in string", offset: escapeOffset)
            }
        }
    }
}
