import CepheusCore
import Testing
@testable import CepheusRules

@Suite struct ExpressionEvaluationTests {
    typealias F = ExpressionFixture

    @Test func namesFieldsAndSteps() throws {
        #expect(try F.eval("type") == .string("login"))
        #expect(try F.eval("geo.country") == .string("FR"))
        #expect(try F.eval("geo.zip") == .null)
        #expect(try F.eval("missing") == .null)
        #expect(try F.eval("missing.deeper.still") == .null)
        #expect(try F.eval("name.foo") == .null)  // member access on a scalar
        #expect(try F.eval("event.type") == .string("login"))
        #expect(try F.eval("event") == F.event)
        #expect(try F.eval("key") == .string("alice"))
        #expect(try F.eval("fails") == .array(F.fails))
        #expect(try F.eval("success") == .array([]))  // the step shadows the field
        #expect(try F.eval("event.success") == .bool(true))
        #expect(try F.eval("count(fails)") == .int(3))
    }

    @Test func referencesSteps() throws {
        let compiler = F.compiler()
        #expect(try compiler.compile("count(fails) > 2").referencesSteps)
        #expect(try compiler.compile("ip != last(success).ip").referencesSteps)
        #expect(try !compiler.compile("event.fails == 1 && type == \"x\"").referencesSteps)
        #expect(try !compiler.compile("key").referencesSteps)
        #expect(try compiler.compile("fails").text == "fails")
    }

    @Test func projections() throws {
        #expect(try F.eval("fails.amount") == .array([.int(1), .int(2), .null]))
        #expect(try F.eval("fails.ip") == .array([.string("1.1.1.1"), .string("2.2.2.2"), .string("3.3.3.3")]))
        #expect(try F.eval("fails.geo.country") == .array([.string("DE"), .null, .null]))
        #expect(try F.eval("success.ip") == .array([]))
        #expect(try F.eval("[1, geo].country") == .array([.null, .string("FR")]))
        #expect(try F.eval("last(fails).ip") == .string("3.3.3.3"))
        #expect(try F.eval("fails[-1].ip") == .string("3.3.3.3"))
        #expect(try F.eval("fails[0].geo.country") == .string("DE"))
    }

    @Test func indexing() throws {
        #expect(try F.eval("tags[0]") == .string("a"))
        #expect(try F.eval("tags[-1]") == .string("c"))
        #expect(try F.eval("tags[-3]") == .string("a"))
        #expect(try F.eval("tags[3]") == .null)
        #expect(try F.eval("tags[-4]") == .null)
        #expect(try F.eval("tags[1 + 1]") == .string("c"))
        #expect(try F.eval("geo[\"country\"]") == .string("FR"))
        #expect(try F.eval("geo[\"zip\"]") == .null)
        #expect(try F.eval("event[\"type\"]") == .string("login"))
        #expect(try F.eval("name[0]") == .string("X"))
        #expect(try F.eval("name[-1]") == .string("r"))
        #expect(try F.eval("name[10]") == .null)
        #expect(try F.eval("\"héllo\"[1]") == .string("é"))
        #expect(try F.eval("nothing[0]") == .null)
        #expect(try F.eval("missing[\"x\"]") == .null)
        #expect(try F.eval("tags[nothing]") == .null)
        #expect(try F.isTypeError("tags[\"x\"]"))
        #expect(try F.isTypeError("geo[0]"))
        #expect(try F.isTypeError("amount[0]"))
        #expect(try F.isTypeError("name[\"a\"]"))
    }

