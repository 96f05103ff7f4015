import Crypto

/// HMAC-SHA256 signing of webhook bodies (spec/daemon.md): `X-Cepheus-Timestamp:
/// UNIX_SECONDS` and `X-Cepheus-Signature: sha256=HEX`, HEX being
/// HMAC-SHA256(secret, "<timestamp>.<body>"). Used by the daemon to sign and by
/// `cepheus receiver` to verify.
public enum WebhookSignature {
    /// `sha256=HEX` for `body` sent at `timestamp` (unix seconds).
    public static func sign(body: [UInt8], timestamp: Int64, secret: String) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }

    /// Whether `signature` is right for `body` and `timestamp` (compared in constant time).
    public static func verify(body: [UInt8], timestamp: String, signature: String, secret: String) -> Bool {
        guard let seconds = Int64(timestamp) else { return false }
        let expected = Array(sign(body: body, timestamp: seconds, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}
