import CepheusCore
@testable import CepheusServer
import CepheusState
import Testing
#if canImport(Glibc)
import Glibc
#endif

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/cepheus-log-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}

@Suite struct IngestLogTests {
    static func event(_ index: Int) -> IngestRecord {
        .event(source: "events.jsonl", offset: Int64(index * 40), line: Int64(index), bytes: Array(#"{"ts":\#(index),"user":"u\#(index % 7)"}"#.utf8))
    }

    func records(_ log: IngestLog, from position: Int64 = 0) throws -> [(Int64, IngestRecord)] {
        var result: [(Int64, IngestRecord)] = []
        try log.read(from: position) { position, record in
            result.append((position, record))
            return true
        }
        return result
    }

    @Test func appendsReadsBackAndContinuesAfterReopen() throws {
        let dir = makeTemporaryDirectory() + "/log"
        do {
            let log = try IngestLog(directory: dir)
            for index in 0..<10 { #expect(try log.append(Self.event(index)) == Int64(index)) }
            #expect(try log.append(.control(source: "control.jsonl", offset: 10, line: 1, bytes: Array(#"{"op":"delete","id":"x"}"#.utf8))) == 10)
            #expect(try log.append(.watermark(12_345)) == 11)
            try log.sync()
        }
        let reopened = try IngestLog(directory: dir)
        #expect(reopened.nextPosition == 12)
        let all = try records(reopened)
        #expect(all.map(\.0) == Array(0..<12))
        #expect(all[3].1 == Self.event(3))
        #expect(all[11].1 == .watermark(12_345))
        #expect(try records(reopened, from: 7).map(\.0) == Array(7..<12))
        #expect(try reopened.append(Self.event(12)) == 12)
    }

    @Test func everyRecordKindRoundTrips() throws {
        let records: [IngestRecord] = [
            Self.event(1), .control(source: "/etc/rules/a.yaml", offset: 0, line: 0, bytes: Array("{}".utf8)),
            .watermark(-5), .idle(source: "events.jsonl"), .clock(1_700_000_000_123), .sources(["http", "a.jsonl"]), .sources([]),
        ]
        for record in records {
            #expect(try IngestRecord.decode(record.encoded()) == record)
        }
        #expect(throws: ByteReader.Malformed.self) { try IngestRecord.decode([6, 200, 1]) }
        #expect(throws: ByteReader.Malformed.self) { try IngestRecord.decode([9]) }
    }

    @Test func rollsSegmentsAndDiscardsThoseBehindAPosition() throws {
        let dir = makeTemporaryDirectory() + "/log"
        let log = try IngestLog(directory: dir, segmentBytes: 4096)
        for index in 0..<500 { try log.append(Self.event(index)) }
        try log.sync()
        #expect(log.segmentStarts.count > 3)
        let third = log.segmentStarts[2]
        #expect(try records(log, from: third + 1).first?.0 == third + 1)
        let deleted = try log.discard(before: third + 1)
        #expect(deleted == 2)
        #expect(log.segmentStarts.first == third)
        #expect(try records(log, from: third).count == 500 - Int(third))
        // Reopened, the positions carry on from the segment names.
        let reopened = try IngestLog(directory: dir, segmentBytes: 4096)
        #expect(reopened.nextPosition == 500)
    }

    /// A crash mid-write leaves a torn frame; a flipped bit damages one. Reopening cuts
    /// the tail off at the last good record, reports it, and appends after it.
    @Test(arguments: ["torn", "flipped"])
    func aDamagedTailIsCutOffOnOpen(damage: String) throws {
        let dir = makeTemporaryDirectory() + "/log"
        do {
            let log = try IngestLog(directory: dir)
            for index in 0..<20 { try log.append(Self.event(index)) }
            try log.sync()
        }
        let path = dir + "/" + (try FileSystem.list(dir)).first!
        var bytes = try FileSystem.read(path)
        if damage == "torn" {
            bytes.removeLast(5)
        } else {
            bytes[bytes.count - 3] ^= 0x10
        }
        try FileSystem.write(bytes, to: path)
        var reports: [String] = []
        let log = try IngestLog(directory: dir) { reports.append($0) }
        #expect(log.nextPosition == 19)
        #expect(reports.count == 1 && reports[0].contains("cut off"), "\(reports)")
        #expect(try records(log).count == 19)
        try log.append(Self.event(99))
        try log.sync()
        let again = try records(try IngestLog(directory: dir))
        #expect(again.count == 20)
        #expect(again.last?.1 == Self.event(99))
    }

    /// A full disk: a batch's write is torn, the reader has already read the torn bytes,
    /// and the log is rolled back and written over. The reader must read the new record
    /// (before, it kept the stale bytes and never found a valid frame there again).
    @Test func aReaderFollowsARollBackOverBytesItHadRead() throws {
        let dir = makeTemporaryDirectory() + "/log"
        let log = try IngestLog(directory: dir)
        try log.append(Self.event(0))
        try log.sync()
        let reader = IngestLogReader(directory: dir, position: 0)
        #expect(try reader.next(limit: 10).map(\.1) == [Self.event(0)])
        let mark = log.mark()
        // The start of a frame that was never finished: a length, a checksum, some payload.
        let torn: [UInt8] = [200, 0, 0, 0, 1, 2, 3, 4] + Array(repeating: 0x41, count: 50)
        let descriptor = open(IngestLog.segmentPath(dir, 0), O_WRONLY | O_APPEND)
        #expect(torn.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == torn.count)
        close(descriptor)
        #expect(try reader.next(limit: 10).isEmpty)
        try log.rollBack(to: mark)
        try log.append(Self.event(1))
        try log.append(Self.event(2))
        try log.sync()
        #expect(try reader.next(limit: 10).map(\.1) == [Self.event(1), Self.event(2)])
        #expect(reader.position == 3)
    }

    /// A reader asked for a position the log has not reached yet waits for it, and then
    /// starts exactly there (before, it skipped what there was and later returned the
    /// records after those, numbered as if they were at its position).
    @Test func aReaderAheadOfTheLogStartsAtItsPosition() throws {
        let dir = makeTemporaryDirectory() + "/log"
        let log = try IngestLog(directory: dir)
        try log.append(Self.event(0))
        try log.sync()
        let reader = IngestLogReader(directory: dir, position: 3)
        #expect(try reader.next(limit: 10).isEmpty)
        for index in 1..<5 { try log.append(Self.event(index)) }
        try log.sync()
        let records = try reader.next(limit: 10)
        #expect(records.map(\.0) == [3, 4])
        #expect(records.map(\.1) == [Self.event(3), Self.event(4)])
    }
}