    @Test func equality() throws {
        #expect(try F.eval("1 == 1.0") == .bool(true))
        #expect(try F.eval("1.0 == 1") == .bool(true))
        #expect(try F.eval("\"1\" == 1") == .bool(false))
        #expect(try F.eval("null == null") == .bool(true))
        #expect(try F.eval("nothing == null") == .bool(true))
        #expect(try F.eval("missing == null") == .bool(true))
        #expect(try F.eval("missing == 0") == .bool(false))
        #expect(try F.eval("[1, 2.0] == [1.0, 2]") == .bool(true))
        #expect(try F.eval("[1, 2] == [1, 2, 3]") == .bool(false))
        #expect(try F.eval("geo == event.geo") == .bool(true))
        #expect(try F.eval("geo == fails[0].geo") == .bool(false))
        #expect(try F.eval("\"a\" != 1") == .bool(true))
        #expect(try F.eval("nothing != null") == .bool(false))
        #expect(try F.eval("true == 1") == .bool(false))
        // Exact comparison of large integers with floats.
        #expect(try F.eval("9007199254740993 == 9007199254740992.0") == .bool(false))
        #expect(try F.eval("9007199254740992 == 9007199254740992.0") == .bool(true))
        #expect(try F.eval("9223372036854775807 == 9223372036854775807.0") == .bool(false))
        // Strings compare by Unicode scalars, not canonical equivalence.
        #expect(try F.eval(#""e\u0301" == "\u00e9""#) == .bool(false))
        #expect(try F.eval(#""\u00e9" == "é""#) == .bool(true))
        // The same for event fields compared in place on the tape.
        let accents = F.scope(event: F.object(["d": .string("e\u{301}"), "c": .string("\u{e9}"), "k": .string("\u{212A}")]))
        #expect(try F.eval(#"d == "\u00e9""#, scope: accents) == .bool(false))
        #expect(try F.eval(#"c == "\u00e9""#, scope: accents) == .bool(true))
        #expect(try F.eval(#"c != "é""#, scope: accents) == .bool(false))
        #expect(try F.eval(#"k == "K""#, scope: accents) == .bool(false))
        #expect(try F.eval(#"missing == null"#, scope: accents) == .bool(true))
        #expect(try F.eval(#"missing != "x""#, scope: accents) == .bool(true))
        // Objects compare regardless of key order.
        let scope = F.scope(event: F.object([
            "a": F.object(["x": .int(1), "y": .double(2)]),
            "b": F.object(["y": .int(2), "x": .int(1)]),
        ]))
        #expect(try F.eval("a == b", scope: scope) == .bool(true))
    }

    @Test func ordering() throws {
        #expect(try F.eval("nothing < 1") == .bool(false))
        #expect(try F.eval("1 < nothing") == .bool(false))
        #expect(try F.eval("missing >= missing") == .bool(false))
        #expect(try F.eval("1 < 1.5") == .bool(true))
        #expect(try F.eval("2 <= 2.0") == .bool(true))
        #expect(try F.eval("3 > 2") == .bool(true))
        #expect(try F.eval("2.5 >= 3") == .bool(false))
        #expect(try F.eval("\"a\" < \"b\"") == .bool(true))
        #expect(try F.eval("\"Z\" < \"a\"") == .bool(true))
        #expect(try F.eval("\"ab\" > \"a\"") == .bool(true))
        #expect(try F.eval("\"\" < \"a\"") == .bool(true))
        #expect(try F.eval(#""e\u0301" < "\u00e9""#) == .bool(true))
        #expect(try F.eval(#""\uFFFF" < "😀""#) == .bool(true))
        #expect(try F.eval("9007199254740993 > 9007199254740992.0") == .bool(true))
        #expect(try F.eval("-9007199254740993 < -9007199254740992.0") == .bool(true))
        #expect(try F.eval("9223372036854775807 < 9223372036854775808.0") == .bool(true))
        #expect(try F.eval("1 < 1.0000001") == .bool(true))
        #expect(try F.test("\"a\" < 3") == .typeError)
        #expect(try F.isTypeError("true < false"))
        #expect(try F.isTypeError("[1] < [2]"))
        #expect(try F.isTypeError("geo > 1"))
    }

