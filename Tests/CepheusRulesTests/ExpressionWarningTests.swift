import CepheusCore
import Testing
@testable import CepheusRules

@Suite struct ExpressionWarningTests {
    let compiler = ExpressionCompiler(stepNames: ["fails", "success"])

    @Test func stepNameUsedAsScalar() {
        let warnings = compiler.warnings("success == true")
        #expect(warnings.count == 1)
        #expect(warnings.first?.offset == 0)
        #expect(warnings.first?.message == "'success' names a step, not the field of that name; write event.success for the field")
        #expect(compiler.warnings("ok && success").first?.offset == 6)
        #expect(compiler.warnings("success").isEmpty == true)
        #expect(compiler.warnings("!success").count == 1)
        #expect(compiler.warnings("fails + 1").count == 1)
        #expect(compiler.warnings("success ? 1 : 2").count == 1)
        #expect(compiler.warnings("lower(success) == \"x\"").count == 1)
        #expect(compiler.warnings("fails > 3").count == 1)
        #expect(compiler.warnings("success in [true]").count == 1)
    }

    @Test func legitimateStepUses() {
        #expect(compiler.warnings("event.success == true").isEmpty)
        #expect(compiler.warnings("count(fails) > 3").isEmpty)
        #expect(compiler.warnings("fails.amount").isEmpty)
        #expect(compiler.warnings("last(fails).ip != ip").isEmpty)
        #expect(compiler.warnings("sum(fails.amount) > 10").isEmpty)
        #expect(compiler.warnings("fails + success").isEmpty)
        #expect(compiler.warnings("fails == []").isEmpty)
        #expect(compiler.warnings("ip in fails.ip").isEmpty)
        #expect(compiler.warnings("fails[0].ip == ip").isEmpty)
    }

    @Test func eventAndKeyShadowingSteps() throws {
        let shadowing = ExpressionCompiler(stepNames: ["event", "x"])
        let warnings = shadowing.warnings("event.type == \"login\"")
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("current event") == true)
        // `event` still means the current event.
        let compiled = try? shadowing.compile("event.type")
        #expect(compiled?.referencesSteps == false)
        #expect(try compiled?.evaluate(ExpressionFixture.scope()) == .string("login"))
    }

    @Test func unparsableGivesNoWarnings() {
        #expect(compiler.warnings("1 +").isEmpty)
        #expect(compiler.warnings("success ==").isEmpty)
    }

    @Test func templateWarningsHaveTemplateOffsets() {
        let warnings = Template.warnings("x {{ success == true }}", compiler: compiler)
        #expect(warnings.count == 1)
        #expect(warnings.first?.offset == 5)
    }
}
