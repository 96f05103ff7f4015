import ArgumentParser
import CepheusCore
import CepheusRules

/// Reads the receiver names of a daemon configuration (spec/daemon.md): the keys of
/// `receivers`, plus `console`, which always exists.
enum ConfigReceivers {
    static func names(yaml: String, file: String) throws -> Set<String> {
        let root: Value
        do {
            root = try YAMLValues.parse(yaml)
        } catch {
            StandardError.write("\(file):1:1: error: \(error)\n")
            throw ExitCode(1)
        }
        var names: Set<String> = ["console"]
        switch root {
        case .object(let object):
            switch object["receivers"] {
            case nil, .null?: break
            case .object(let receivers)?: names.formUnion(receivers.keys)
            default:
                StandardError.write("\(file):1:1: error: 'receivers' must be a mapping of names to receivers\n")
                throw ExitCode(1)
            }
        case .null: break
        default:
            StandardError.write("\(file):1:1: error: a configuration file is a YAML mapping\n")
            throw ExitCode(1)
        }
        return names
    }
}
