import CepheusCore
import Foundation
import Yams

/// Loads and validates rules (rules.md section 2) from YAML text, rule files and
/// folders, or JSON rule objects (control records, section 7). Never throws: every
/// problem becomes a `Diagnostic`, and a rule whose YAML document has an error is
/// left out of the result.
public enum RuleLoader {
    /// Parses a YAML text holding one rule, or several as `---`-separated documents.
    /// `file` names the text in diagnostics and becomes each rule's `origin`. With
    /// `knownReceivers`, an `alert.notify` entry outside that set is an error.
    public static func parse(yaml: String, file: String, knownReceivers: Set<String>? = nil) -> RuleLoadResult {
        let (loaded, diagnostics) = parseDocuments(yaml: yaml, file: file, knownReceivers: knownReceivers)
        var files = [FileResult(loaded: loaded, diagnostics: diagnostics)]
        return combine(&files)
    }

    /// Loads every rule under `paths`: each a rule file, or a directory searched
    /// recursively for `*.yaml` / `*.yml` files (sorted by path; hidden files and
    /// folders, whose names start with `.`, are skipped; a file reached twice is read
    /// once). A missing or unreadable path is an error at `PATH:1:1` (and listed in
    /// `unreadablePaths`); a rule id defined twice, in one file or across files, is an
    /// error at the second definition, whose rule is left out.
    public static func load(paths: [String], knownReceivers: Set<String>? = nil) -> RuleLoadResult {
        var files: [FileResult] = []
        var unreadable: [String] = []
        var seen: Set<String> = []
        for path in paths {
            let (found, failures) = RuleFileCollector.files(at: path)
            for failure in failures {
                unreadable.append(failure.path)
                files.append(FileResult(loaded: [], diagnostics: [
                    Diagnostic(file: failure.path, line: 1, column: 1, severity: .error, message: failure.message),
                ]))
            }
            for file in found {
                let canonical = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
                guard seen.insert(canonical).inserted else { continue }
                let text: String
                do {
                    let data = try Data(contentsOf: URL(fileURLWithPath: file))
                    guard let decoded = String(data: data, encoding: .utf8) else {
                        unreadable.append(file)
                        files.append(FileResult(loaded: [], diagnostics: [
                            Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "cannot read file: not valid UTF-8"),
                        ]))
                        continue
                    }
                    text = decoded
                } catch {
                    unreadable.append(file)
                    files.append(FileResult(loaded: [], diagnostics: [
                        Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "cannot read file: \(readFailure(error))"),
                    ]))
                    continue
                }
                let (loaded, diagnostics) = parseDocuments(yaml: text, file: file, knownReceivers: knownReceivers)
                files.append(FileResult(loaded: loaded, diagnostics: diagnostics))
            }
        }
        var result = combine(&files)
        result.unreadablePaths = unreadable
        return result
    }

    /// Parses one rule given as a JSON object (the `rule` of an upsert control
    /// record). `origin` names it in diagnostics (e.g. `control`) and becomes the
    /// rule's `origin`; lines and columns then refer to the object's compact JSON text.
    public static func parse(json: Value, origin: String, knownReceivers: Set<String>? = nil) -> RuleLoadResult {
        guard case .object = json else {
            return RuleLoadResult(rules: [], diagnostics: [
                Diagnostic(file: origin, line: 1, column: 1, severity: .error, message: "a rule must be a JSON object"),
            ])
        }
        return parse(yaml: RuleJSONText.write(json, sortKeys: false), file: origin, knownReceivers: knownReceivers)
    }

    // MARK: - Internals

    /// The rules and diagnostics of one file.
    private struct FileResult {
        var loaded: [LoadedRule]
        var diagnostics: [Diagnostic]
    }

    /// Checks ids across all files (the second definition of an id is an error and
    /// its rule is dropped), and orders each file's diagnostics by position.
    private static func combine(_ files: inout [FileResult]) -> RuleLoadResult {
        var firstDefinition: [String: String] = [:]
        var result = RuleLoadResult()
        for index in files.indices {
            var kept: [Rule] = []
            for loaded in files[index].loaded {
                let here = "\(loaded.rule.origin):\(loaded.idLine):\(loaded.idColumn)"
                if let first = firstDefinition[loaded.rule.id] {
                    files[index].diagnostics.append(Diagnostic(
                        file: loaded.rule.origin, line: loaded.idLine, column: loaded.idColumn, severity: .error,
                        message: "duplicate rule id '\(loaded.rule.id)' (first defined at \(first))"
                    ))
                } else {
                    firstDefinition[loaded.rule.id] = here
                    kept.append(loaded.rule)
                }
            }
            result.rules += kept
            let ordered = files[index].diagnostics.enumerated().sorted { a, b in
                if a.element.file != b.element.file { return a.offset < b.offset }
                if a.element.line != b.element.line { return a.element.line < b.element.line }
                if a.element.column != b.element.column { return a.element.column < b.element.column }
                return a.offset < b.offset
            }
            result.diagnostics += ordered.map(\.element)
        }
        return result
    }

    /// Validates every document of a YAML text.
    private static func parseDocuments(yaml: String, file: String, knownReceivers: Set<String>?) -> ([LoadedRule], [Diagnostic]) {
        var loaded: [LoadedRule] = []
        var diagnostics: [Diagnostic] = []
        var roots: [Node] = []
        do {
            let parser = try Parser(yaml: yaml)
            while let root = try parser.nextRoot() {
                roots.append(root)
            }
        } catch {
            diagnostics.append(syntaxDiagnostic(error, file: file, yaml: yaml))
        }
        let source = SourceText(yaml)
        for root in roots {
            // An empty document (a stray `---`, or only comments) holds no rule.
            if case .scalar(let scalar) = root, scalar.string.isEmpty, scalar.style == .plain { continue }
            var validator = RuleDocumentValidator(file: file, source: source, knownReceivers: knownReceivers)
            if let rule = validator.validate(root) {
                loaded.append(rule)
            }
            diagnostics += validator.diagnostics
        }
        return (loaded, diagnostics)
    }

    /// A YAML syntax error as a diagnostic at the position Yams reports (also for the
    /// daemon configuration).
    public static func syntaxDiagnostic(_ error: Error, file: String, yaml: String) -> Diagnostic {
        func diagnostic(_ mark: Mark, _ message: String) -> Diagnostic {
            Diagnostic(file: file, line: max(mark.line, 1), column: max(mark.column, 1), severity: .error, message: message)
        }
        func describe(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> String {
            guard let context, context.mark.line != mark.line || context.mark.column != mark.column else {
                return "invalid YAML: \(problem)"
            }
            return "invalid YAML: \(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        guard let yamlError = error as? YamlError else {
            return Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "invalid YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return diagnostic(mark, describe(problem, context, mark))
        case .reader(let problem, let offset, _, _):
            var line = 1
            var column = 1
            if let offset {
                for character in yaml.prefix(offset) {
                    if character == "\n" || character == "\r\n" || character == "\r" {
                        line += 1
                        column = 1
                    } else {
                        column += character.unicodeScalars.count
                    }
                }
            }
            return Diagnostic(file: file, line: line, column: column, severity: .error, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return diagnostic(context.mark, "duplicate key \(names) in a mapping")
        default:
            return Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "invalid YAML: \(yamlError)")
        }
    }

    private static func readFailure(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
