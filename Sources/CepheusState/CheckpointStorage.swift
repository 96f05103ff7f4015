import CepheusCore
import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The layout of a state directory and the checkpoint protocol over it:
///
/// ```
/// DIR/LOCK                  held by the one writer (StateDirectoryLock)
/// DIR/db/                   the working RocksDB database
/// DIR/checkpoints/chk-N/    a RocksDB checkpoint (SST files hard-linked) + MANIFEST.json
/// DIR/savepoints/NAME/      a savepoint: the same, kept until deleted
/// ```
///
/// A checkpoint commits when its `MANIFEST.json` is renamed into place (after the files
/// and the manifest were fsynced); a directory without one is incomplete and ignored.
/// Restoring verifies the manifest's checksum and every file's size and SHA-256, and
/// a damaged checkpoint is skipped with its reason, so the one before is used.
public final class CheckpointStorage {
    public let directory: String
    /// Complete checkpoints kept (older ones are deleted after each commit).
    public let retain: Int
    /// SHA-256 of files already hashed, by name and size: SST files never change, so
    /// an incremental checkpoint hashes only the files it added.
    private var digests: [String: (size: Int64, sha256: String)] = [:]

    public static let manifestName = "MANIFEST.json"

    public init(directory: String, retain: Int = 3) {
        self.directory = directory
        self.retain = max(1, retain)
    }

    public var databasePath: String { directory + "/db" }
    public var checkpointsPath: String { directory + "/checkpoints" }
    public var savepointsPath: String { directory + "/savepoints" }

    /// A committed (or apparently committed) checkpoint or savepoint directory.
    public struct Candidate: Sendable {
        public var id: Int
        public var path: String
        public var manifestPath: String { path + "/" + CheckpointStorage.manifestName }

        public init(id: Int, path: String) {
            self.id = id
            self.path = path
        }
    }

    /// Checkpoint directories, newest first (whether complete or not).
    public func checkpointDirectories() -> [Candidate] {
        guard let names = try? FileSystem.list(checkpointsPath) else { return [] }
        return names.compactMap { name -> Candidate? in
            guard name.hasPrefix("chk-"), let id = Int(name.dropFirst(4)),
                  FileSystem.isDirectory(checkpointsPath + "/" + name) else { return nil }
            return Candidate(id: id, path: checkpointsPath + "/" + name)
        }.sorted { $0.id > $1.id }
    }

    /// Reads and verifies a checkpoint: its manifest, then every file's size and digest.
    public func verify(_ candidate: Candidate) throws(StateStoreError) -> CheckpointManifest {
        guard FileSystem.exists(candidate.manifestPath) else {
            throw StateStoreError("\(candidate.path): incomplete (no \(Self.manifestName); the process stopped before it committed)")
        }
        let manifest: CheckpointManifest
        do {
            manifest = try CheckpointManifest.decode(try FileSystem.read(candidate.manifestPath))
        } catch {
            throw StateStoreError("\(candidate.manifestPath): \(error.description)")
        }
        for file in manifest.files {
            let path = candidate.path + "/" + file.name
            guard let size = FileSystem.size(path) else { throw StateStoreError("\(candidate.path): file \(file.name) is missing") }
            guard size == file.size else {
                throw StateStoreError("\(candidate.path): file \(file.name) has \(size) bytes, the manifest says \(file.size)")
            }
            guard try digest(of: path, name: file.name, size: size, trustCache: false) == file.sha256 else {
                throw StateStoreError("\(candidate.path): file \(file.name) does not match its checksum")
            }
        }
        return manifest
    }

    /// The newest checkpoint that verifies; each one skipped is reported with its reason.
    public func newestValid(report: (String) -> Void) -> (Candidate, CheckpointManifest)? {
        for candidate in checkpointDirectories() {
            do {
                return (candidate, try verify(candidate))
            } catch {
                report("skipping checkpoint \(candidate.id): \(error.description)")
            }
        }
        return nil
    }

    /// Takes a checkpoint of `store` (which must have everything written): RocksDB
    /// checkpoint into `chk-N`, digests, manifest fsynced and renamed into place, then
    /// old checkpoints beyond `retain` deleted. On any failure the partial directory
    /// is removed and the previous checkpoints are untouched.
    @discardableResult
    public func commit(_ store: RocksStateStore, manifest: CheckpointManifest, wallClock: Int64) throws(StateStoreError) -> CheckpointManifest {
        try FileSystem.createDirectories(checkpointsPath)
        let id = (checkpointDirectories().first?.id ?? 0) + 1
        let path = checkpointsPath + "/chk-\(id)"
        do {
            try store.createCheckpoint(in: path)
            var committed = manifest
            committed.id = id
            committed.kind = "checkpoint"
            committed.createdAt = wallClock
            committed.files = try describeFiles(in: path)
            try FileSystem.write(committed.encoded(), to: path + "/MANIFEST.tmp")
            try FileSystem.rename(path + "/MANIFEST.tmp", path + "/" + Self.manifestName)
            try FileSystem.syncDirectory(path)
            try FileSystem.syncDirectory(checkpointsPath)
            prune(keeping: id)
            return committed
        } catch {
            try? FileSystem.remove(path)
            throw error
        }
    }