    @Test func arithmetic() throws {
        #expect(try F.eval("nothing + 1") == .null)
        #expect(try F.eval("1 + missing") == .null)
        #expect(try F.eval("nothing * \"a\"") == .null)
        #expect(try F.eval("amount + 1") == .int(13))
        #expect(try F.eval("1 + 1.5") == .double(2.5))
        #expect(try F.eval("2 * 1.0") == .double(2.0))
        #expect(try F.eval("7 / 2") == .int(3))
        #expect(try F.eval("-7 / 2") == .int(-3))
        #expect(try F.eval("7 / 2.0") == .double(3.5))
        #expect(try F.eval("7 % 3") == .int(1))
        #expect(try F.eval("-7 % 3") == .int(-1))
        #expect(try F.eval("7.5 % 2") == .double(1.5))
        #expect(try F.eval("-7.5 % 2") == .double(-1.5))
        #expect(try F.eval("price * 2") == .double(5.0))
        #expect(try F.eval("\"a\" + \"b\"") == .string("ab"))
        #expect(try F.eval("[1] + [2]") == .array([.int(1), .int(2)]))
        #expect(try F.eval("-9223372036854775808 % -1") == .int(0))
        #expect(try F.isTypeError("1 / 0"))
        #expect(try F.isTypeError("1 / 0.0"))
        #expect(try F.isTypeError("1.5 / 0"))
        #expect(try F.isTypeError("5 % 0"))
        #expect(try F.isTypeError("5.5 % 0.0"))
        #expect(try F.isTypeError("9223372036854775807 + 1"))
        #expect(try F.isTypeError("-9223372036854775808 - 1"))
        #expect(try F.isTypeError("9223372036854775807 * 2"))
        #expect(try F.isTypeError("-9223372036854775808 / -1"))
        #expect(try F.isTypeError("1e308 * 10"))
        #expect(try F.isTypeError("\"a\" + 1"))
        #expect(try F.isTypeError("true + 1"))
        #expect(try F.isTypeError("[1] + 1"))
        #expect(try F.isTypeError("\"a\" - \"b\""))
        #expect(try F.isTypeError("geo * 2"))
    }

    @Test func unaryOperators() throws {
        #expect(try F.eval("-amount") == .int(-12))
        #expect(try F.eval("-price") == .double(-2.5))
        #expect(try F.eval("-nothing") == .null)
        #expect(try F.eval("!ok") == .bool(true))
        #expect(try F.eval("not ok") == .bool(true))
        #expect(try F.eval("!nothing") == .null)
        #expect(try F.test("!nothing") == .notMatched)
        #expect(try F.isTypeError("-\"a\""))
        #expect(try F.isTypeError("-(-9223372036854775808)"))
        #expect(try F.isTypeError("!1"))
        #expect(try F.isTypeError("not \"a\""))
    }

    @Test func logicShortCircuitsWithThreeValues() throws {
        #expect(try F.test("true || \"a\" < 3") == .matched)
        #expect(try F.test("false && \"a\" < 3") == .notMatched)
        #expect(try F.test("true && \"a\" < 3") == .typeError)
        #expect(try F.test("false || \"a\" < 3") == .typeError)
        #expect(try F.eval("nothing && true") == .null)
        #expect(try F.eval("nothing && false") == .bool(false))
        #expect(try F.eval("false && nothing") == .bool(false))
        #expect(try F.eval("true && nothing") == .null)
        #expect(try F.eval("nothing || true") == .bool(true))
        #expect(try F.eval("nothing || false") == .null)
        #expect(try F.eval("false || nothing") == .null)
        #expect(try F.eval("true and true") == .bool(true))
        #expect(try F.eval("false or false") == .bool(false))
        #expect(try F.isTypeError("1 && true"))
        #expect(try F.isTypeError("true && 1"))
        #expect(try F.isTypeError("false || \"x\""))
        #expect(try F.isTypeError("nothing && 1"))
        // The right side is not evaluated at all once the left decides.
        #expect(try F.eval("false && 1 / 0 == 1") == .bool(false))
        #expect(try F.eval("true || 1 / 0 == 1") == .bool(true))
    }

    @Test func conditional() throws {
        #expect(try F.eval("ok ? 1 : 2") == .int(2))
        #expect(try F.eval("nothing ? 1 : 2") == .int(2))
        #expect(try F.eval("true ? 1 : 1 / 0") == .int(1))
        #expect(try F.eval("false ? 1 / 0 : \"x\"") == .string("x"))
        #expect(try F.isTypeError("1 ? 1 : 2"))
        #expect(try F.isTypeError("amount ? 1 : 2"))
    }

