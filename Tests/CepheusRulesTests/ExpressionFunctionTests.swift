import CepheusCore
import Testing
@testable import CepheusRules

@Suite struct ExpressionFunctionTests {
    typealias F = ExpressionFixture

    @Test func has() throws {
        #expect(try F.eval("has(geo.country)") == .bool(true))
        #expect(try F.eval("has(geo.zip)") == .bool(false))
        #expect(try F.eval("has(type)") == .bool(true))
        #expect(try F.eval("has(nothing)") == .bool(false))  // present but null
        #expect(try F.eval("has(missing)") == .bool(false))
        #expect(try F.eval("has(missing.deeper)") == .bool(false))
        #expect(try F.eval("has(event.ok)") == .bool(true))
        #expect(F.compileError("has(1)")?.offset == 4)
        #expect(F.compileError("has(tags[0])")?.offset == 8)
        #expect(F.compileError("has(lower(name))") != nil)
    }

    @Test func countAndSize() throws {
        #expect(try F.eval("count(fails)") == .int(3))
        #expect(try F.eval("count(success)") == .int(0))
        #expect(try F.eval("size(tags)") == .int(3))
        #expect(try F.eval("count(\"héllo\")") == .int(5))
        #expect(try F.eval("count(\"e\\u0301\")") == .int(2))
        #expect(try F.eval("count(geo)") == .int(2))
        #expect(try F.eval("count(nothing)") == .int(0))
        #expect(try F.eval("count(missing)") == .int(0))
        #expect(try F.isTypeError("count(5)"))
        #expect(try F.isTypeError("size(true)"))
    }

    @Test func firstAndLast() throws {
        #expect(try F.eval("first(tags)") == .string("a"))
        #expect(try F.eval("last(tags)") == .string("c"))
        #expect(try F.eval("first([])") == .null)
        #expect(try F.eval("last(success)") == .null)
        #expect(try F.eval("first(nothing)") == .null)
        #expect(try F.eval("first(fails).ip") == .string("1.1.1.1"))
        #expect(try F.eval("last(success).ip") == .null)
        #expect(try F.isTypeError("first(\"abc\")"))
        #expect(try F.isTypeError("last(geo)"))
    }

    @Test func aggregates() throws {
        #expect(try F.eval("sum([1, 2, 3])") == .int(6))
        #expect(try F.eval("sum([1, 2.5])") == .double(3.5))
        #expect(try F.eval("sum([])") == .int(0))
        #expect(try F.eval("sum(fails.amount)") == .int(3))
        #expect(try F.eval("sum([null, null])") == .int(0))
        #expect(try F.eval("sum(nothing)") == .null)
        #expect(try F.isTypeError("sum([\"a\"])"))
        #expect(try F.isTypeError("sum([9223372036854775807, 1])"))
        #expect(try F.isTypeError("sum(5)"))
        #expect(try F.eval("avg([1, 2])") == .double(1.5))
        #expect(try F.eval("avg([2, 2])") == .double(2.0))
        #expect(try F.eval("avg(fails.amount)") == .double(1.5))
        #expect(try F.eval("avg([])") == .null)
        #expect(try F.eval("avg([null])") == .null)
        #expect(try F.isTypeError("avg([true])"))
        #expect(try F.eval("min([3, 1.5, 2])") == .double(1.5))
        #expect(try F.eval("max([3, 1.5, 2])") == .int(3))
        #expect(try F.eval("max([1, 1.0])") == .int(1))
        #expect(try F.eval("min(fails.amount)") == .int(1))
        #expect(try F.eval("min([])") == .null)
        #expect(try F.eval("max([null])") == .null)
        #expect(try F.isTypeError("max([\"a\"])"))
        #expect(try F.isTypeError("min(\"abc\")"))
    }

    @Test func stringFunctions() throws {
        #expect(try F.eval("lower(name)") == .string("xavier"))
        #expect(try F.eval("upper(name)") == .string("XAVIER"))
        #expect(try F.eval("lower(nothing)") == .null)
        #expect(try F.isTypeError("lower(1)"))
        #expect(try F.isTypeError("upper(tags)"))
        #expect(try F.eval("len(\"héllo\")") == .int(5))
        #expect(try F.eval("len(tags)") == .int(3))
        #expect(try F.eval("len(\"\")") == .int(0))
        #expect(try F.eval("len(nothing)") == .null)
        #expect(try F.isTypeError("len(1)"))
        #expect(try F.eval("contains(\"hello\", \"ell\")") == .bool(true))
        #expect(try F.eval("contains(\"hello\", \"xyz\")") == .bool(false))
        #expect(try F.eval("contains(tags, \"a\")") == .bool(true))
        #expect(try F.eval("contains([1, 2], 2.0)") == .bool(true))
        #expect(try F.eval("contains(nothing, \"a\")") == .null)
        #expect(try F.eval("contains(\"a\", nothing)") == .null)
        #expect(try F.isTypeError("contains(\"a\", 1)"))
        #expect(try F.isTypeError("contains(1, 1)"))
        #expect(try F.eval("startsWith(ip, \"10.\")") == .bool(true))
        #expect(try F.eval("startsWith(ip, \"11.\")") == .bool(false))
        #expect(try F.eval("endsWith(ip, \".9\")") == .bool(true))
        #expect(try F.eval("endsWith(\"a\", \"ba\")") == .bool(false))
        #expect(try F.eval("startsWith(nothing, \"a\")") == .null)
        #expect(try F.eval("endsWith(\"a\", nothing)") == .null)
        #expect(try F.isTypeError("startsWith(1, \"a\")"))
        #expect(try F.isTypeError("endsWith(\"a\", 1)"))
        #expect(try F.eval(#"startsWith("e\u0301", "e")"#) == .bool(true))
    }

