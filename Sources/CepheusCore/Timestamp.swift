/// Event time (rules.md section 1): epoch milliseconds from a JSON value or RFC 3339
/// text, and RFC 3339 text from epoch milliseconds. Pure arithmetic: no calendar
/// library, no time zone database.
public enum Timestamp {
    /// The epoch milliseconds that `value` denotes, or `nil` when it is not a usable time.
    ///
    /// - An integer is epoch milliseconds.
    /// - A double is epoch milliseconds, floored; NaN, infinities and values outside
    ///   `Int64` give `nil`.
    /// - A string is RFC 3339 (see `milliseconds(rfc3339:)`).
    /// - Anything else gives `nil`.
    public static func milliseconds(from value: Value) -> Int64? {
        switch value {
        case .int(let integer):
            return integer
        case .double(let double):
            guard double.isFinite else { return nil }
            let floored = double.rounded(.down)
            // 2^63 is exactly representable; Int64.max is not.
            guard floored >= -9_223_372_036_854_775_808.0, floored < 9_223_372_036_854_775_808.0 else { return nil }
            return Int64(floored)
        case .string(let text):
            return milliseconds(rfc3339: text)
        default:
            return nil
        }
    }

    /// Epoch milliseconds of an RFC 3339 date-time such as `2026-11-24T10:00:00.250Z`,
    /// or `nil` when `text` is not one.
    ///
    /// Accepts `T`/`t` between date and time (not a space), `Z`/`z` or a `+HH:MM`/`-HH:MM`
    /// offset, and fractional seconds of any length (floored to the millisecond). Months,
    /// days (leap years included), hours, minutes and offsets are range-checked. A leap
    /// second (`:60`) is accepted at any minute and counts as the first second of the
    /// next minute (`23:59:60Z` is midnight of the next day), since epoch time has no
    /// leap seconds.
    public static func milliseconds(rfc3339 text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// `milliseconds` as RFC 3339 in UTC with milliseconds: `2026-11-24T10:00:00.250Z`.
    /// Years outside 0...9999 (which RFC 3339 cannot express) print as signed numbers.
    public static func rfc3339(_ milliseconds: Int64) -> String {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civilFromDays(days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        if year >= 0, year <= 9999 {
            appendDigits(year, width: 4, to: &out)
        } else {
            out.append(contentsOf: String(year).utf8)
        }
        out.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(msOfDay / 3_600_000, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(msOfDay / 60_000 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(msOfDay / 1_000 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendDigits(msOfDay % 1_000, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
    /// `days_from_civil`). `month` is 1...12, `day` 1...31; not range-checked.
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                           // [0, 399]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                      // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)          // [0, 365]
        let mp = (5 * dayOfYear + 2) / 153                                                    // [0, 11]
        let day = dayOfYear - (153 * mp + 2) / 5 + 1                                          // [1, 31]
        let month = mp < 10 ? mp + 3 : mp - 9                                                 // [1, 12]
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1...12) of `year`.
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Private

    private static func parse(_ s: UnsafeRawBufferPointer) -> Int64? {
        // YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest full form adds "Z".
        guard s.count >= 20,
              let year = digits(s, 0, 4), s[4] == UInt8(ascii: "-"),
              let month = digits(s, 5, 2), s[7] == UInt8(ascii: "-"),
              let day = digits(s, 8, 2),
              s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t"),
              let hour = digits(s, 11, 2), s[13] == UInt8(ascii: ":"),
              let minute = digits(s, 14, 2), s[16] == UInt8(ascii: ":"),
              let second = digits(s, 17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second <= 60
        else { return nil }

        var index = 19
        var fractionMs: Int64 = 0
        if s[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < s.count, isDigit(s[index]) {
                if index - start < 3 { fractionMs = fractionMs * 10 + Int64(s[index] - UInt8(ascii: "0")) }
                index += 1
            }
            let length = index - start
            guard length > 0 else { return nil }
            if length == 1 { fractionMs *= 100 } else if length == 2 { fractionMs *= 10 }
        }

        guard index < s.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch s[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = s[index] == UInt8(ascii: "-") ? -1 : 1
            guard index + 6 <= s.count,
                  let offsetHour = digits(s, index + 1, 2), s[index + 3] == UInt8(ascii: ":"),
                  let offsetMinute = digits(s, index + 4, 2),
                  offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
            index += 6
        default:
            return nil
        }
        guard index == s.count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1_000 + fractionMs
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The decimal number in `s[start..<start+width]`, or `nil` if any byte is not a digit.
    private static func digits(_ s: UnsafeRawBufferPointer, _ start: Int, _ width: Int) -> Int64? {
        guard start + width <= s.count else { return nil }
        var value: Int64 = 0
        for index in start..<start + width {
            guard isDigit(s[index]) else { return nil }
            value = value * 10 + Int64(s[index] - UInt8(ascii: "0"))
        }
        return value
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = a / b
        var remainder = a % b
        if remainder < 0 {
            quotient -= 1
            remainder += b
        }
        return (quotient, remainder)
    }

    /// Appends `value` (`0 <= value < 10^width`) as exactly `width` digits.
    private static func appendDigits(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