    /// Deletes checkpoints older than the newest `retain` complete ones, and incomplete
    /// directories other than `current`.
    private func prune(keeping current: Int) {
        var complete = 0
        for candidate in checkpointDirectories() {
            if candidate.id == current { complete += 1; continue }
            if FileSystem.exists(candidate.manifestPath) && complete < retain {
                complete += 1
                continue
            }
            try? FileSystem.remove(candidate.path)
        }
        let live = Set(checkpointDirectories().flatMap { (try? FileSystem.list($0.path)) ?? [] })
        digests = digests.filter { live.contains($0.key) }
    }

    /// Replaces the working database with the files of a verified checkpoint or
    /// savepoint: SST files hard-linked (they are immutable), the rest copied.
    public func restoreDatabase(from path: String) throws(StateStoreError) {
        try FileSystem.remove(databasePath)
        try FileSystem.createDirectories(databasePath)
        for name in try FileSystem.list(path) where name != Self.manifestName && name != "MANIFEST.tmp" {
            if name.hasSuffix(".sst") {
                do {
                    try FileSystem.hardLink(path + "/" + name, databasePath + "/" + name)
                } catch {
                    try FileSystem.copy(path + "/" + name, databasePath + "/" + name)
                }
            } else {
                try FileSystem.copy(path + "/" + name, databasePath + "/" + name)
            }
        }
        try FileSystem.syncDirectory(databasePath)
    }

    /// Copies a verified checkpoint into `savepoints/NAME` (files hard-linked, manifest
    /// rewritten with kind `savepoint`), committed by a rename like a checkpoint.
    public func savepoint(from candidate: Candidate, manifest: CheckpointManifest, name: String, wallClock: Int64) throws(StateStoreError) -> String {
        try FileSystem.createDirectories(savepointsPath)
        let target = savepointsPath + "/" + name
        guard !FileSystem.exists(target) else { throw StateStoreError("savepoint \(target) already exists") }
        let staging = target + ".tmp"
        try? FileSystem.remove(staging)
        try FileSystem.createDirectories(staging)
        do {
            for file in manifest.files {
                do {
                    try FileSystem.hardLink(candidate.path + "/" + file.name, staging + "/" + file.name)
                } catch {
                    try FileSystem.copy(candidate.path + "/" + file.name, staging + "/" + file.name)
                }
            }
            var saved = manifest
            saved.kind = "savepoint"
            saved.createdAt = wallClock
            try FileSystem.write(saved.encoded(), to: staging + "/" + Self.manifestName)
            try FileSystem.syncDirectory(staging)
            try FileSystem.rename(staging, target)
            try FileSystem.syncDirectory(savepointsPath)
            return target
        } catch {
            try? FileSystem.remove(staging)
            throw error
        }
    }

    /// Reads and verifies a savepoint (or any checkpoint-shaped directory) at `path`.
    public func verifySavepoint(at path: String) throws(StateStoreError) -> CheckpointManifest {
        try verify(Candidate(id: 0, path: path))
    }

    private func describeFiles(in path: String) throws(StateStoreError) -> [CheckpointManifest.File] {
        var files: [CheckpointManifest.File] = []
        for name in try FileSystem.list(path) where name != Self.manifestName && name != "MANIFEST.tmp" {
            let filePath = path + "/" + name
            guard let size = FileSystem.size(filePath) else { throw StateStoreError("cannot stat \(filePath)") }
            files.append(CheckpointManifest.File(name: name, size: size, sha256: try digest(of: filePath, name: name, size: size, trustCache: true)))
        }
        return files
    }

    private func digest(of path: String, name: String, size: Int64, trustCache: Bool) throws(StateStoreError) -> String {
        if trustCache, name.hasSuffix(".sst"), let known = digests[name], known.size == size { return known.sha256 }
        var hasher = SHA256()
        try FileSystem.forEachChunk(path) { hasher.update(bufferPointer: $0) }
        let hex = CheckpointManifest.hex(hasher.finalize())
        if name.hasSuffix(".sst") { digests[name] = (size, hex) }
        return hex
    }
}
