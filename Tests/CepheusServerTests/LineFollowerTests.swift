@testable import CepheusServer
import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A followed file source (`tail -F`): complete lines only, positions to resume from,
/// truncation and rotation.
@Suite struct LineFollowerTests {
    func append(_ text: String, to path: String) {
        let file = fopen(path, "a")!
        fputs(text, file)
        fclose(file)
    }

    func lines(_ records: [IngestRecord]) -> [String] {
        records.compactMap { record in
            if case .event(_, _, _, let bytes) = record { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }

    @Test func readsCompleteLinesAndKeepsTheirPositions() {
        let path = makeTemporaryDirectory() + "/events.jsonl"
        append("a\nb", to: path)
        let follower = LineFollower(file: path, name: "events.jsonl", offset: 0, line: 0) { _ in }
        let first = follower.poll()
        #expect(lines(first) == ["a"])
        #expect(first.first == .event(source: "events.jsonl", offset: 2, line: 1, bytes: Array("a".utf8)))
        #expect(follower.poll().isEmpty, "an unterminated line waits")
        append("c\r\nd\n", to: path)
        #expect(lines(follower.poll()) == ["bc", "d"])
        #expect(follower.offset == 8 && follower.line == 3)
        // Resuming from a recorded position reads only what follows it.
        let resumed = LineFollower(file: path, name: "events.jsonl", offset: 6, line: 2) { _ in }
        let rest = resumed.poll()
        #expect(lines(rest) == ["d"])
        #expect(rest.first == .event(source: "events.jsonl", offset: 8, line: 3, bytes: Array("d".utf8)))
    }

    @Test func followsTruncationAndRotation() throws {
        let dir = makeTemporaryDirectory()
        let path = dir + "/app.log"
        append("1\n2\n", to: path)
        var reports: [String] = []
        let follower = LineFollower(file: path, name: "app.log", offset: 0, line: 0) { reports.append($0) }
        #expect(lines(follower.poll()) == ["1", "2"])
        // Truncated in place (copytruncate): read again from the start.
        truncate(path, 0)
        append("3\n", to: path)
        #expect(lines(follower.poll()) == [])
        #expect(lines(follower.poll()) == ["3"])
        // Rotated: the old file's last, unterminated line, then the new file.
        append("4", to: path)
        #expect(lines(follower.poll()) == [])
        try FileSystem.rename(path, dir + "/app.log.1")
        append("5\n", to: path)
        #expect(lines(follower.poll()) == ["4"])
        #expect(lines(follower.poll()) == ["5"])
        #expect(follower.line == 5, "line numbers go on across rotations")
        #expect(reports.contains { $0.contains("truncated") } && reports.contains { $0.contains("rotated") }, "\(reports)")
        // A recorded offset past the end of a file: the file is read from its start.
        let stale = LineFollower(file: path, name: "app.log", offset: 1_000, line: 9) { reports.append($0) }
        #expect(lines(stale.poll()) == ["5"])
    }
}
