#if canImport(Glibc)
import Glibc

/// inotify on the directories that hold rule files: reports the paths that were
/// closed after writing, renamed into place, created or deleted. Folders are watched
/// recursively (a new subfolder gets its own watch); a watched file path is watched
/// through its parent directory, so an editor's write-and-rename is seen.
/// Used by one thread at a time: created by the watcher, then read by its thread only.
final class DirectoryWatch: @unchecked Sendable {
    private let descriptor: Int32
    /// Watch descriptor → directory path.
    private var directories: [Int32: String] = [:]
    private let report: (String) -> Void

    /// nil when inotify is unavailable (the caller polls instead).
    init?(paths: [String], report: @escaping (String) -> Void) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            report("inotify unavailable (\(String(cString: strerror(errno)))); rule files are polled only")
            return nil
        }
        descriptor = fd
        self.report = report
        for path in paths {
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                addRecursively(path)
            } else {
                add(Self.parent(of: path))
            }
        }
    }

    deinit { close(descriptor) }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func add(_ directory: String) {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF)
        let watch = inotify_add_watch(descriptor, directory, mask)
        if watch < 0 {
            report("cannot watch \(directory): \(String(cString: strerror(errno))); it is polled only")
            return
        }
        directories[watch] = directory
    }

    private func addRecursively(_ directory: String) {
        add(directory)
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let path = directory + "/" + name
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { addRecursively(path) }
        }
    }

    /// Waits up to `timeoutMilliseconds` for events and returns the paths they name
    /// (empty on timeout).
    func wait(timeoutMilliseconds: Int32) -> Set<String> {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, timeoutMilliseconds) > 0 else { return [] }
        var changed: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let (watch, mask, length) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameBytes = buffer[(offset + header)..<min(count, offset + header + length)]
                let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                offset += header + length
                guard let directory = directories[watch] else { continue }
                if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF) != 0 {
                    directories[watch] = nil
                    changed.insert(directory)
                    continue
                }
                let path = name.isEmpty ? directory : directory + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 && mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                    addRecursively(path)
                }
                changed.insert(path)
            }
        }
        return changed
    }
}
#endif
