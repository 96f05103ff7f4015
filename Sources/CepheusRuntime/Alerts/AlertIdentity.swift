import CepheusCore
import Crypto

/// Computes alert ids exactly as rules.md section 5 says: the first 16 bytes of
/// SHA-256 over `RULE\nVERSION\nKIND\nKEY\n` and one `STEP=ID1,ID2,…\n` line per step
/// with events, in pattern order, as lowercase hex.
public enum AlertIdentity {
    public static func id(rule: String, version: Int, kind: String, canonicalKey: String, steps: [(String, [Event])]) -> String {
        var text = "\(rule)\n\(version)\n\(kind)\n\(canonicalKey)\n"
        for (name, events) in steps where !events.isEmpty {
            text += name
            text += "="
            text += events.map(\.id).joined(separator: ",")
            text += "\n"
        }
        let digest = SHA256.hash(data: Array(text.utf8))
        var hex = ""
        hex.reserveCapacity(32)
        let digits: [Character] = Array("0123456789abcdef")
        for byte in digest.prefix(16) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return hex
    }
}
