#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client for the commands that talk to a running daemon
/// (`cepheus savepoint --url`) and the end-to-end tests: plain `http://` only, one
/// request per connection.
public enum PlainHTTPClient {
    /// A status and the body as text.
    public struct Response: Sendable {
        public var status: Int
        public var body: String
    }

    /// Why a request could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends `method` to `url` + `path` (with extra `headers`) and returns the response.
    public static func request(
        _ method: String, url: String, path: String, token: String? = nil, headers: [String: String] = [:], body: [UInt8] = []
    ) throws -> Response {
        guard url.hasPrefix("http://") else { throw Failure(description: "only http:// URLs are supported here, not '\(url)'") }
        var rest = url.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let hostPort = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let prefix = rest.split(separator: "/", maxSplits: 1).dropFirst().first.map { "/" + $0 } ?? ""
        var host = hostPort, port = "80"
        if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = String(hostPort[hostPort.index(after: colon)...])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &found) == 0, let info = found else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "cannot connect to \(url): \(String(cString: strerror(errno)))")
        }
        var head = "\(method) \(prefix)\(path) HTTP/1.1\r\nHost: \(hostPort)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
            guard count > 0 else { throw Failure(description: "cannot send to \(url)") }
            sent += count
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first,
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure(description: "no HTTP response from \(url)")
        }
        let responseBody = text.firstRange(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: responseBody)
    }
}
