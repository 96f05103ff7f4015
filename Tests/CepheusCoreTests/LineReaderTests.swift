#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import CepheusCore

/// A temporary file holding `bytes`, removed when `body` returns.
private func withTemporaryFile<R>(_ bytes: [UInt8], _ body: (String) throws -> R) throws -> R {
    var template = Array("/tmp/cepheus-core-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    #expect(fd >= 0)
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    defer { unlink(path) }
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
        #expect(n > 0)
        if n <= 0 { break }
        written += n
    }
    close(fd)
    return try body(path)
}

/// Every item of the reader, lines as strings.
private func items(_ reader: inout LineReader) throws -> [String] {
    var result: [String] = []
    while let item = try reader.next() {
        switch item {
        case .line(let bytes): result.append(String(decoding: bytes, as: UTF8.self))
        case .tooLong(let count): result.append("<too long: \(count)>")
        }
    }
    return result
}

private func readAll(_ bytes: [UInt8], maxLineBytes: Int = 1 << 20) throws -> [String] {
    try withTemporaryFile(bytes) { path throws in
        var reader = try LineReader.open(path: path, maxLineBytes: maxLineBytes)
        return try items(&reader)
    }
}

private func readAll(_ text: String, maxLineBytes: Int = 1 << 20) throws -> [String] {
    try readAll(Array(text.utf8), maxLineBytes: maxLineBytes)
}

@Suite struct LineReaderTests {
    @Test func simpleLines() throws {
        #expect(try readAll("a\nbb\nccc\n") == ["a", "bb", "ccc"])
        #expect(try readAll("") == [])
        #expect(try readAll("\n") == [""])
        #expect(try readAll("\n\n") == ["", ""])
        #expect(try readAll("x\n\ny\n") == ["x", "", "y"])
    }

    @Test func crlfAndMissingFinalNewline() throws {
        #expect(try readAll("one\r\ntwo\r\nthree") == ["one", "two", "three"])
        #expect(try readAll("a\r\n\r\nb\r") == ["a", "", "b"])
        #expect(try readAll("only") == ["only"])
        #expect(try readAll("mid\rdle\n") == ["mid\rdle"])
        #expect(try readAll("\r") == [""])
    }

    @Test func twoMebibyteLineBetweenNormalLines() throws {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20)
        let bytes = Array("{\"first\":1}\n".utf8) + long + Array("\n{\"last\":2}\n".utf8)
        #expect(try readAll(bytes) == [#"{"first":1}"#, "<too long: 2097152>", #"{"last":2}"#])
        // With CRLF, and the long line last without a newline.
        let crlf = Array("a\r\n".utf8) + long + Array("\r\nb\r\n".utf8) + long + [UInt8(ascii: "\r")]
        #expect(try readAll(crlf) == ["a", "<too long: 2097152>", "b", "<too long: 2097152>"])
    }

    @Test func lineLengthLimitIsExact() throws {
        let limit = 1 << 20
        let exact = String(repeating: "y", count: limit)
        let over = String(repeating: "z", count: limit + 1)
        #expect(try readAll("\(exact)\n\(over)\nend") == [exact, "<too long: \(limit + 1)>", "end"])
        // The `\r` of a CRLF line does not count.
        #expect(try readAll("\(exact)\r\nend\r\n") == [exact, "end"])
        #expect(try readAll("\(over)") == ["<too long: \(limit + 1)>"])
    }

    @Test func smallLimitsAndChunks() throws {
        #expect(try readAll("abc\nabcdef\nab\nabcd", maxLineBytes: 3) == ["abc", "<too long: 6>", "ab", "<too long: 4>"])
        // A tiny read size exercises compaction, growth and lines spanning reads.
        let text = (0..<500).map { String(repeating: "v", count: $0 % 37) + "\($0)" }
        let joined = text.joined(separator: "\n") + "\n"
        try withTemporaryFile(Array(joined.utf8)) { path throws in
            let fd = open(path, O_RDONLY)
            #expect(fd >= 0)
            var reader = LineReader(fileDescriptor: fd, maxLineBytes: 30, readSize: 7, closeWhenDone: true)
            let expected = text.map { $0.utf8.count > 30 ? "<too long: \($0.utf8.count)>" : $0 }
            #expect(try items(&reader) == expected)
        }
    }

    @Test func manyLinesAcrossChunkBoundaries() throws {
        let lines = (0..<200_000).map { "{\"n\":\($0)}" }
        let expected = lines
        #expect(try readAll(lines.joined(separator: "\n")) == expected)
    }

    @Test func openErrors() throws {
        #expect(throws: IOError.self) { try LineReader.open(path: "/nonexistent/cepheus/events.jsonl") }
        do {
            _ = try LineReader.open(path: "/nonexistent/cepheus/events.jsonl")
            Issue.record("opened a missing file")
        } catch {
            #expect(error.description == "cannot open /nonexistent/cepheus/events.jsonl: No such file or directory")
            #expect(error.code == ENOENT)
        }
        // A directory opens but cannot be read.
        var reader = try LineReader.open(path: "/tmp")
        do {
            _ = try reader.next()
            Issue.record("read a directory")
        } catch {
            #expect(error.description == "cannot read /tmp: Is a directory")
        }
    }

    @Test func readerDoesNotCloseBorrowedDescriptor() throws {
        try withTemporaryFile(Array("a\nb\n".utf8)) { path throws in
            let fd = open(path, O_RDONLY)
            do {
                var reader = LineReader(fileDescriptor: fd)
                #expect(reader.name == "fd \(fd)")
                #expect(try items(&reader) == ["a", "b"])
            }
            #expect(lseek(fd, 0, SEEK_SET) == 0)  // still open
            close(fd)
        }
    }
}
