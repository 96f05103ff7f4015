import CepheusCore
import Testing
@testable import CepheusRules

@Suite struct ExpressionParserTests {
    typealias F = ExpressionFixture

    @Test func precedenceOfArithmeticAndLogic() throws {
        #expect(try F.test("1 + 2 * 3 == 7 && !false") == .matched)
        #expect(try F.eval("1 + 2 * 3") == .int(7))
        #expect(try F.eval("(1 + 2) * 3") == .int(9))
        #expect(try F.eval("10 - 4 - 3") == .int(3))
        #expect(try F.eval("100 / 10 / 5") == .int(2))
        #expect(try F.eval("-2 * 3") == .int(-6))
        #expect(try F.eval("- -2") == .int(2))
        #expect(try F.eval("true or false and false") == .bool(true))
        #expect(try F.eval("(true or false) and false") == .bool(false))
        #expect(try F.eval("not true == false") == .bool(true))
        #expect(try F.eval("(1 < 2) == true") == .bool(true))
        #expect(try F.eval("1 + 1 == 2 ? \"y\" : \"n\"") == .string("y"))
    }

    @Test func treeShape() throws {
        let node = try ExpressionParser.parse("1 + 2 * 3")
        #expect(node == .binary(.add,
                                .literal(.int(1), offset: 0),
                                .binary(.multiply, .literal(.int(2), offset: 4), .literal(.int(3), offset: 8), offset: 6),
                                offset: 2))
        let method = try ExpressionParser.parse("name.lower()")
        #expect(method == .call(name: "lower", arguments: [.name("name", offset: 0)], offset: 5))
        let member = try ExpressionParser.parse("geo.country")
        #expect(member == .member(.name("geo", offset: 0), name: "country", offset: 4))
        let notIn = try ExpressionParser.parse("a not in b")
        #expect(notIn == .unary(.not, .binary(.in, .name("a", offset: 0), .name("b", offset: 9), offset: 2), offset: 2))
        #expect(try ExpressionParser.parse("a[0]") == .index(.name("a", offset: 0), .literal(.int(0), offset: 2), offset: 1))
    }

    @Test func conditionalIsRightAssociative() throws {
        #expect(try F.eval("true ? 1 : false ? 2 : 3") == .int(1))
        #expect(try F.eval("false ? 1 : false ? 2 : 3") == .int(3))
        #expect(try F.eval("false ? 1 : true ? 2 : 3") == .int(2))
        #expect(try F.eval("true ? false ? 1 : 2 : 3") == .int(2))
    }

    @Test func keywordsAndMembers() throws {
        #expect(try F.eval("\"x\" not in [\"a\"]") == .bool(true))
        #expect(try F.eval("\"a\" not in [\"a\"]") == .bool(false))
        let scope = F.scope(event: F.object(["in": .int(1), "null": .int(2)]))
        #expect(try F.eval("event.in + event.null", scope: scope) == .int(3))
        #expect(F.compileError("in") != nil)
        #expect(try F.eval("ok or not ok") == .bool(true))
    }

    @Test func methodForm() throws {
        #expect(try F.test("name.lower() == \"xavier\"") == .matched)
        #expect(try F.eval("ip.startsWith(\"10.\")") == .bool(true))
        #expect(try F.eval("tags.contains(\"b\")") == .bool(true))
        #expect(try F.eval("geo.country.has()") == .bool(true))
        #expect(try F.eval("\"A\".lower().upper()") == .string("A"))
    }

    @Test func literals() throws {
        #expect(try F.eval("null") == .null)
        #expect(try F.eval("true") == .bool(true))
        #expect(try F.eval("42") == .int(42))
        #expect(try F.eval("1.5") == .double(1.5))
        #expect(try F.eval("1.5e3") == .double(1500))
        #expect(try F.eval("2E-1") == .double(0.2))
        #expect(try F.eval("1e2") == .double(100))
        #expect(try F.eval("9223372036854775807") == .int(Int64.max))
        #expect(try F.eval("-9223372036854775808") == .int(Int64.min))
        #expect(try F.eval(#""a\n\t\\\"'""#) == .string("a\n\t\\\"'"))
        #expect(try F.eval(#"'it\'s "x"'"#) == .string("it's \"x\""))
        #expect(try F.eval(#""\u00e9\/""#) == .string("\u{e9}/"))
        #expect(try F.eval(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try F.eval("[1, \"a\", null, [true]]") == .array([.int(1), .string("a"), .null, .array([.bool(true)])]))
        #expect(try F.eval("[]") == .array([]))
        #expect(try F.eval("[1, 2,]") == .array([.int(1), .int(2)]))
    }

    @Test func durationLiterals() throws {
        #expect(try F.test("5m == 300000") == .matched)
        #expect(try F.eval("250ms") == .int(250))
        #expect(try F.eval("30s") == .int(30_000))
        #expect(try F.eval("1h30m") == .int(5_400_000))
        #expect(try F.eval("2h") == .int(7_200_000))
        #expect(try F.eval("1d") == .int(86_400_000))
        #expect(try F.eval("10m + 1") == .int(600_001))
    }

    @Test func parseErrorOffsets() {
        func error(_ text: String) -> ExpressionError? {
            do {
                _ = try ExpressionParser.parse(text)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("1 +")?.offset == 3)
        #expect(error("foo(1")?.offset == 0)
        #expect(error("foo(1")?.message.contains("unknown function 'foo'") == true)
        #expect(error("x.bar(1)")?.offset == 2)
        #expect(error("count(1, 2)")?.offset == 0)
        #expect(error("count(1, 2)")?.message.contains("count() takes 1 argument") == true)
        #expect(error("x.count(1)")?.offset == 2)
        #expect(error("distance_km(1, 2, 3)")?.offset == 0)
        #expect(error("(1 + 2")?.offset == 6)
        #expect(error("\"abc")?.offset == 0)
        #expect(error("1 + \"abc")?.message == "unterminated string")
        #expect(error("99999999999999999999")?.offset == 0)
        #expect(error("1 + 9223372036854775808")?.offset == 4)
        #expect(error("1 = 2")?.offset == 2)
        #expect(error("a & b")?.offset == 2)
        #expect(error("5x")?.offset == 0)
        #expect(error("2 + 5min")?.offset == 4)
        #expect(error("1 2")?.offset == 2)
        #expect(error(#""\q""#)?.offset == 1)
        #expect(error(#""\u12""#)?.offset == 1)
        #expect(error(#""\uD83D""#)?.offset == 1)
        #expect(error("a < b < c")?.offset == 6)
        #expect(error("a.")?.offset == 2)
        #expect(error("[1, 2")?.offset == 5)
        #expect(error("a[1")?.offset == 3)
        #expect(error("")?.offset == 0)
        #expect(error("  ")?.offset == 2)
        #expect(error("1 ? 2")?.offset == 5)
        #expect(error("(a)(b)")?.offset == 3)
        #expect(error("é + 1")?.offset == 0)
        #expect(error("\"é\" + #")?.offset == 6)
        #expect(error(String(repeating: "(", count: 1000) + "1" + String(repeating: ")", count: 1000)) != nil)
        #expect(error(String(repeating: "!", count: 1000) + "true") != nil)
        #expect(error(Array(repeating: "1", count: 3000).joined(separator: "+")) != nil)
        #expect(error(Array(repeating: "a", count: 3000).joined(separator: ".")) != nil)
        #expect(error(Array(repeating: "1", count: 100).joined(separator: " + ")) == nil)
        // Long lists do not nest.
        #expect(error("x in [" + Array(repeating: "\"10.0.0.1\"", count: 5000).joined(separator: ", ") + "]") == nil)
    }
}
