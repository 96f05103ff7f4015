import CepheusCore
import Crypto

/// Computes alert ids exactly as rules.md section 5 says: the first 16 bytes of
/// SHA-256 over `RULE\nVERSION\nKIND\nKEY\n` and one `STEP=ID1,ID2,…\n` line per step
/// with events, in pattern order, as lowercase hex.
public enum AlertIdentity {
    public static func id(rule: String, version: Int, kind: String, canonicalKey: String, steps: [(String, [Event])]) -> String {
        // The text is assembled as bytes and hashed incrementally: no intermediate strings.
        var hasher = SHA256()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func flush() {
            bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            bytes.removeAll(keepingCapacity: true)
        }
        bytes.append(contentsOf: rule.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: String(version).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: kind.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: canonicalKey.utf8)
        bytes.append(0x0A)
        for (name, events) in steps where !events.isEmpty {
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: "="))
            for (index, event) in events.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: event.id.utf8)
            }
            bytes.append(0x0A)
            if bytes.count > 4096 { flush() }
        }
        flush()
        let digest = hasher.finalize()
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        for byte in digest.prefix(16) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
