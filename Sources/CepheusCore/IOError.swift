#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file, with a message for people:
/// `cannot open data/events.jsonl: No such file or directory`.
public struct IOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The whole message, e.g. `cannot read stdin: Input/output error`.
    public var message: String
    /// The `errno` value, or 0 when there is none.
    public var code: Int32

    public init(message: String, code: Int32 = 0) {
        self.message = message
        self.code = code
    }

    /// `"cannot VERB NAME: strerror(code)"`.
    public init(_ verb: String, _ name: String, code: Int32) {
        self.init(message: "cannot \(verb) \(name): \(Self.describe(code))", code: code)
    }

    public var description: String { message }

    /// `strerror(code)` as a `String`.
    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
