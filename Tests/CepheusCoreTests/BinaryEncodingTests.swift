import CepheusCore
import Testing

@Suite struct BinaryEncodingTests {
    @Test func varintsAndStringsRoundTrip() throws {
        var writer = ByteWriter()
        let numbers: [Int64] = [0, 1, -1, 63, -64, 300, Int64.max, Int64.min]
        for number in numbers { writer.signed(number) }
        writer.unsigned(UInt64.max)
        writer.string("héllo")
        writer.optionalSigned(nil)
        writer.optionalSigned(-5)
        writer.double(-0.25)
        var reader = ByteReader(writer.bytes)
        for number in numbers { #expect(try reader.signed() == number) }
        #expect(try reader.unsigned() == UInt64.max)
        #expect(try reader.string() == "héllo")
        #expect(try reader.optionalSigned() == nil)
        #expect(try reader.optionalSigned() == -5)
        #expect(try reader.double() == -0.25)
        try reader.expectEnd()
    }

    @Test func valuesRoundTripExactly() throws {
        let value: Value = .object(JSONObject([
            ("b", .int(3)), ("a", .double(3.0)), ("s", .string("x\"y")), ("n", .null),
            ("t", .bool(true)), ("list", .array([.int(-7), .object(JSONObject([("z", .bool(false))]))])),
        ]))
        var writer = ByteWriter()
        value.encode(into: &writer)
        var reader = ByteReader(writer.bytes)
        let decoded = try Value.decode(from: &reader)
        #expect(decoded == value)
        // Member order and int-versus-double survive.
        if case .object(let object) = decoded {
            #expect(object.keys == ["b", "a", "s", "n", "t", "list"])
            #expect(object["a"] == .double(3.0))
        }
    }

    @Test func eventsRoundTripWithTheirIdAndTime() throws {
        let text = #"{"ts":1700000000123,"user":"ana","amount":12.5,"tags":["a","b"],"geo":{"lat":1.25,"ok":true}}"#
        let event = Event.make(value: try JSONReader.parse(text), timestamp: 1_700_000_000_123, id: "src:7", sequence: 7)
        var writer = ByteWriter()
        var scratch: [UInt8] = []
        event.encode(into: &writer, json: &scratch)
        var reader = ByteReader(writer.bytes)
        var parser = TapeParser()
        let decoded = try Event.decode(from: &reader, parser: &parser)
        #expect(decoded.id == "src:7")
        #expect(decoded.timestamp == event.timestamp)
        #expect(decoded.sequence == 7)
        #expect(decoded.value == event.value)
    }

    @Test func truncatedOrDamagedBytesAreRejectedNotTrapped() throws {
        let value: Value = .object(JSONObject([("k", .array([.string("abc"), .int(1 << 40)]))]))
        var writer = ByteWriter()
        value.encode(into: &writer)
        let bytes = writer.bytes
        for cut in 0..<bytes.count {
            var reader = ByteReader(Array(bytes[..<cut]))
            #expect(throws: ByteReader.Malformed.self) { _ = try Value.decode(from: &reader) }
        }
        var damaged = bytes
        damaged[0] = 0xEE
        var reader = ByteReader(damaged)
        #expect(throws: ByteReader.Malformed.self) { _ = try Value.decode(from: &reader) }
    }
}
