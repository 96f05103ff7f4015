import CepheusCore
import Yams

/// Parses a YAML document into a `Value` with the YAML 1.2 core schema (the typing
/// rule files use), for YAML inputs other than rules: test files, configs.
public enum YAMLValues {
    /// The single document of `text` (an empty document is `.null`).
    public static func parse(_ text: String) throws -> Value {
        guard let node = try Yams.compose(yaml: text) else { return .null }
        return YAMLValueConverter.value(of: node)
    }
}
