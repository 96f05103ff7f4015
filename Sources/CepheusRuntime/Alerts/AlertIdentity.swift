import CepheusCore
import Crypto

/// Computes alert ids exactly as rules.md section 5 says: the first 16 bytes of
/// SHA-256 over `RULE\nVERSION\nKIND\nKEY\n` and one `STEP=ID1,ID2,…\n` line per step
/// with events, in pattern order, as lowercase hex.
public enum AlertIdentity {
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    public static func id(rule: String, version: Int, kind: String, canonicalKey: String, steps: [(String, [Event])]) -> String {
        // The text is assembled as bytes (no intermediate strings) and hashed in one call.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: rule.utf8)
        bytes.append(0x0A)
        JSONWriter.writeInteger(Int64(version), into: &bytes)
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
                event.withIDBytes { bytes.append(contentsOf: $0) }
            }
            bytes.append(0x0A)
        }
        let digest = SHA256.hash(data: bytes)
        return digest.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 32) { hex in
                for index in 0..<16 {
                    let byte = raw[index]
                    hex[2 * index] = hexDigit(byte >> 4)
                    hex[2 * index + 1] = hexDigit(byte & 0x0F)
                }
                return 32
            }
        }
    }
}
