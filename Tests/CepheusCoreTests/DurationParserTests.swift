import Testing
@testable import CepheusCore

@Suite struct DurationParserTests {
    @Test func valid() {
        #expect(DurationParser.milliseconds("250ms") == 250)
        #expect(DurationParser.milliseconds("30s") == 30_000)
        #expect(DurationParser.milliseconds("10m") == 600_000)
        #expect(DurationParser.milliseconds("2h") == 7_200_000)
        #expect(DurationParser.milliseconds("1d") == 86_400_000)
        #expect(DurationParser.milliseconds("1h30m") == 5_400_000)
        #expect(DurationParser.milliseconds("1m500ms") == 60_500)
        #expect(DurationParser.milliseconds("0s") == 0)
    }

    @Test(arguments: ["10", "m", "5x", "", "ms", "-5m", "1.5h", "5 m", "5M", "1h 30m", "99999999999999999999s"])
    func invalid(_ text: String) {
        #expect(DurationParser.milliseconds(text) == nil)
    }

    @Test func format() {
        #expect(DurationParser.format(90_000) == "1m30s")
        #expect(DurationParser.format(0) == "0s")
        #expect(DurationParser.format(250) == "250ms")
        #expect(DurationParser.format(86_400_000 + 3_600_000) == "1d1h")
        for ms: Int64 in [1, 999, 1_000, 61_001, 5_400_000, 90_061_001] {
            #expect(DurationParser.milliseconds(DurationParser.format(ms)) == ms)
        }
    }
}
