/// `${VAR}` and `${VAR:-default}` in configuration values (spec/daemon.md), from the
/// process environment or a given one. `$$` is a literal `$`. A variable that is
/// unset (or empty, for `:-`) takes the default; `${VAR}` with VAR unset is an error,
/// so a missing secret is caught at start, not at the first webhook.
public enum EnvironmentExpansion {
    /// Why a value could not be expanded.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func expand(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        guard text.contains("$") else { return .success(text) }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "$" else {
                output.append(character)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            if next < text.endIndex, text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard next < text.endIndex, text[next] == "{" else {
                output.append("$")
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else {
                return .failure(Failure(description: "unterminated '${' in '\(text)'"))
            }
            let inner = text[text.index(after: next)..<close]
            let name: Substring
            var fallback: Substring?
            if let separator = inner.range(of: ":-") {
                name = inner[..<separator.lowerBound]
                fallback = inner[separator.upperBound...]
            } else {
                name = inner
            }
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }),
                  !name.first!.isNumber else {
                return .failure(Failure(description: "'${\(inner)}' is not a variable reference (expected ${NAME} or ${NAME:-default})"))
            }
            let value = environment[String(name)]
            if let fallback {
                output += (value?.isEmpty ?? true) ? String(fallback) : value!
            } else if let value {
                output += value
            } else {
                return .failure(Failure(description: "environment variable \(name) is not set (write ${\(name):-default} to allow that)"))
            }
            index = text.index(after: close)
        }
        return .success(output)
    }
}
