import Testing
@testable import CepheusCore

/// The error for `bytes`, or nil when they parse.
private func error(_ bytes: [UInt8]) -> JSONError? {
    do {
        _ = try JSONReader.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func error(_ text: String) -> JSONError? { error(Array(text.utf8)) }

private func object(_ pairs: [(String, Value)]) -> Value { .object(JSONObject(pairs)) }

@Suite struct JSONReaderTests {
    @Test func scalars() throws {
        #expect(try JSONReader.parse("null") == .null)
        #expect(try JSONReader.parse("true") == .bool(true))
        #expect(try JSONReader.parse(" \t\r\nfalse\n ") == .bool(false))
        #expect(try JSONReader.parse("\"hi\"") == .string("hi"))
        #expect(try JSONReader.parse("42") == .int(42))
        #expect(try JSONReader.parse("-7") == .int(-7))
        #expect(try JSONReader.parse("1.5") == .double(1.5))
        #expect(try JSONReader.parse("2e3") == .double(2000))
        #expect(try JSONReader.parse("2E-3") == .double(0.002))
        #expect(try JSONReader.parse("0") == .int(0))
    }

    @Test func nested() throws {
        let value = try JSONReader.parse(#"{"a": [1, {"b": null}, "x"], "c": {}, "d": [], "e": -0.5}"#)
        #expect(value == object([
            ("a", .array([.int(1), object([("b", .null)]), .string("x")])),
            ("c", object([])),
            ("d", .array([])),
            ("e", .double(-0.5)),
        ]))
    }

    @Test func objectsKeepInputOrder() throws {
        let value = try JSONReader.parse(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "a", "m"])
    }

    @Test func duplicateKeysLastWins() throws {
        let value = try JSONReader.parse(#"{"a":1,"b":2,"a":3}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["a", "b"])
        #expect(object.values == [.int(3), .int(2)])
        // The set path (more than 8 keys).
        let many = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k5\":\"last\""
        guard case .object(let big) = try JSONReader.parse("{\(many)}") else { Issue.record("not an object"); return }
        #expect(big.count == 20)
        #expect(big["k5"] == .string("last"))
        #expect(big.keys[5] == "k5")
    }

    @Test func inputForms() throws {
        let text = #"{"a":[1,2]}"#
        let bytes = Array(text.utf8)
        let expected = try JSONReader.parse(text)
        #expect(try JSONReader.parse(bytes) == expected)
        #expect(try JSONReader.parse(bytes[...]) == expected)
        let padded: [UInt8] = Array("xx\(text)yy".utf8)
        #expect(try JSONReader.parse(padded[2..<(padded.count - 2)]) == expected)
        let fromRaw = try bytes.withUnsafeBytes { raw in try JSONReader.parse(raw) }
        #expect(fromRaw == expected)
        #expect(error([]) == JSONError(message: "unexpected end of input", offset: 0))
        #expect(error("   ")?.message == "unexpected end of input")
    }

    // MARK: Strings

    @Test func escapes() throws {
        #expect(try JSONReader.parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"))
        #expect(try JSONReader.parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try JSONReader.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONReader.parse(#""x\u0000y""#) == .string("x\u{0}y"))
        #expect(try JSONReader.parse(#""\\""#) == .string("\\"))
        #expect(try JSONReader.parse("\"héllo 😀 wörld\"") == .string("héllo 😀 wörld"))
        #expect(try JSONReader.parse("\"é\\n😀\"") == .string("é\n😀"))
        // The scratch buffer is reused across strings.
        #expect(try JSONReader.parse(#"["long\tstring with escape", "\n"]"#) == .array([.string("long\tstring with escape"), .string("\n")]))
    }

    @Test(arguments: [
        #""\x""#, #""\a""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#,
    ])
    func invalidEscapes(_ text: String) {
        #expect(error(text)?.message == "invalid escape")
    }

    @Test(arguments: [
        #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#, #""a\udfffb""#,
    ])
    func unpairedSurrogates(_ text: String) {
        #expect(error(text)?.message == "invalid escape: unpaired surrogate")
    }

    @Test func controlCharacters() throws {
        for byte: UInt8 in [0x00, 0x01, 0x0A, 0x09, 0x1F] {
            let e = error([0x22, 0x61, byte, 0x22])
            #expect(e == JSONError(message: "control character in string", offset: 2))
        }
        #expect(error([0x22, 0x5C, 0x6E, 0x0A, 0x22])?.message == "control character in string")
        // DEL is allowed.
        #expect(try JSONReader.parse([0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    @Test func unterminatedStrings() {
        #expect(error(#"  "abc"#) == JSONError(message: "unterminated string", offset: 2))
        #expect(error(#""abc\"#)?.message == "unterminated string")
        #expect(error(#""\u00"#)?.message == "unterminated string")
        #expect(error(#"{"a":"b}"#)?.message == "unterminated string")
    }

    // MARK: UTF-8

    @Test(arguments: [
        [0xC0, 0x80],              // overlong NUL
        [0xC1, 0xBF],              // overlong
        [0xE0, 0x80, 0x80],        // overlong 3-byte
        [0xF0, 0x80, 0x80, 0x80],  // overlong 4-byte
        [0xED, 0xA0, 0x80],        // UTF-8-encoded surrogate U+D800
        [0xED, 0xBF, 0xBF],        // U+DFFF
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],  // byte > 0xF4
        [0xFF],
        [0x80],                    // lone continuation
        [0xC3],                    // truncated
        [0xE2, 0x82],              // truncated
        [0xF0, 0x9F, 0x98],        // truncated
        [0xC3, 0x41],              // bad continuation
    ] as [[UInt8]])
    func invalidUTF8(_ sequence: [UInt8]) {
        // Inside a string, with a valid character before it.
        let inString: [UInt8] = [0x22, 0x61] + sequence + [0x22]
        #expect(error(inString) == JSONError(message: "invalid UTF-8", offset: 2))
        // Inside a string that also has an escape (the slow path).
        let escaped: [UInt8] = [0x22, 0x5C, 0x6E] + sequence + [0x22]
        #expect(error(escaped) == JSONError(message: "invalid UTF-8", offset: 3))
        // Outside strings.
        #expect(error(sequence)?.message == "invalid UTF-8")
    }

    @Test func validUTF8Boundaries() throws {
        let cases: [([UInt8], String)] = [
            ([0xC2, 0x80], "\u{80}"),
            ([0xDF, 0xBF], "\u{7FF}"),
            ([0xE0, 0xA0, 0x80], "\u{800}"),
            ([0xED, 0x9F, 0xBF], "\u{D7FF}"),
            ([0xEE, 0x80, 0x80], "\u{E000}"),
            ([0xEF, 0xBF, 0xBF], "\u{FFFF}"),
            ([0xF0, 0x90, 0x80, 0x80], "\u{10000}"),
            ([0xF4, 0x8F, 0xBF, 0xBF], "\u{10FFFF}"),
        ]
        for (bytes, expected) in cases {
            #expect(try JSONReader.parse([0x22] + bytes + [0x22]) == .string(expected))
        }
    }

    // MARK: Structure

    @Test func depthLimit() throws {
        #expect(JSONReader.maxDepth == 64)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONReader.parse(ok) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(error(tooDeep) == JSONError(message: "nesting deeper than 64", offset: 64))
        // Objects and arrays count together.
        let mixedOK = String(repeating: #"{"a":["#, count: 32) + String(repeating: "]}", count: 32)
        #expect(throws: Never.self) { try JSONReader.parse(mixedOK) }
        let mixedDeep = String(repeating: #"{"a":["#, count: 32) + "{}" + String(repeating: "]}", count: 32)
        #expect(error(mixedDeep)?.message == "nesting deeper than 64")
    }

    @Test func structuralErrors() {
        #expect(error("[1,]") == JSONError(message: "unexpected character ']'", offset: 3))
        #expect(error(#"{"a":1,}"#) == JSONError(message: "unexpected character '}'", offset: 7))
        #expect(error("[1 2]") == JSONError(message: "unexpected character '2'", offset: 3))
        #expect(error(#"{"a" 1}"#)?.message == "unexpected character '1'")
        #expect(error("{a:1}")?.message == "unexpected character 'a'")
        #expect(error("{1:1}")?.message == "unexpected character '1'")
        #expect(error("[,1]")?.message == "unexpected character ','")
        #expect(error("[") == JSONError(message: "unexpected end of input", offset: 1))
        #expect(error("[1")?.message == "unexpected end of input")
        #expect(error("[1,")?.message == "unexpected end of input")
        #expect(error(#"{"a""#)?.message == "unexpected end of input")
        #expect(error(#"{"a":"#)?.message == "unexpected end of input")
        #expect(error(#"{"a":1"#)?.message == "unexpected end of input")
        #expect(error("{")?.message == "unexpected end of input")
        #expect(error("tru")?.message == "unexpected end of input")
        #expect(error("trUe") == JSONError(message: "unexpected character 'U'", offset: 2))
        #expect(error("nul")?.message == "unexpected end of input")
        #expect(error("\u{1}")?.message == "unexpected character U+0001")
        #expect(error("é")?.message == "unexpected character 'é' (U+00E9)")
        #expect(error("\u{FEFF}{}")?.message == "unexpected character '\u{FEFF}' (U+FEFF)")
        #expect(error("'a'")?.message == "unexpected character '''")
    }

    @Test func trailingCharacters() {
        #expect(error("{} x") == JSONError(message: "trailing characters", offset: 3))
        #expect(error("1 2")?.message == "trailing characters")
        #expect(error("truex")?.message == "trailing characters")
        #expect(error("[]]")?.message == "trailing characters")
        #expect(error("\"a\"\"b\"")?.message == "trailing characters")
        #expect(error([0x31, 0x20, 0x00])?.message == "trailing characters")
        #expect(throws: Never.self) { try JSONReader.parse("  [ ] \n\r\t ") }
    }

    @Test func errorDescription() {
        let e = JSONError(message: "unterminated string", offset: 17)
        #expect(e.description == "invalid JSON at byte 17: unterminated string")
        #expect("\(error("[1,]")!)" == "invalid JSON at byte 3: unexpected character ']'")
    }

    // MARK: Numbers

    @Test func integerLimits() throws {
        #expect(try JSONReader.parse("9223372036854775807") == .int(.max))
        #expect(try JSONReader.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONReader.parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try JSONReader.parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(try JSONReader.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSONReader.parse("1.0") == .double(1.0))
        #expect(try JSONReader.parse("10e0") == .double(10))
    }

    @Test func negativeZero() throws {
        #expect(try JSONReader.parse("-0") == .int(0))
        guard case .double(let d) = try JSONReader.parse("-0.0") else { Issue.record("not a double"); return }
        #expect(d == 0 && d.sign == .minus)
        guard case .double(let e) = try JSONReader.parse("-0e0") else { Issue.record("not a double"); return }
        #expect(e.sign == .minus)
    }

    @Test func doubleLimits() throws {
        #expect(try JSONReader.parse("1e308") == .double(1e308))
        #expect(try JSONReader.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try JSONReader.parse("-1.7976931348623157e308") == .double(-.greatestFiniteMagnitude))
        #expect(try JSONReader.parse("5e-324") == .double(.leastNonzeroMagnitude))
        #expect(try JSONReader.parse("1e-400") == .double(0))
        #expect(try JSONReader.parse("0.1") == .double(0.1))
        // Correct rounding (a classic halfway case).
        #expect(try JSONReader.parse("9007199254740993.0") == .double(9_007_199_254_740_992.0))
        #expect(try JSONReader.parse("2.2250738585072011e-308") == .double(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)))
        #expect(error("1e309") == JSONError(message: "invalid number: out of range", offset: 0))
        #expect(error("[-1e309]") == JSONError(message: "invalid number: out of range", offset: 1))
        #expect(error("1.8e308")?.message == "invalid number: out of range")
    }

    @Test(arguments: ["01", "-01", "00", "-", "-a", "1.", "1.e5", "1e", "1e+", "-.5", "0.e1", "1E-"])
    func invalidNumbers(_ text: String) {
        #expect(error(text) == JSONError(message: "invalid number", offset: 0))
    }

    @Test func nonJSONNumbers() {
        #expect(error("NaN")?.message == "unexpected character 'N'")
        #expect(error("Infinity")?.message == "unexpected character 'I'")
        #expect(error("-Infinity")?.message == "invalid number")
        #expect(error("+1")?.message == "unexpected character '+'")
        #expect(error(".5")?.message == "unexpected character '.'")
        #expect(error("0x10")?.message == "trailing characters")
        #expect(error("[1x]")?.message == "unexpected character 'x'")
    }

    @Test func roundTrip() throws {
        let texts = [
            #"{"id":"e1","ts":1700000000000,"user":"alice","ok":false,"geo":{"lat":52.52,"lon":13.405},"tags":["a","b"],"n":null}"#,
            #"[1,-2,3.5,1e+20,"\u0001\n\"\\",{},[],true]"#,
            #"{"é":"😀","k":[[[[]]]]}"#,
        ]
        for text in texts {
            let value = try JSONReader.parse(text)
            #expect(value.jsonString == text)
            #expect(try JSONReader.parse(value.jsonString) == value)
        }
    }
}

@Suite struct JSONReaderDecimalTests {
    /// The fast decimal path must give exactly what Swift's correctly rounded parser gives.
    @Test func decimalsMatchTheCorrectlyRoundedParser() throws {
        var state: UInt64 = 0x1234_5678_9abc_def0
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        for _ in 0..<20_000 {
            let integer = next() % 1_000_000_000
            let digits = Int(next() % 16) + 1
            var fraction = ""
            for _ in 0..<digits { fraction.append(Character(String(next() % 10))) }
            let negative = next() % 2 == 0
            let text = (negative ? "-" : "") + "\(integer).\(fraction)"
            let parsed = try JSONReader.parse(text)
            guard case .double(let value) = parsed else {
                Issue.record("\(text) did not parse as a double")
                continue
            }
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test func edgeDecimals() throws {
        for text in ["0.1", "0.30000000000000004", "-0.0", "9007199254740993.0", "1.7976931348623157", "123456789012345678.5", "0.000000000000000000000001"] {
            guard case .double(let value) = try JSONReader.parse(text) else {
                Issue.record("\(text)")
                continue
            }
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }
}
