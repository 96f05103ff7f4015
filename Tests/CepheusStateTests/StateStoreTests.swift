import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/cepheus-state-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}

@Suite struct StateStoreTests {
    /// Both backends behave alike: the RocksDB one is the real library on disk.
    static func stores() throws -> [any StateStore] {
        [InMemoryStateStore(), try RocksStateStore(path: makeTemporaryDirectory() + "/db")]
    }

    @Test(arguments: [0, 1]) func putGetScanAndDelete(backend: Int) throws {
        let store = try Self.stores()[backend]
        var batch = StateBatch()
        batch.put(StateKey.keyState(group: 1, rule: "r", canonicalKey: "\"b\""), [2])
        batch.put(StateKey.keyState(group: 1, rule: "r", canonicalKey: "\"a\""), [1])
        batch.put(StateKey.keyState(group: 2, rule: "r", canonicalKey: "\"c\""), [3])
        batch.put(StateKey.metadata("engine"), [9, 9])
        try store.write(batch)
        #expect(try store.get(StateKey.metadata("engine")) == [9, 9])
        #expect(try store.get(StateKey.metadata("missing")) == nil)
        let group1 = try store.entries(prefix: StateKey.keyGroupPrefix(1))
        #expect(group1.map(\.1) == [[1], [2]])
        #expect(StateKey.parseKeyState(group1[0].0)! == (1, "r", "\"a\""))
        var deletes = StateBatch()
        deletes.deletePrefix([StateKey.keyStatePrefix])
        deletes.put(StateKey.reorderEvent(sequence: 5), [5])
        try store.write(deletes)
        #expect(try store.entries(prefix: [StateKey.keyStatePrefix]).isEmpty)
        #expect(try store.get(StateKey.metadata("engine")) == [9, 9])
        #expect(try store.entries(prefix: [StateKey.reorderPrefix]).count == 1)
    }

    @Test func reorderKeysSortBySequence() {
        #expect(StateKey.compare(StateKey.reorderEvent(sequence: 2), StateKey.reorderEvent(sequence: 300)) < 0)
        #expect(StateKey.prefixEnd([1, 0xFF]) == [2])
    }

    @Test func aSecondWriterIsRefused() throws {
        let dir = makeTemporaryDirectory()
        let first = try CheckpointCoordinator(directory: dir)
        #expect(throws: StateStoreError.self) { _ = try CheckpointCoordinator(directory: dir) }
        do {
            _ = try StateDirectoryLock(directory: dir)
        } catch {
            #expect(error.description.contains("in use by another process"))
            #expect(error.description.contains("pid \(getpid())"))
        }
        _ = first
    }
}
