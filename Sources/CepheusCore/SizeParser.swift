/// Parses byte sizes (daemon config, rules.md section 2): a plain number of bytes
/// (`512`), binary units `KiB` `MiB` `GiB` `TiB` (powers of 1024), decimal units
/// `KB` (or `kB`) `MB` `GB` `TB` (powers of 1000), and `B`. No sign, no fraction,
/// no space between number and unit; units are case-sensitive.
public enum SizeParser {
    /// Bytes in `text`, or `nil` when it is not a size or overflows `Int64`.
    public static func bytes(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        var index = 0
        var number: Int64 = 0
        while index < utf8.count, utf8[index] >= UInt8(ascii: "0"), utf8[index] <= UInt8(ascii: "9") {
            let (product, o1) = number.multipliedReportingOverflow(by: 10)
            let (sum, o2) = product.addingReportingOverflow(Int64(utf8[index] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            number = sum
            index += 1
        }
        guard index > 0 else { return nil }
        let multiplier: Int64
        switch String(decoding: utf8[index...], as: UTF8.self) {
        case "", "B": multiplier = 1
        case "KiB": multiplier = 1 << 10
        case "MiB": multiplier = 1 << 20
        case "GiB": multiplier = 1 << 30
        case "TiB": multiplier = 1 << 40
        case "KB", "kB": multiplier = 1_000
        case "MB": multiplier = 1_000_000
        case "GB": multiplier = 1_000_000_000
        case "TB": multiplier = 1_000_000_000_000
        default: return nil
        }
        let (result, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }

    /// The shortest exact text for `bytes` in binary units (`1048576` -> `1MiB`,
    /// `1500` -> `1500`).
    public static func format(_ bytes: Int64) -> String {
        guard bytes > 0 else { return String(bytes) }
        for (shift, suffix) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
            let unit = Int64(1) << shift
            if bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
        }
        return String(bytes)
    }
}