    @Test func matches() throws {
        #expect(try F.eval(#"matches(ip, "^10\\.")"#) == .bool(true))
        #expect(try F.eval(#"matches(ip, "^11\\.")"#) == .bool(false))
        #expect(try F.eval(#"matches(ip, "0\\.9")"#) == .bool(true))  // unanchored
        #expect(try F.eval(#"matches(user, "(?i)ALICE")"#) == .bool(true))
        #expect(try F.eval(#"matches(user, "ALICE")"#) == .bool(false))
        #expect(try F.eval(#"matches("abc123", "\\d+$")"#) == .bool(true))
        #expect(try F.eval(#"matches("a b", "a\\sb")"#) == .bool(true))
        #expect(try F.eval(#"name.matches("^[A-Z]\\w+$")"#) == .bool(true))
        #expect(try F.eval("matches(name, pattern)") == .bool(true))  // dynamic pattern
        #expect(try F.eval("matches(ip, pattern)") == .bool(false))
        #expect(try F.eval("matches(nothing, \"a\")") == .null)
        #expect(try F.test("matches(nothing, \"a\")") == .notMatched)
        #expect(try F.eval("matches(name, nothing)") == .null)
        #expect(try F.isTypeError("matches(name, badPattern)"))
        #expect(try F.isTypeError("matches(1, \"a\")"))
        #expect(try F.isTypeError("matches(name, amount)"))
        #expect(F.compileError("matches(name, \"(\")")?.offset == 14)
        #expect(F.compileError("matches(name, \"[a-\")") != nil)
        #expect(F.compileError("matches(name, 5)")?.offset == 14)
        #expect(F.compileError("name.matches(\"(\")")?.offset == 13)
    }

    @Test func numbers() throws {
        #expect(try F.eval("abs(-3)") == .int(3))
        #expect(try F.eval("abs(-2.5)") == .double(2.5))
        #expect(try F.eval("abs(4)") == .int(4))
        #expect(try F.eval("abs(nothing)") == .null)
        #expect(try F.isTypeError("abs(\"a\")"))
        #expect(try F.isTypeError("abs(-9223372036854775808)"))
        #expect(try F.eval("int(2.9)") == .int(2))
        #expect(try F.eval("int(-2.9)") == .int(-2))
        #expect(try F.eval("int(7)") == .int(7))
        #expect(try F.eval("int(\"42\")") == .int(42))
        #expect(try F.eval("int(\"-42\")") == .int(-42))
        #expect(try F.eval("int(\"3.7\")") == .int(3))
        #expect(try F.eval("int(\"1e3\")") == .int(1000))
        #expect(try F.eval("int(true)") == .int(1))
        #expect(try F.eval("int(false)") == .int(0))
        #expect(try F.eval("int(nothing)") == .null)
        #expect(try F.isTypeError("int(\"x\")"))
        #expect(try F.isTypeError("int(\"nan\")"))
        #expect(try F.isTypeError("int(1e19)"))
        #expect(try F.isTypeError("int([1])"))
        #expect(try F.eval("float(2)") == .double(2.0))
        #expect(try F.eval("float(2.5)") == .double(2.5))
        #expect(try F.eval("float(\"2.5\")") == .double(2.5))
        #expect(try F.eval("float(nothing)") == .null)
        #expect(try F.isTypeError("float(\"x\")"))
        #expect(try F.isTypeError("float(geo)"))
    }

    @Test func string() throws {
        #expect(try F.eval("string(5)") == .string("5"))
        #expect(try F.eval("string(2.5)") == .string("2.5"))
        #expect(try F.eval("string(5.0)") == .string("5.0"))
        #expect(try F.eval("string(true)") == .string("true"))
        #expect(try F.eval("string(nothing)") == .null)
        #expect(try F.eval("string(\"a\")") == .string("a"))
        #expect(try F.eval("string(tags)") == .string(#"["a","b","c"]"#))
        #expect(try F.eval("string(geo)") == .string(#"{"country":"FR","city":"Paris"}"#))
        #expect(try F.eval("string(amount) + \"x\"") == .string("12x"))
    }

    @Test func distanceKm() throws {
        let paris = try F.eval("distance_km(48.8566, 2.3522, 51.5074, -0.1278)")
        guard case .double(let km) = paris else {
            Issue.record("not a float: \(paris)")
            return
        }
        #expect(abs(km - 343.5) < 1)
        #expect(try F.eval("distance_km(lat, lon, lat, lon)", scope: F.scope(event: F.object([
            "lat": .int(10), "lon": .double(20.5),
        ]))) == .double(0))
        let antipodes = try F.eval("distance_km(0, 0, 0, 180)")
        #expect(abs((antipodes.doubleValue ?? 0) - 20015.1) < 1)
        #expect(try F.eval("distance_km(nothing, 2.3522, 51.5074, -0.1278)") == .null)
        #expect(try F.eval("distance_km(48.8566, 2.3522, 51.5074, missing)") == .null)
        #expect(try F.isTypeError("distance_km(\"a\", 2.3522, 51.5074, -0.1278)"))
    }

    @Test func unknownFunctionsAndArity() {
        #expect(F.compileError("foo(1)")?.offset == 0)
        #expect(F.compileError("1 + bar()")?.offset == 4)
        #expect(F.compileError("lower()")?.message == "lower() takes 1 argument, got 0")
        #expect(F.compileError("contains(\"a\")")?.message == "contains() takes 2 arguments, got 1")
        #expect(F.compileError("name.lower(1)")?.offset == 5)
        #expect(F.compileError("count") == nil)  // a field named count
    }
}
