import Foundation

/// Expands rule paths into rule files: a file stands for itself; a directory for every
/// `*.yaml` / `*.yml` file under it, recursively, sorted by path. Hidden files and
/// folders (names starting with `.`) are skipped.
public enum RuleFileCollector {
    /// The files of `path`, and each path that could not be read with the reason.
    public static func files(at path: String) -> (files: [String], failures: [(path: String, message: String)]) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [(path, "no such file or directory")])
        }
        guard isDirectory.boolValue else { return ([path], []) }
        var files: [String] = []
        var failures: [(path: String, message: String)] = []
        var visited: Set<String> = []
        collect(directory: path, into: &files, failures: &failures, visited: &visited)
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return (files, failures)
    }

    private static func collect(
        directory: String, into files: inout [String],
        failures: inout [(path: String, message: String)], visited: inout Set<String>
    ) {
        let manager = FileManager.default
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard visited.insert(resolved).inserted else { return }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            failures.append((directory, "cannot read directory: \(error.localizedDescription)"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: child, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                collect(directory: child, into: &files, failures: &failures, visited: &visited)
            } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files.append(child)
            }
        }
    }
}
