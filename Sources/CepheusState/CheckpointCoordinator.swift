#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives checkpoints for one writer of a state directory: holds the directory's lock,
/// opens the working RocksDB database (fresh, or rebuilt from the newest checkpoint
/// that verifies), and takes checkpoints: the caller's writes go in one `WriteBatch`,
/// then `CheckpointStorage.commit` links the files and commits the manifest.
///
/// A failed checkpoint (full disk, I/O error) is counted and reported; the previous
/// checkpoints stay intact and the caller carries on.
public final class CheckpointCoordinator {
    public let storage: CheckpointStorage
    private let lock: StateDirectoryLock
    /// The working database (set by `resume` or `startFresh`).
    public private(set) var store: RocksStateStore!
    public private(set) var completed = 0
    public private(set) var failed = 0
    /// The last checkpoint's manifest, and how long it took (seconds).
    public private(set) var last: CheckpointManifest?
    public private(set) var lastDuration: Double = 0
    /// The last checkpoint's phases, in seconds: filling the batch, writing it to the
    /// database, and committing (RocksDB checkpoint, digests, manifest).
    public private(set) var lastPhases: (fill: Double, write: Double, commit: Double) = (0, 0, 0)

    /// Creates `directory` if missing and locks it; fails if another process holds it.
    public init(directory: String, retain: Int = 3) throws(StateStoreError) {
        try FileSystem.createDirectories(directory)
        lock = try StateDirectoryLock(directory: directory)
        storage = CheckpointStorage(directory: directory, retain: retain)
    }

    /// Closes the working database (at the end of a run; see `RocksStateStore.close`).
    public func close() {
        store?.close()
    }

    /// Opens an empty working database (the previous working files are discarded;
    /// committed checkpoints are kept).
    public func startFresh() throws(StateStoreError) {
        store = nil
        try FileSystem.remove(storage.databasePath)
        store = try RocksStateStore(path: storage.databasePath)
    }

    /// Rebuilds the working database from the newest checkpoint that verifies and that
    /// `load` accepts, trying older ones in turn (each skipped one is reported).
    /// Returns its manifest, or `nil` (and an empty database) when there is none.
    public func resume(report: (String) -> Void, load: (RocksStateStore, CheckpointManifest) throws -> Void) throws(StateStoreError) -> CheckpointManifest? {
        for candidate in storage.checkpointDirectories() {
            do {
                let manifest = try storage.verify(candidate)
                store = nil
                try storage.restoreDatabase(from: candidate.path)
                let opened = try RocksStateStore(path: storage.databasePath)
                try load(opened, manifest)
                store = opened
                return manifest
            } catch {
                report("skipping checkpoint \(candidate.id): \(error)")
            }
        }
        try startFresh()
        return nil
    }

    /// Restores from a savepoint (or checkpoint) directory at `path`.
    public func restore(savepoint path: String, load: (RocksStateStore, CheckpointManifest) throws -> Void) throws -> CheckpointManifest {
        let manifest = try storage.verifySavepoint(at: path)
        store = nil
        try storage.restoreDatabase(from: path)
        let opened = try RocksStateStore(path: storage.databasePath)
        try load(opened, manifest)
        store = opened
        return manifest
    }

    /// Batches are written out once they hold this many bytes.
    public static let drainBytes = 16 << 20

    /// Takes a checkpoint: `write` fills the batch (calling the drain it is given to
    /// write a full batch out) and returns the manifest's runtime fields; the rest of
    /// the batch is written, then committed as `chk-N`. Returns `nil` (and reports why)
    /// when the checkpoint failed; `onFailure` lets the caller know.
    @discardableResult
    public func checkpoint(
        write: (inout StateBatch, _ drain: (inout StateBatch) throws -> Void) throws -> CheckpointManifest,
        report: (String) -> Void, onFailure: () -> Void
    ) -> CheckpointManifest? {
        let started = Self.now()
        var batch = StateBatch()
        var drained = 0.0
        let store = self.store!
        let drain: (inout StateBatch) throws -> Void = { batch in
            let before = Self.now()
            try store.write(batch)
            batch.removeAll()
            drained += Self.now() - before
        }
        do {
            let manifest = try write(&batch, drain)
            let filled = Self.now()
            try store.write(batch)
            let written = Self.now()
            let committed = try storage.commit(store, manifest: manifest, wallClock: Self.wallClockMilliseconds())
            completed += 1
            last = committed
            let finished = Self.now()
            lastDuration = finished - started
            lastPhases = (filled - started - drained, written - filled + drained, finished - written)
            return committed
        } catch {
            failed += 1
            onFailure()
            report("checkpoint failed (the previous one is kept; processing goes on): \(error)")
            return nil
        }
    }

    /// Seconds on the monotonic clock.
    public static func monotonicSeconds() -> Double { now() }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    public static func wallClockMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
