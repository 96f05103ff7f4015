import CepheusCore
import CepheusRules
import CepheusRuntime
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reloads rule files while the daemon runs (spec/daemon.md): the rule paths are
/// watched with inotify — a file is reloaded after a close-after-write or a rename
/// into place (debounced: once the events have been quiet for 100 ms), never
/// mid-write — and SIGHUP re-reads them at once. As a fallback (file systems without
/// inotify events, such as NFS), the paths are also polled, every 5 s (every second
/// without inotify); a polled file is read only once it has stayed the same (size and
/// modification time) for a whole poll.
/// A changed file that validates upserts the rules that changed (new versions) and
/// deletes the rules it no longer holds; one that fails keeps its previous rules, and
/// every error is logged with its location and counted. Changes go into the ingest log
/// as control records, so they apply in order with the events around them.
final class RuleFileWatcher: Service, @unchecked Sendable {
    private let paths: [String]
    private let receivers: Set<String>
    private let sequencer: IngestSequencer
    private let log: @Sendable (String) -> Void
    /// Per file: its rules' content signatures and definitions, as last applied.
    private var applied: [String: [String: String]] = [:]
    /// Per file: (size, mtime) seen at the last poll, and whether it was read then.
    private var seen: [String: (size: Int64, modified: Int64, read: Bool)] = [:]
    private(set) var reloadErrors = 0
    /// Polls and SIGHUP reloads run one at a time.
    private let serial = Mutex(())

    private let metrics: DaemonMetrics
    private let stopping = Mutex(false)
    private var inotifyThread: WorkerThread?
    static let debounceMilliseconds: Int32 = 100

    init(
        paths: [String], initial: [Rule], receivers: Set<String>, sequencer: IngestSequencer, metrics: DaemonMetrics,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.metrics = metrics
        self.paths = paths
        self.receivers = receivers
        self.sequencer = sequencer
        self.log = log
        for rule in initial { applied[rule.origin, default: [:]][rule.id] = rule.contentSignature }
        for file in currentFiles() { seen[file] = Self.stamp(file).map { ($0.size, $0.modified, true) } }
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        var watching = false
        #if canImport(Glibc)
        if let watch = DirectoryWatch(paths: paths, report: log) {
            watching = true
            let thread = WorkerThread { [self] in self.follow(watch) }
            inotifyThread = thread
            thread.start()
        }
        #endif
        defer {
            stopping.withLock { $0 = true }
            inotifyThread?.join()
        }
        let pollEvery = watching ? Duration.seconds(5) : Duration.seconds(1)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals {
                    self.log("SIGHUP: re-reading every rule file")
                    self.poll(force: true)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: pollEvery)
                    self.poll(force: false)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    #if canImport(Glibc)
    /// The inotify thread: collects changed paths until the events pause for the
    /// debounce interval, then reloads those files.
    private func follow(_ watch: DirectoryWatch) {
        while !stopping.withLock({ $0 }) {
            var changed = watch.wait(timeoutMilliseconds: 250)
            guard !changed.isEmpty else { continue }
            // Debounce: a burst of writes (or an editor's save dance) is one reload.
            var rounds = 0
            while rounds < 20 {
                let more = watch.wait(timeoutMilliseconds: Self.debounceMilliseconds)
                if more.isEmpty { break }
                changed.formUnion(more)
                rounds += 1
            }
            serial.withLock { _ in reloadChanged(changed) }
        }
    }
    #endif

    /// Reloads the rule files among `changed` (they were closed after writing or
    /// renamed into place) and deletes the rules of files that are gone.
    private func reloadChanged(_ changed: Set<String>) {
        let files = currentFiles()
        var records: [IngestRecord] = []
        for file in files where changed.contains(file) || seen[file] == nil || changed.contains(where: { file.hasPrefix($0 + "/") }) {
            guard let stamp = Self.stamp(file) else { continue }
            seen[file] = (stamp.size, stamp.modified, true)
            records += reload(file)
        }
        records += deletions(present: files)
        append(records)
    }

    private func currentFiles() -> [String] {
        paths.flatMap { RuleFileCollector.files(at: $0).files }
    }

    private static func stamp(_ path: String) -> (size: Int64, modified: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// One round: files that changed and have settled are reloaded; files that are
    /// gone delete their rules. `force` (SIGHUP) reads every file now.
    func poll(force: Bool) {
        serial.withLock { _ in pollSerially(force: force) }
    }

    private func pollSerially(force: Bool) {
        let files = currentFiles()
        var records: [IngestRecord] = []
        for file in files {
            guard let stamp = Self.stamp(file) else { continue }
            let previous = seen[file]
            let unchanged = previous.map { $0.size == stamp.size && $0.modified == stamp.modified } ?? false
            seen[file] = (stamp.size, stamp.modified, unchanged ? (previous?.read ?? false) : false)
            guard force || (unchanged && previous?.read == false) else { continue }
            seen[file]?.read = true
            records += reload(file)
        }
        records += deletions(present: files)
        append(records)
    }

    /// Deletes the rules of the files under the rule paths that are gone.
    private func deletions(present files: [String]) -> [IngestRecord] {
        var records: [IngestRecord] = []
        let present = Set(files)
        for file in applied.keys.sorted() where !present.contains(file) && paths.contains(where: { file.hasPrefix($0) || $0 == file }) {
            for id in applied[file]!.keys.sorted() {
                log("rule \(id): its file \(file) is gone; deleting it")
                records.append(control(["op": .string("delete"), "id": .string(id)], from: file))
            }
            applied[file] = nil
            seen[file] = nil
        }
        return records
    }

    private func append(_ records: [IngestRecord]) {
        guard !records.isEmpty else { return }
        do {
            _ = try sequencer.append(records)
        } catch {
            log("cannot append rule changes to the ingest log: \(error)")
        }
    }

    /// The control records that bring `file`'s rules up to date, or none (and logged
    /// errors) when it does not validate.
    private func reload(_ file: String) -> [IngestRecord] {
        let result = RuleLoader.load(paths: [file], knownReceivers: receivers)
        let errors = result.diagnostics.filter(\.isError)
        if !errors.isEmpty {
            reloadErrors += 1
            metrics.reloadFailed()
            for error in errors { log("\(error.description) (the previous rules of this file keep running)") }
            return []
        }
        var records: [IngestRecord] = []
        let before = applied[file] ?? [:]
        var after: [String: String] = [:]
        for rule in result.rules {
            after[rule.id] = rule.contentSignature
            guard before[rule.id] != rule.contentSignature else { continue }
            log("rule \(rule.id): \(before[rule.id] == nil ? "added in" : "changed in") \(file)")
            records.append(control(["op": .string("upsert"), "rule": rule.definition], from: file))
        }
        for id in before.keys.sorted() where after[id] == nil {
            log("rule \(id): removed from \(file)")
            records.append(control(["op": .string("delete"), "id": .string(id)], from: file))
        }
        applied[file] = after
        return records
    }

    /// A control record from the rule file `file` (the rule's `source` in the API).
    private func control(_ fields: KeyValuePairs<String, Value>, from file: String) -> IngestRecord {
        let body = Value.object(JSONObject(fields.map { ($0.key, $0.value) }))
        let line = Value.object(JSONObject([("$control", body)])).jsonString
        return .control(source: file, offset: 0, line: 0, bytes: Array(line.utf8))
    }
}