    @Test func membership() throws {
        #expect(try F.eval("\"b\" in tags") == .bool(true))
        #expect(try F.eval("\"z\" in tags") == .bool(false))
        #expect(try F.eval("2 in [1, 2.0]") == .bool(true))
        #expect(try F.eval("null in [1, null]") == .bool(true))
        #expect(try F.eval("\"country\" in geo") == .bool(true))
        #expect(try F.eval("\"zip\" in geo") == .bool(false))
        #expect(try F.eval("1 in geo") == .bool(false))
        #expect(try F.eval("\"type\" in event") == .bool(true))
        #expect(try F.eval("\"ell\" in \"hello\"") == .bool(true))
        #expect(try F.eval("\"\" in \"hello\"") == .bool(true))
        #expect(try F.eval("\"hello!\" in \"hello\"") == .bool(false))
        #expect(try F.eval("\"e\" in \"cafe\\u0301\"") == .bool(true))
        #expect(try F.eval("\"x\" in nothing") == .bool(false))
        #expect(try F.eval("\"x\" in missing") == .bool(false))
        #expect(try F.eval("nothing in \"abc\"") == .bool(false))
        #expect(try F.isTypeError("1 in \"hello\""))
        #expect(try F.isTypeError("\"x\" in 5"))
        #expect(try F.isTypeError("\"x\" in true"))
    }

    @Test func conditionOutcomes() throws {
        #expect(try F.test("true") == .matched)
        #expect(try F.test("false") == .notMatched)
        #expect(try F.test("nothing") == .notMatched)
        #expect(try F.test("missing") == .notMatched)
        #expect(try F.test("amount") == .typeError)
        #expect(try F.test("type") == .typeError)
        #expect(try F.test("type == \"login\" && ok == false") == .matched)
        #expect(try F.test("type == \"login\" && ok == true") == .notMatched)
    }

    @Test func constantsAreFoldedButRuntimeErrorsStayRuntime() throws {
        let compiler = F.compiler()
        let folded = try compiler.compile("1 + 2 * 3")
        #expect(folded.constant == .int(7))
        let failing = try compiler.compile("1 / 0")
        #expect(failing.constant == nil)
        #expect(failing.test(F.scope()) == .typeError)
        #expect(try compiler.compile("[1, 2]").constant == .array([.int(1), .int(2)]))
        #expect(try compiler.compile("type").constant == nil)
    }

    @Test func evaluatesConcurrently() async throws {
        let compiled = try F.compiler().compile(
            "matches(name, \"^X\") && matches(ip, pattern) == false && count(fails) == 3 && lower(name) == \"xavier\"")
        let results = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var matched = 0
                    for _ in 0..<200 where compiled.test(ExpressionFixture.scope()) == .matched { matched += 1 }
                    return matched
                }
            }
            var total = 0
            for await count in group { total += count }
            return total
        }
        #expect(results == 1600)
    }

    /// `&&` chains of field comparisons run fused on the tape; they must keep every
    /// rule of the general evaluator: order, short-circuit, null and type errors.
    @Test func fusedFieldComparisons() throws {
        #expect(try F.eval(#"type == "login" && ok == false"#) == .bool(true))
        #expect(try F.eval(#"type == "login" && ok == true"#) == .bool(false))
        #expect(try F.eval(#"type != "login" && amount > 1"#) == .bool(false))
        #expect(try F.eval(#"amount >= 12 && amount < 13 && price > 2"#) == .bool(true))
        #expect(try F.eval(#"geo.country == "FR" && geo.city != "Lyon""#) == .bool(true))
        // A missing field is null: == null holds, ordering is false.
        #expect(try F.eval(#"missing == null && type == "login""#) == .bool(true))
        #expect(try F.eval(#"missing > 1 && type == "login""#) == .bool(false))
        // Type errors happen where the general evaluator has them, and short-circuit.
        #expect(try F.isTypeError(#"type == "login" && name > 1"#))
        #expect(try !F.isTypeError(#"type == "x" && name > 1"#))
        #expect(try F.isTypeError(#"name > 1 && type == "x""#))
        #expect(try F.test(#"type == "login" && name > 1"#) == .typeError)
        // Integers and floats compare as numbers.
        #expect(try F.eval(#"amount == 12.0 && price == 2.5"#) == .bool(true))
        // No event at all: every field is null.
        let compiled = try F.compiler().compile(#"missing == null && other != "x""#)
        #expect(try compiled.evaluate(EvaluationScope(event: nil, key: .null)) == .bool(true))
    }
}

