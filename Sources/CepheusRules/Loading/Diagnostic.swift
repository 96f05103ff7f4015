/// One message about a rule file, printed by `cepheus check` and the loaders as
/// `FILE:LINE:COL: error: MESSAGE` (or `warning:`). Lines and columns count from 1;
/// columns count Unicode scalars, as Yams (libyaml) does.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad a diagnostic is: errors reject the rule, warnings only inform.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    /// `FILE:LINE:COL: error: MESSAGE` or `FILE:LINE:COL: warning: MESSAGE`.
    public var description: String {
        "\(file):\(line):\(column): \(severity.rawValue): \(message)"
    }

    /// `true` for `.error`.
    public var isError: Bool { severity == .error }
}
