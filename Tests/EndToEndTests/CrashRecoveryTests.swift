import CepheusCore
import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `cepheus replay --state-dir … --resume`, killed with SIGKILL at random moments and
/// resumed each time, ends with exactly the alert ids of an uninterrupted run.
@Suite(.serialized) struct CrashRecoveryTests {
    /// Starts the binary with stdout appended to `stdoutPath`; returns its pid.
    static func spawn(_ arguments: [String], stdoutPath: String, stderrPath: String) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = ([CLI.binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, CLI.binary, &actions, nil, argv, environ)
        precondition(status == 0, "posix_spawn failed: \(status)")
        return pid
    }

    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    static func alertIds(_ text: String) throws -> [String] {
        try text.split(separator: "\n").map { line in
            guard case .string(let id)? = try JSONReader.parse(String(line))[field: "id"] else { throw CLIError("alert without id: \(line)") }
            return id
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func killedAndResumedRunsLoseNoAlertAndInventNone() throws {
        let dir = CLI.makeTempDirectory()
        let events = dir + "/events.jsonl"
        let generated = CLI.run(["gen", "--events", "40000", "--keys", "400", "--seed", "11", "--output", events])
        #expect(generated.status == 0, "\(generated.stderr)")
        let common = ["replay", "--rules", CLI.packageRoot + "/rules", "--events", events, "--out-of-orderness", "1s"]
        let reference = CLI.run(common)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try Self.alertIds(reference.stdout)
        #expect(expected.count > 500)

        let state = dir + "/state", out = dir + "/alerts.jsonl", err = dir + "/stderr.txt"
        let durable = common + ["--state-dir", state, "--checkpoint-every", "1500", "--resume", "--state-memory-limit", "6MB"]
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var attempts = 0
        // At least 10 kills, each at a random moment of a run that has not finished.
        while kills < 12 && attempts < 60 {
            attempts += 1
            let pid = Self.spawn(durable, stdoutPath: out, stderrPath: err)
            if kills == 0 {
                // The first kill waits for a first checkpoint (a loaded machine may start
                // slowly), so later runs have something to resume from.
                for _ in 0..<400 where ((try? FileSystem.list(state + "/checkpoints")) ?? []).filter({ $0.hasPrefix("chk-") }).isEmpty {
                    usleep(50_000)
                }
            }
            usleep(UInt32.random(in: 150_000...900_000, using: &generator))
            if kill(pid, SIGKILL) == 0 {
                let status = Self.wait(pid)
                if status & 0x7F == SIGKILL { kills += 1 }
            } else {
                _ = Self.wait(pid)
            }
        }
        #expect(kills >= 10, "only \(kills) runs were killed before they finished")
        let pid = Self.spawn(durable, stdoutPath: out, stderrPath: err)
        let status = Self.wait(pid)
        #expect(status == 0, "\(CLI.read(err).suffix(2000))")
        let seen = try Self.alertIds(CLI.read(out))
        // Every alert of the uninterrupted run, and none that it lacks.
        #expect(Set(seen) == Set(expected))
        #expect(Set(seen).subtracting(expected).isEmpty)
        let log = CLI.read(err)
        #expect(log.contains("restored checkpoint"))
        // Under the 6 MB limit, states were spilled to RocksDB and loaded back.
        #expect(log.contains("states_spilled=") && !log.contains("states_spilled=0 "), "\(log.suffix(600))")
        // The last run's summary counts the whole input.
        let summary = log.split(separator: "\n").last { $0.hasPrefix("events=") }
        let referenceSummary = reference.stderr.split(separator: "\n").last { $0.hasPrefix("events=") }
        #expect(summary == referenceSummary)
    }

    @Test func resumeWithoutACheckpointStartsFromTheBeginning() throws {
        let dir = CLI.makeTempDirectory()
        let events = dir + "/events.jsonl"
        _ = CLI.run(["gen", "--events", "2000", "--keys", "50", "--output", events])
        let plain = CLI.run(["replay", "--rules", CLI.packageRoot + "/rules", "--events", events])
        let resumed = CLI.run(["replay", "--rules", CLI.packageRoot + "/rules", "--events", events, "--state-dir", dir + "/new/state", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("no complete checkpoint"))
        #expect(Set(try Self.alertIds(resumed.stdout)) == Set(try Self.alertIds(plain.stdout)))
    }

    @Test func aSecondWriterOnALockedStateDirectoryIsRefused() throws {
        let dir = CLI.makeTempDirectory()
        // The first writer reads a FIFO nobody writes to: it holds the lock and waits.
        let fifo = dir + "/events.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writerEnd = open(fifo, O_RDWR)
        defer { close(writerEnd) }
        let state = dir + "/state"
        let pid = Self.spawn(
            ["replay", "--rules", CLI.packageRoot + "/rules", "--events", fifo, "--state-dir", state],
            stdoutPath: dir + "/first.out", stderrPath: dir + "/first.err")
        defer {
            kill(pid, SIGKILL)
            _ = Self.wait(pid)
        }
        var waited = 0
        while !FileManagerless.exists(state + "/db/CURRENT") && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        let events = dir + "/events.jsonl"
        CLI.write("", to: events)
        let second = CLI.run(["replay", "--rules", CLI.packageRoot + "/rules", "--events", events, "--state-dir", state])
        #expect(second.status == 2)
        #expect(second.stderr.contains("in use by another process"), "\(second.stderr)")
    }
}

/// `stat` without Foundation.
enum FileManagerless {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}