@Suite struct LeadingEqualityTests {
    func leading(_ text: String, steps: [String] = ["a"]) throws -> (path: [Int32], text: String)? {
        let compiled = try ExpressionCompiler(stepNames: steps).compile(text)
        return compiled.leadingEquality.map { ($0.path, String(decoding: $0.utf8, as: UTF8.self)) }
    }

    @Test func aFieldEqualToATextLeadsAChain() throws {
        let type = FieldNames.shared.intern("type")
        #expect(try leading(#"type == "login""#)?.path == [type])
        #expect(try leading(#"type == "login""#)?.text == "login")
        #expect(try leading(#"type == "login" && ok == false && amount > 3"#)?.text == "login")
        #expect(try leading(#"type == "x" && ip != last(a).ip"#)?.text == "x")
        let nested = try leading(#"geo.country == "FR" && ok"#)
        #expect(nested?.path == [FieldNames.shared.intern("geo"), FieldNames.shared.intern("country")])
    }

    @Test func anythingElseHasNone() throws {
        #expect(try leading(#"ok == false && type == "login""#) == nil)
        #expect(try leading(#""login" == type"#) == nil)
        #expect(try leading(#"type != "login""#) == nil)
        #expect(try leading(#"type == 3"#) == nil)
        #expect(try leading(#"type == "a" || ok"#) == nil)
        #expect(try leading(#"last(a).type == "x""#) == nil)
        #expect(try leading(#"!(type == "x")"#) == nil)
    }
}

@Suite struct FusedMembershipTests {
    func evaluate(_ text: String, _ fields: [(String, Value)]) throws -> Value {
        let compiled = try ExpressionCompiler(stepNames: []).compile(text)
        let event = Event.make(value: .object(JSONObject(fields)), timestamp: 0, id: "e", sequence: 0)
        return try compiled.evaluate(EvaluationScope(event: event, key: .null))
    }

    /// `FIELD in [texts]` inside an `&&` chain is read from the tape; it must agree with
    /// the general `in` (membership by `==`) on strings, other types, null and absence.
    @Test func membershipInAChainAgreesWithTheGeneralIn() throws {
        // (fields, `a in [...]` alone, the whole chain)
        let cases: [([(String, Value)], Bool, Bool)] = [
            ([("t", .string("x")), ("a", .string("sudo"))], true, true),
            ([("t", .string("x")), ("a", .string("role_grant"))], true, true),
            ([("t", .string("x")), ("a", .string("sud"))], false, false),
            ([("t", .string("x")), ("a", .int(3))], false, false),
            ([("t", .string("x")), ("a", .null)], false, false),
            ([("t", .string("x"))], false, false),
            ([("t", .string("x")), ("a", .array([.string("sudo")]))], false, false),
            ([("t", .string("y")), ("a", .string("sudo"))], true, false),
        ]
        for (fields, inList, chain) in cases {
            #expect(try evaluate(#"a in ["sudo", "role_grant"]"#, fields) == .bool(inList), "\(fields)")
            #expect(try evaluate(#"t == "x" && a in ["sudo", "role_grant"]"#, fields) == .bool(chain), "\(fields)")
            let typeIsX = fields.first { $0.0 == "t" }?.1 == .string("x")
            let negated = try evaluate(#"t == "x" && !(a in ["sudo", "role_grant"])"#, fields)
            #expect(negated == .bool(typeIsX && !inList), "\(fields)")
        }
        // A list with a non-string stays on the general path, with the same answers.
        #expect(try evaluate(#"t == "x" && a in ["sudo", 3]"#, [("t", .string("x")), ("a", .int(3))]) == .bool(true))
    }
}
