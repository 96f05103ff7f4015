import CepheusCore
import Testing
@testable import CepheusRules

@Suite struct TemplateTests {
    typealias F = ExpressionFixture
    let compiler = ExpressionFixture.compiler()

    func render(_ text: String, scope: EvaluationScope = ExpressionFixture.scope()) throws -> (text: String, typeErrors: Int) {
        try Template.parse(text, compiler: compiler).render(scope)
    }

    @Test func rendersExpressions() throws {
        let result = try render("{{ count(fails) }} failed logins for {{ key }}")
        #expect(result.text == "3 failed logins for alice")
        #expect(result.typeErrors == 0)
        #expect(try render("no pieces").text == "no pieces")
        #expect(try render("").text == "")
        #expect(try render("{{key}}{{key}}").text == "alicealice")
        #expect(try render("{ not } a piece }}").text == "{ not } a piece }}")
    }

    @Test func rendersValues() throws {
        #expect(try render("[{{ nothing }}]").text == "[]")
        #expect(try render("[{{ missing }}]").text == "[]")
        #expect(try render("{{ price }}").text == "2.5")
        #expect(try render("{{ float(5) }}").text == "5.0")
        #expect(try render("{{ amount }}").text == "12")
        #expect(try render("{{ -amount }}").text == "-12")
        #expect(try render("{{ ok }}").text == "false")
        #expect(try render("{{ tags }}").text == #"["a","b","c"]"#)
        #expect(try render("{{ geo }}").text == #"{"country":"FR","city":"Paris"}"#)
        #expect(try render(#"{{ ["a\"b\n", null, 1.5] }}"#).text == #"["a\"b\n",null,1.5]"#)
        #expect(try render(#"{{ "}}" }}"#).text == "}}")
        #expect(try render(#"{{ '{{' + "x" }}"#).text == "{{x")
    }

    @Test func valueRendering() {
        #expect(Value.null.renderedForTemplate() == "")
        #expect(Value.double(2.5).renderedForTemplate() == "2.5")
        #expect(Value.double(5).renderedForTemplate() == "5.0")
        #expect(Value.double(0.1).renderedForTemplate() == "0.1")
        #expect(Value.int(-3).renderedForTemplate() == "-3")
        #expect(Value.bool(true).renderedForTemplate() == "true")
        #expect(Value.string("a\"b").renderedForTemplate() == "a\"b")
        #expect(Value.array([.string("\u{1}\t"), .double(.infinity)]).renderedForTemplate() == #"["\u0001\t",null]"#)
        #expect(ExpressionFixture.object(["a": .array([])]).renderedForTemplate() == #"{"a":[]}"#)
    }

    @Test func typeErrorsRenderEmptyAndCount() throws {
        let result = try render("a{{ 'a' < 3 }}b{{ 1 / 0 }}c{{ key }}")
        #expect(result.text == "abcalice")
        #expect(result.typeErrors == 2)
    }

    @Test func referencesSteps() throws {
        #expect(try Template.parse("{{ count(fails) }}", compiler: compiler).referencesSteps)
        #expect(try !Template.parse("{{ key }} {{ type }}", compiler: compiler).referencesSteps)
        #expect(try Template.parse("x {{ key }}", compiler: compiler).text == "x {{ key }}")
    }

    @Test func errors() {
        func error(_ text: String) -> ExpressionError? {
            do {
                _ = try Template.parse(text, compiler: compiler)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("abc {{ key ")?.offset == 4)
        #expect(error("abc {{ key ")?.message.contains("}}") == true)
        #expect(error("{{ \"}} ")?.offset == 0)
        #expect(error("ab {{ 1 + }}")?.offset == 10)
        #expect(error("é {{ foo(1) }}")?.offset == 5)
        #expect(error("{{}}")?.offset == 2)
        #expect(error("{{ key }} {{ key }")?.offset == 10)
    }
}
