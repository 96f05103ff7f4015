#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations checkpoints need, throwing `StateStoreError` with the
/// path and `strerror` text. Everything that must survive a crash is fsynced, and so is
/// the directory a file was renamed into.
public enum FileSystem {
    static func failure(_ verb: String, _ path: String) -> StateStoreError {
        StateStoreError("cannot \(verb) \(path): \(String(cString: strerror(errno)))")
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func size(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Creates `path` and any missing parents.
    public static func createDirectories(_ path: String) throws(StateStoreError) {
        if isDirectory(path) { return }
        let parent = directory(of: path)
        if parent != path && !parent.isEmpty && parent != "." && parent != "/" { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw failure("create directory", path) }
    }

    /// Names in `path` (not `.` and `..`), sorted.
    public static func list(_ path: String) throws(StateStoreError) -> [String] {
        guard let directory = opendir(path) else { throw failure("list", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file or a directory tree; a missing path is not an error.
    public static func remove(_ path: String) throws(StateStoreError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) { try remove(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw failure("remove", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw failure("remove", path)
        }
    }

    public static func rename(_ from: String, _ to: String) throws(StateStoreError) {
        if Glibc.rename(from, to) != 0 { throw failure("rename \(from) to", to) }
    }

    public static func hardLink(_ from: String, _ to: String) throws(StateStoreError) {
        if link(from, to) != 0 { throw failure("link \(from) to", to) }
    }

    public static func read(_ path: String) throws(StateStoreError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Streams the file through `body` in chunks (checksums of large files).
    public static func forEachChunk(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(StateStoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Writes `bytes` to `path` (replacing it) and fsyncs the file.
    public static func write(_ bytes: [UInt8], to path: String) throws(StateStoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create", path) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += count
        }
        if fsync(fd) != 0 { throw failure("sync", path) }
    }

    /// Copies a file and fsyncs the copy.
    public static func copy(_ from: String, _ to: String) throws(StateStoreError) {
        try write(read(from), to: to)
    }

    /// fsyncs a directory (after a rename or create in it).
    public static func syncDirectory(_ path: String) throws(StateStoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("sync", path) }
    }

    /// The last component of `path` (a trailing `/` ignored).
    public static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if let slash = trimmed.lastIndex(of: "/") { return String(trimmed[trimmed.index(after: slash)...]) }
        return trimmed
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
