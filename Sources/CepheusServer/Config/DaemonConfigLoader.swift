import CepheusCore
import CepheusRules
import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and validates a daemon configuration file (spec/daemon.md): YAML, `${VAR}`
/// and `${VAR:-default}` expanded in every value, unknown keys and bad values
/// reported — all of them, each as `FILE:LINE:COL: error: MESSAGE`. Anything not given
/// keeps its default (`DaemonConfig()`).
public enum DaemonConfigLoader {
    /// The configuration in `yaml` (named `file` in messages), or `nil` and the errors.
    public static func parse(
        yaml: String, file: String, environment: [String: String] = processEnvironment()
    ) -> (DaemonConfig?, [Diagnostic]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return (nil, [RuleLoader.syntaxDiagnostic(error, file: file, yaml: yaml)])
        }
        var validator = DaemonConfigValidator(file: file, environment: environment)
        let config = validator.validate(root)
        // In file order, as a person reads them.
        let diagnostics = validator.diagnostics.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
        return (diagnostics.isEmpty ? config : nil, diagnostics)
    }

    /// Reads `path` and parses it; an unreadable file is one error.
    public static func load(path: String, environment: [String: String] = processEnvironment()) -> (DaemonConfig?, [Diagnostic]) {
        guard let text = readText(path) else {
            let reason = String(cString: strerror(errno))
            return (nil, [Diagnostic(file: path, line: 1, column: 1, severity: .error, message: "cannot read the configuration: \(reason)")])
        }
        return parse(yaml: text, file: path, environment: environment)
    }

    /// The process environment as a dictionary.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
