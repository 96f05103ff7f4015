import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CheckpointStorageTests {
    func manifest(line: Int64) -> CheckpointManifest {
        CheckpointManifest(
            sources: [.init(name: "events.jsonl", offset: line * 10, line: line)], records: line, watermark: 1000 + line,
            rules: [(id: "brute", version: 2)], workers: 1, keys: 3, partialMatches: 4)
    }

    /// Writes `count` checkpoints, each after putting one more key.
    func checkpoints(_ count: Int, retain: Int = 3) throws -> (String, CheckpointCoordinator) {
        let dir = makeTemporaryDirectory()
        let coordinator = try CheckpointCoordinator(directory: dir, retain: retain)
        try coordinator.startFresh()
        for index in 1...count {
            var failure: String?
            let committed = coordinator.checkpoint(
                write: { batch, _ in
                    batch.put(StateKey.metadata("n"), [UInt8(index)])
                    batch.put(StateKey.keyState(group: index, rule: "r", canonicalKey: "\(index)"), Array(repeating: UInt8(index), count: 1000))
                    return manifest(line: Int64(index))
                },
                report: { failure = $0 }, onFailure: {})
            #expect(committed != nil, "\(failure ?? "")")
        }
        return (dir, coordinator)
    }

    @Test func manifestRoundTripsAndDetectsTampering() throws {
        var original = manifest(line: 7)
        original.files = [.init(name: "000001.sst", size: 10, sha256: "ab")]
        let bytes = original.encoded()
        #expect(try CheckpointManifest.decode(bytes) == original)
        let tampered = Array(String(decoding: bytes, as: UTF8.self).replacing("\"line\":7", with: "\"line\":8", maxReplacements: 1).utf8)
        #expect(throws: StateStoreError.self) { _ = try CheckpointManifest.decode(tampered) }
        #expect(throws: StateStoreError.self) { _ = try CheckpointManifest.decode(Array(bytes.prefix(40))) }
    }

    @Test func restoresTheNewestAndKeepsOnlyRetained() throws {
        let (dir, coordinator) = try checkpoints(5, retain: 2)
        #expect(coordinator.storage.checkpointDirectories().map(\.id) == [5, 4])
        var reports: [String] = []
        var seen: UInt8 = 0
        let restored = try coordinator.resume(report: { reports.append($0) }) { store, _ in
            seen = try store.get(StateKey.metadata("n"))!.first!
        }
        #expect(restored?.id == 5)
        #expect(restored?.sources.first?.line == 5)
        #expect(seen == 5)
        #expect(reports.isEmpty)
        #expect(try coordinator.store.entries(prefix: [StateKey.keyStatePrefix]).count == 5)
        _ = dir
    }

    @Test func aDamagedNewestCheckpointFallsBackToThePreviousOne() throws {
        let (_, coordinator) = try checkpoints(3)
        let newest = coordinator.storage.checkpointDirectories()[0]
        // Damage one data file of the newest checkpoint (a bit flip in place).
        let sst = try FileSystem.list(newest.path).first { $0.hasSuffix(".sst") }!
        var bytes = try FileSystem.read(newest.path + "/" + sst)
        bytes[bytes.count / 2] ^= 0x40
        try FileSystem.remove(newest.path + "/" + sst)
        try FileSystem.write(bytes, to: newest.path + "/" + sst)
        var reports: [String] = []
        var seen: UInt8 = 0
        let restored = try coordinator.resume(report: { reports.append($0) }) { store, _ in
            seen = try store.get(StateKey.metadata("n"))!.first!
        }
        #expect(restored?.id == 2)
        #expect(seen == 2)
        #expect(reports.count == 1 && reports[0].contains("does not match its checksum"), "\(reports)")
    }

    @Test func aCheckpointWithoutManifestIsIncompleteAndSkipped() throws {
        let (_, coordinator) = try checkpoints(2)
        let newest = coordinator.storage.checkpointDirectories()[0]
        try FileSystem.remove(newest.manifestPath)
        var reports: [String] = []
        let restored = try coordinator.resume(report: { reports.append($0) }) { _, _ in }
        #expect(restored?.id == 1)
        #expect(reports.first?.contains("incomplete") == true)
    }

    @Test func noCheckpointMeansAFreshStart() throws {
        let dir = makeTemporaryDirectory()
        let coordinator = try CheckpointCoordinator(directory: dir)
        let restored = try coordinator.resume(report: { _ in }) { _, _ in }
        #expect(restored == nil)
        #expect(try coordinator.store.get(StateKey.metadata("n")) == nil)
    }

    @Test func aFailedCheckpointLeavesThePreviousIntact() throws {
        let (dir, coordinator) = try checkpoints(1)
        // The next checkpoint's directory cannot be created: a file is in its way.
        try FileSystem.write([1], to: dir + "/checkpoints/chk-2")
        var report = ""
        var failedOver = false
        let result = coordinator.checkpoint(
            write: { batch, _ in
                batch.put(StateKey.metadata("n"), [2])
                return manifest(line: 2)
            },
            report: { report = $0 }, onFailure: { failedOver = true })
        #expect(result == nil)
        #expect(failedOver)
        #expect(report.contains("checkpoint failed"))
        #expect(coordinator.failed == 1)
        try FileSystem.remove(dir + "/checkpoints/chk-2")
        let restored = try coordinator.resume(report: { _ in }) { _, _ in }
        #expect(restored?.id == 1)
    }

    @Test func savepointsAreKeptAndRestorable() throws {
        let (dir, coordinator) = try checkpoints(2)
        let newest = coordinator.storage.checkpointDirectories()[0]
        let manifest = try coordinator.storage.verify(newest)
        let path = try coordinator.storage.savepoint(from: newest, manifest: manifest, name: "before-upgrade", wallClock: 1)
        #expect(path == dir + "/savepoints/before-upgrade")
        let saved = try coordinator.storage.verifySavepoint(at: path)
        #expect(saved.kind == "savepoint")
        var seen: UInt8 = 0
        _ = try coordinator.restore(savepoint: path) { store, _ in seen = try store.get(StateKey.metadata("n"))!.first! }
        #expect(seen == 2)
    }
}
