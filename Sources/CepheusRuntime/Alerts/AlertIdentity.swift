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
        let bytes = JSONBuffer(capacity: 256)
        var utf8 = rule
        utf8.withUTF8 { bytes.write(bytes: UnsafeRawBufferPointer($0)) }
        bytes.write(byte: 0x0A)
        var sink = bytes
        JSONWriter.writeInteger(Int64(version), into: &sink)
        bytes.write(byte: 0x0A)
        utf8 = kind
        utf8.withUTF8 { bytes.write(bytes: UnsafeRawBufferPointer($0)) }
        bytes.write(byte: 0x0A)
        utf8 = canonicalKey
        utf8.withUTF8 { bytes.write(bytes: UnsafeRawBufferPointer($0)) }
        bytes.write(byte: 0x0A)
        for (name, events) in steps where !events.isEmpty {
            utf8 = name
            utf8.withUTF8 { bytes.write(bytes: UnsafeRawBufferPointer($0)) }
            bytes.write(byte: UInt8(ascii: "="))
            for (index, event) in events.enumerated() {
                if index > 0 { bytes.write(byte: UInt8(ascii: ",")) }
                event.withIDBytes { bytes.write(bytes: $0) }
            }
            bytes.write(byte: 0x0A)
        }
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes.bytes)
        let digest = hasher.finalize()
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
