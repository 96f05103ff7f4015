import CepheusCore

/// What one delivery attempt's outcome means (spec/daemon.md, Webhook delivery): 2xx is
/// delivered; 4xx other than 408 and 429 is permanent (dead-lettered at once); anything
/// else — 5xx, 408, 429, other statuses, refused, reset, timeout — is retried with
/// jittered exponential backoff from 1 s doubling to 5 min, `Retry-After` honoured, until
/// `max_age`.
enum DeliveryPolicy {
    enum Verdict: Equatable {
        case delivered
        /// Retry; `notBefore` is the receiver's `Retry-After` (epoch ms), if any.
        case retry(reason: String, notBefore: Int64?)
        case permanent(reason: String)
    }

    static func verdict(status: Int, retryAfter: String?, now: Int64) -> Verdict {
        switch status {
        case 200..<300:
            return .delivered
        case 408, 429:
            return .retry(reason: "HTTP \(status)", notBefore: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        case 400..<500:
            return .permanent(reason: "HTTP \(status)")
        default:
            return .retry(reason: "HTTP \(status)", notBefore: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        }
    }

    /// The wait before attempt `attempts + 1` after `attempts` failed ones: 1 s doubling
    /// to 5 min, drawn uniformly from its upper half (so receivers coming back are not hit
    /// by every sender at once).
    static func backoff(afterAttempts attempts: Int, random: inout some RandomNumberGenerator) -> Int64 {
        let exponent = min(max(attempts - 1, 0), 20)
        let ceiling = min(Int64(300_000), Int64(1_000) << exponent)
        return ceiling / 2 + Int64.random(in: 0...(ceiling / 2), using: &random)
    }

    /// `Retry-After` as epoch ms: delay-seconds, or an HTTP date (IMF-fixdate,
    /// `Sun, 06 Nov 1994 08:49:37 GMT`).
    static func parseRetryAfter(_ text: String, now: Int64) -> Int64? {
        let trimmed = String(String(text.drop { $0 == " " }.reversed()).drop { $0 == " " }.reversed())
        if let seconds = Int64(trimmed), seconds >= 0 { return now + min(seconds, 86_400) * 1000 }
        let parts = trimmed.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]), let year = Int64(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = months.firstIndex(of: String(parts[2])) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard clock.count == 3 else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: Int64(month + 1), day: day)
        return ((days * 24 + clock[0]) * 60 + clock[1]) * 60_000 + clock[2] * 1000
    }
}
