import CepheusServer

/// Requests to a daemon on loopback for the end-to-end tests (through the client the
/// `cepheus` commands use); `nil` when the connection fails.
enum HTTPTestClient {
    static func request(
        port: Int, method: String, path: String, body: [UInt8] = [], headers: [String: String] = [:]
    ) -> PlainHTTPClient.Response? {
        try? PlainHTTPClient.request(method, url: "http://127.0.0.1:\(port)", path: path, headers: headers, body: body)
    }
}
