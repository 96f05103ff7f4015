import Testing
@testable import CepheusCore

@Suite struct JSONWriterTests {
    private func compact(_ value: Value, canonical: Bool = false) -> String {
        JSONWriter(canonicalNumbers: canonical).string(value)
    }

    @Test func scalars() {
        #expect(compact(.null) == "null")
        #expect(compact(.bool(true)) == "true")
        #expect(compact(.bool(false)) == "false")
        #expect(compact(.int(0)) == "0")
        #expect(compact(.int(-42)) == "-42")
        #expect(compact(.int(.max)) == "9223372036854775807")
        #expect(compact(.int(.min)) == "-9223372036854775808")
        #expect(compact(.string("")) == #""""#)
    }

    @Test func doubles() throws {
        #expect(compact(.double(3.0)) == "3.0")
        #expect(compact(.double(0.1)) == "0.1")
        #expect(compact(.double(-2.5)) == "-2.5")
        #expect(compact(.double(1e20)) == "1e+20")
        #expect(compact(.double(1e-7)) == "1e-07")
        #expect(compact(.double(.leastNonzeroMagnitude)) == "5e-324")
        #expect(compact(.double(-0.0)) == "-0.0")
        #expect(compact(.double(.greatestFiniteMagnitude)) == "1.7976931348623157e+308")
        #expect(compact(.double(.infinity)) == "null")
        #expect(compact(.double(-.infinity)) == "null")
        #expect(compact(.double(.nan)) == "null")
        // Every output parses back to the same double.
        for d in [0.1, 1e20, 1e-7, .leastNonzeroMagnitude, 123456.789, -1.7976931348623157e308, 2.0 / 3.0] {
            #expect(try JSONReader.parse(compact(.double(d))) == .double(d))
        }
    }

    @Test func canonicalNumbers() {
        #expect(compact(.double(3.0), canonical: true) == "3")
        #expect(compact(.double(-0.0), canonical: true) == "0")
        #expect(compact(.double(-17.0), canonical: true) == "-17")
        #expect(compact(.double(9_007_199_254_740_992.0), canonical: true) == "9007199254740992")
        #expect(compact(.double(-9_007_199_254_740_992.0), canonical: true) == "-9007199254740992")
        #expect(compact(.double(18_014_398_509_481_984.0), canonical: true) == "1.8014398509481984e+16")
        #expect(compact(.double(1e20), canonical: true) == "1e+20")
        #expect(compact(.double(2.5), canonical: true) == "2.5")
        #expect(compact(.double(.nan), canonical: true) == "null")
        #expect(compact(.int(3), canonical: true) == "3")
        #expect(compact(.array([.string("alice"), .double(3.0)]), canonical: true) == #"["alice",3]"#)
        #expect(Value.array([.double(1.0), .double(1.5)]).canonicalJSONString == "[1,1.5]")
        #expect(Value.array([.double(1.0), .double(1.5)]).jsonString == "[1.0,1.5]")
    }

    @Test func escaping() {
        #expect(compact(.string("a\"b\\c")) == #""a\"b\\c""#)
        #expect(compact(.string("\n\r\t\u{8}\u{C}")) == #""\n\r\t\b\f""#)
        #expect(compact(.string("\u{0}\u{1}\u{1F}")) == #""\u0000\u0001\u001f""#)
        #expect(compact(.string("/")) == #""/""#)
        #expect(compact(.string("\u{7F}")) == "\"\u{7F}\"")
        #expect(compact(.string("é😀\u{2028}")) == "\"é😀\u{2028}\"")
        #expect(compact(.string("plain text")) == #""plain text""#)
        #expect(compact(.string("x\ny")) == #""x\ny""#)
    }

    @Test func containers() {
        let object = Value.object(JSONObject([("z", .int(1)), ("a", .array([.null, .bool(true)])), ("m", .object(JSONObject()))]))
        #expect(compact(object) == #"{"z":1,"a":[null,true],"m":{}}"#)
        #expect(compact(.array([])) == "[]")
        #expect(compact(.object(JSONObject([("k\"", .string("v"))]))) == #"{"k\"":"v"}"#)
        #expect(object.jsonString == #"{"z":1,"a":[null,true],"m":{}}"#)
    }

    @Test func appendsToExistingOutput() {
        var output = Array("prefix:".utf8)
        JSONWriter.write(.array([.int(1), .double(2.0)]), into: &output, canonicalNumbers: true)
        #expect(String(decoding: output, as: UTF8.self) == "prefix:[1,2]")
        var text: [UInt8] = []
        JSONWriter.writeString("a\tb", into: &text)
        JSONWriter.writeInteger(-5, into: &text)
        #expect(String(decoding: text, as: UTF8.self) == #""a\tb"-5"#)
    }

    @Test func roundTripsAllControlCharacters() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é€😀"
        let text = Value.string(all).jsonString
        #expect(try JSONReader.parse(text) == .string(all))
    }

    /// The escaping a byte at a time, as the writer did before its word-at-a-time scan.
    private func referenceEscape(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func escapesAtEveryPositionOfTheWordScan() {
        // Specials at each offset of strings 0...20 bytes long, among ASCII and UTF-8,
        // into an array and into a `JSONBuffer`: both as the byte-at-a-time reference.
        let specials: [Character] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "😀", "\u{7F}"]
        for length in 0...20 {
            for position in 0..<max(1, length) {
                for special in specials {
                    var characters = Array(repeating: Character("a"), count: length)
                    if length > 0 { characters[position] = special }
                    let text = String(characters)
                    var array: [UInt8] = []
                    JSONWriter.writeString(text, into: &array)
                    var buffer = JSONBuffer(capacity: 16)
                    JSONWriter.writeString(text, into: &buffer)
                    let expected = referenceEscape(text)
                    #expect(String(decoding: array, as: UTF8.self) == expected)
                    #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
                }
            }
        }
    }
}
