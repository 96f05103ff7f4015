/// Parses durations (`250ms`, `30s`, `10m`, `2h`, `1d`, sums such as `1h30m`) into
/// milliseconds, and formats them back.
public enum DurationParser {
    /// Milliseconds in `text`, or `nil` when it is not a duration.
    public static func milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var total: Int64 = 0
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (m, o1) = number.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(bytes[index] - 0x30))
                if o1 || o2 { return nil }
                number = s
                index += 1
            }
            guard index > start, index < bytes.count else { return nil }
            let unit: Int64
            if bytes[index] == UInt8(ascii: "m"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") {
                unit = 1
                index += 2
            } else {
                switch bytes[index] {
                case UInt8(ascii: "s"): unit = 1_000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                case UInt8(ascii: "d"): unit = 86_400_000
                default: return nil
                }
                index += 1
            }
            let (product, o1) = number.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// The shortest sum-of-units text for `milliseconds` (`90000` -> `1m30s`).
    public static func format(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = milliseconds < 0 ? "-" : ""
        rest = Swift.abs(rest)
        for (unit, suffix) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")] where rest >= unit {
            text += "\(rest / unit)\(suffix)"
            rest %= unit
        }
        return text
    }
}
