import Testing
@testable import CepheusCore

@Suite struct TimestampTests {
    private func ms(_ text: String) -> Int64? { Timestamp.milliseconds(rfc3339: text) }

    @Test func numbers() {
        #expect(Timestamp.milliseconds(from: .int(1_700_000_000_000)) == 1_700_000_000_000)
        #expect(Timestamp.milliseconds(from: .int(-5)) == -5)
        #expect(Timestamp.milliseconds(from: .double(1_700_000_000_000.9)) == 1_700_000_000_000)
        #expect(Timestamp.milliseconds(from: .double(-1.5)) == -2)
        #expect(Timestamp.milliseconds(from: .double(0.0)) == 0)
        #expect(Timestamp.milliseconds(from: .double(.nan)) == nil)
        #expect(Timestamp.milliseconds(from: .double(.infinity)) == nil)
        #expect(Timestamp.milliseconds(from: .double(-.infinity)) == nil)
        #expect(Timestamp.milliseconds(from: .double(9.3e18)) == nil)
        #expect(Timestamp.milliseconds(from: .double(9_223_372_036_854_775_808.0)) == nil)
        #expect(Timestamp.milliseconds(from: .double(-9_223_372_036_854_775_808.0)) == .min)
        #expect(Timestamp.milliseconds(from: .null) == nil)
        #expect(Timestamp.milliseconds(from: .bool(true)) == nil)
        #expect(Timestamp.milliseconds(from: .array([.int(1)])) == nil)
        #expect(Timestamp.milliseconds(from: .string("1700000000000")) == nil)
    }

    @Test func rfc3339Strings() {
        #expect(Timestamp.milliseconds(from: .string("2026-11-24T10:00:00.250Z")) == 1_795_514_400_250)
        #expect(ms("2026-11-24T10:00:00Z") == 1_795_514_400_000)
        #expect(ms("1970-01-01T00:00:00Z") == 0)
        #expect(ms("1970-01-01T00:00:00.001Z") == 1)
        #expect(ms("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(ms("2026-11-24t10:00:00z") == 1_795_514_400_000)
        #expect(ms("1969-12-31T23:59:59.999Z") == -1)
        #expect(ms("0000-01-01T00:00:00Z") == -62_167_219_200_000)
        #expect(ms("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
    }

    @Test func fractions() {
        #expect(ms("2026-11-24T10:00:00.2Z") == 1_795_514_400_200)
        #expect(ms("2026-11-24T10:00:00.25Z") == 1_795_514_400_250)
        #expect(ms("2026-11-24T10:00:00.2509Z") == 1_795_514_400_250)
        #expect(ms("2026-11-24T10:00:00.999999999Z") == 1_795_514_400_999)
        #expect(ms("1969-12-31T23:59:59.9999Z") == -1)
        #expect(ms("2026-11-24T10:00:00.Z") == nil)
        #expect(ms("2026-11-24T10:00:00.12aZ") == nil)
    }

    @Test func offsets() {
        #expect(ms("2026-11-24T12:00:00+02:00") == 1_795_514_400_000)
        #expect(ms("2026-11-24T04:30:00.250-05:30") == 1_795_514_400_250)
        #expect(ms("2026-11-24T10:00:00-00:00") == 1_795_514_400_000)
        #expect(ms("2026-11-24T10:00:00+00:00") == 1_795_514_400_000)
        #expect(ms("2026-11-25T00:30:00+14:30") == ms("2026-11-24T10:00:00Z"))
        #expect(ms("2026-11-24T10:00:00+24:00") == nil)
        #expect(ms("2026-11-24T10:00:00+02:60") == nil)
        #expect(ms("2026-11-24T10:00:00+0200") == nil)
        #expect(ms("2026-11-24T10:00:00+02") == nil)
        #expect(ms("2026-11-24T10:00:00+02:00 ") == nil)
    }

    @Test func leapDays() {
        #expect(ms("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(ms("2000-02-29T00:00:00Z") == 951_782_400_000)
        #expect(ms("2023-02-29T00:00:00Z") == nil)
        #expect(ms("1900-02-29T00:00:00Z") == nil)
        #expect(ms("2024-02-30T00:00:00Z") == nil)
        #expect(ms("2024-04-31T00:00:00Z") == nil)
        #expect(ms("2024-12-31T00:00:00Z") != nil)
    }

    @Test func leapSecondRollsOver() {
        #expect(ms("2016-12-31T23:59:60Z") == ms("2017-01-01T00:00:00Z"))
        #expect(ms("2016-12-31T23:59:60.5Z") == ms("2017-01-01T00:00:00.500Z"))
        #expect(ms("2016-12-31T23:59:61Z") == nil)
    }

    @Test(arguments: [
        "", "2026-11-24", "2026-11-24T10:00:00", "2026-11-24 10:00:00Z", "2026-11-24T10:00Z",
        "26-11-24T10:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2026-1-24T10:00:00Z",
        "2026/11/24T10:00:00Z", "2026-11-24T10:00:00ZZ", "+2026-11-24T10:00:00Z", "2026-11-24T10:00:00X",
        " 2026-11-24T10:00:00Z", "2026-11-24T10:00:00.250", "２026-11-24T10:00:00Z",
    ])
    func rejected(_ text: String) {
        #expect(ms(text) == nil)
    }

    @Test func formatting() {
        #expect(Timestamp.rfc3339(1_795_514_400_250) == "2026-11-24T10:00:00.250Z")
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.rfc3339(1_709_164_800_000) == "2024-02-29T00:00:00.000Z")
        #expect(Timestamp.rfc3339(253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.rfc3339(-62_167_219_200_000) == "0000-01-01T00:00:00.000Z")
        // Extreme values do not trap.
        _ = Timestamp.rfc3339(.max)
        _ = Timestamp.rfc3339(.min)
    }

    @Test func formatParseRoundTrip() {
        var ms: Int64 = -62_167_219_200_000
        let step: Int64 = 7_777_777_777_777
        while ms < 253_402_300_799_999 {
            #expect(Timestamp.milliseconds(rfc3339: Timestamp.rfc3339(ms)) == ms)
            ms += step
        }
    }

    @Test func civilDays() {
        #expect(Timestamp.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(Timestamp.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(Timestamp.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        for days: Int64 in stride(from: -800_000, through: 3_000_000, by: 997) {
            let (y, m, d) = Timestamp.civilFromDays(days)
            #expect(Timestamp.daysFromCivil(year: y, month: m, day: d) == days)
            #expect(d >= 1 && d <= Timestamp.daysInMonth(year: y, month: m))
        }
        #expect(Timestamp.isLeapYear(2000))
        #expect(!Timestamp.isLeapYear(1900))
        #expect(Timestamp.isLeapYear(2024))
        #expect(!Timestamp.isLeapYear(2026))
    }
}
