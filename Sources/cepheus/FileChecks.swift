import ArgumentParser
import CepheusState
#if canImport(Glibc)
import Glibc
#endif

/// Small file-system helpers for the commands.
enum FileChecks {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A new private directory under `$TMPDIR` (or /tmp).
    static func temporaryDirectory(prefix: String) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    static func baseName(_ path: String) -> String { FileSystem.baseName(path) }

    static func directory(of path: String) -> String {
        if let slash = path.lastIndex(of: "/") { return slash == path.startIndex ? "/" : String(path[..<slash]) }
        return "."
    }

    /// Opens `path` for writing or exits 2 with a message.
    static func writer(_ path: String) throws -> OutputWriter {
        guard let writer = OutputWriter.create(path: path) else {
            StandardError.write("error: cannot write \(path): \(String(cString: strerror(errno)))\n")
            throw ExitCode(2)
        }
        return writer
    }

    /// Reads a whole file as text, or `nil`.
    static func readText(_ path: String) -> String? {
        guard var reader = try? LineReaderBox(path: path) else { return nil }
        return reader.readAll()
    }
}

/// Reads a whole file with `read(2)`.
struct LineReaderBox {
    let fd: Int32
    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ExitCode(2) }
    }

    mutating func readAll() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        close(fd)
        return String(decoding: bytes, as: UTF8.self)
    }
}
