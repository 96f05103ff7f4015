import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The durable `StateStore`: one RocksDB database through its C API. State writes skip
/// the write-ahead log (a checkpoint flushes the memtable before it links the files,
/// and a restart always starts from a checkpoint, never from the working database);
/// `write(_:durability:)` asks for the log, synced or not, where an entry must survive
/// a crash on its own (the alert outbox).
public final class RocksStateStore: StateStore, @unchecked Sendable {
    /// How far a write must get before `write` returns.
    public enum Durability: Sendable {
        /// Memtable only; made durable by the next checkpoint.
        case checkpointed
        /// Through the write-ahead log, not synced.
        case logged
        /// Through the write-ahead log, fsynced.
        case synced
    }

    public let path: String
    public let readOnly: Bool
    private let database: OpaquePointer
    private let options: OpaquePointer
    private let readOptions: OpaquePointer
    private let checkpointedWrites: OpaquePointer
    private let loggedWrites: OpaquePointer
    private let syncedWrites: OpaquePointer

    /// Opens (creating if missing, unless `readOnly`) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws(StateStoreError) {
        self.path = path
        self.readOnly = readOnly
        options = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(options, readOnly ? 0 : 1)
        rocksdb_options_increase_parallelism(options, 2)
        // Matcher state compresses well (JSON text of events, repeated names).
        rocksdb_options_set_compression(options, Int32(rocksdb_lz4_compression))
        rocksdb_options_set_max_open_files(options, 256)
        // Memtables of 32 MiB (two at most): RocksDB's own memory stays small beside
        // the state budget it serves (docs/state.md).
        rocksdb_options_set_write_buffer_size(options, 32 << 20)
        rocksdb_options_set_max_write_buffer_number(options, 2)
        var error: UnsafeMutablePointer<CChar>?
        let opened: OpaquePointer? = readOnly
            ? rocksdb_open_for_read_only(options, path, 0, &error)
            : rocksdb_open(options, path, &error)
        guard let opened, error == nil else {
            let message = Self.take(error) ?? "unknown error"
            rocksdb_options_destroy(options)
            throw StateStoreError("cannot open RocksDB at \(path): \(message)")
        }
        database = opened
        readOptions = rocksdb_readoptions_create()
        checkpointedWrites = rocksdb_writeoptions_create()
        rocksdb_writeoptions_disable_WAL(checkpointedWrites, 1)
        loggedWrites = rocksdb_writeoptions_create()
        syncedWrites = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncedWrites, 1)
    }

    private var closed = false

    /// Closes the database now (instead of when the last reference goes): a process
    /// that exits must not have RocksDB closing on another thread while its static
    /// destructors run. Every later operation fails.
    public func close() {
        guard !closed else { return }
        closed = true
        rocksdb_close(database)
    }

    private func ensureOpen() throws(StateStoreError) {
        if closed { throw StateStoreError("RocksDB at \(path) is closed") }
    }

    deinit {
        if !closed { rocksdb_close(database) }
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(checkpointedWrites)
        rocksdb_writeoptions_destroy(loggedWrites)
        rocksdb_writeoptions_destroy(syncedWrites)
        rocksdb_options_destroy(options)
    }

    /// Returns RocksDB's error text and frees it.
    private static func take(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { rocksdb_free(error) }
        return String(cString: error)
    }

    public func get(_ key: [UInt8]) throws(StateStoreError) -> [UInt8]? {
        try ensureOpen()
        var error: UnsafeMutablePointer<CChar>?
        var length = 0
        let value = key.withUnsafeBufferPointer { keyBytes in
            keyBytes.withMemoryRebound(to: CChar.self) { keyChars in
                rocksdb_get(database, readOptions, keyChars.baseAddress, keyChars.count, &length, &error)
            }
        }
        if let message = Self.take(error) { throw StateStoreError("RocksDB read failed in \(path): \(message)") }
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    public func write(_ batch: StateBatch) throws(StateStoreError) {
        try write(batch, durability: .checkpointed)
    }

    public func write(_ batch: StateBatch, durability: Durability) throws(StateStoreError) {
        guard !batch.isEmpty else { return }
        try ensureOpen()
        let writeBatch = rocksdb_writebatch_create()
        defer { rocksdb_writebatch_destroy(writeBatch) }
        for operation in batch.operations {
            switch operation {
            case .put(let key, let value):
                key.withUnsafeBytes { k in
                    value.withUnsafeBytes { v in
                        rocksdb_writebatch_put(
                            writeBatch, k.baseAddress?.assumingMemoryBound(to: CChar.self), k.count,
                            v.baseAddress?.assumingMemoryBound(to: CChar.self), v.count)
                    }
                }
            case .delete(let key):
                key.withUnsafeBytes { k in
                    rocksdb_writebatch_delete(writeBatch, k.baseAddress?.assumingMemoryBound(to: CChar.self), k.count)
                }
            case .deleteRange(let start, let end):
                start.withUnsafeBytes { s in
                    end.withUnsafeBytes { e in
                        rocksdb_writebatch_delete_range(
                            writeBatch, s.baseAddress?.assumingMemoryBound(to: CChar.self), s.count,
                            e.baseAddress?.assumingMemoryBound(to: CChar.self), e.count)
                    }
                }
            }
        }
        let options: OpaquePointer
        switch durability {
        case .checkpointed: options = checkpointedWrites
        case .logged: options = loggedWrites
        case .synced: options = syncedWrites
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(database, options, writeBatch, &error)
        if let message = Self.take(error) { throw StateStoreError("RocksDB write failed in \(path): \(message)") }
    }

    public func scan(prefix: [UInt8], from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        try ensureOpen()
        let iterator = rocksdb_create_iterator(database, readOptions)!
        defer { rocksdb_iter_destroy(iterator) }
        let seek = start.map { StateKey.compare($0, prefix) > 0 ? $0 : prefix } ?? prefix
        seek.withUnsafeBytes { p in
            rocksdb_iter_seek(iterator, p.baseAddress?.assumingMemoryBound(to: CChar.self), p.count)
        }
        while rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let keyPointer = rocksdb_iter_key(iterator, &keyLength)!
            let key = Array(UnsafeRawBufferPointer(start: keyPointer, count: keyLength))
            guard key.starts(with: prefix) else { break }
            let valuePointer = rocksdb_iter_value(iterator, &valueLength)
            let value = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: valueLength)) } ?? []
            guard try body(key, value) else { return }
            rocksdb_iter_next(iterator)
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        if let message = Self.take(error) { throw StateStoreError("RocksDB scan failed in \(path): \(message)") }
    }

    /// Writes the memtable to SST files.
    public func flush() throws(StateStoreError) {
        try ensureOpen()
        let options = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(options) }
        rocksdb_flushoptions_set_wait(options, 1)
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_flush(database, options, &error)
        if let message = Self.take(error) { throw StateStoreError("RocksDB flush failed in \(path): \(message)") }
    }

    /// A RocksDB checkpoint of the database in `directory` (which must not exist):
    /// the memtable is flushed, SST files are hard-linked, the rest copied.
    public func createCheckpoint(in directory: String) throws(StateStoreError) {
        try ensureOpen()
        var error: UnsafeMutablePointer<CChar>?
        guard let checkpoint = rocksdb_checkpoint_object_create(database, &error) else {
            throw StateStoreError("RocksDB checkpoint failed in \(path): \(Self.take(error) ?? "unknown error")")
        }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        rocksdb_checkpoint_create(checkpoint, directory, 0, &error)
        if let message = Self.take(error) { throw StateStoreError("RocksDB checkpoint into \(directory) failed: \(message)") }
    }

    /// RocksDB's estimate of a property (e.g. `rocksdb.estimate-num-keys`).
    public func property(_ name: String) -> String? {
        guard !closed else { return nil }
        guard let value = rocksdb_property_value(database, name) else { return nil }
        defer { rocksdb_free(value) }
        return String(cString: value)
    }
}
