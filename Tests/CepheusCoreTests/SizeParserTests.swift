import Testing
@testable import CepheusCore

@Suite struct SizeParserTests {
    @Test func valid() {
        #expect(SizeParser.bytes("512") == 512)
        #expect(SizeParser.bytes("0") == 0)
        #expect(SizeParser.bytes("512B") == 512)
        #expect(SizeParser.bytes("64KiB") == 65_536)
        #expect(SizeParser.bytes("10MiB") == 10_485_760)
        #expect(SizeParser.bytes("1GiB") == 1_073_741_824)
        #expect(SizeParser.bytes("2TiB") == 2_199_023_255_552)
        #expect(SizeParser.bytes("64KB") == 64_000)
        #expect(SizeParser.bytes("64kB") == 64_000)
        #expect(SizeParser.bytes("10MB") == 10_000_000)
        #expect(SizeParser.bytes("1GB") == 1_000_000_000)
        #expect(SizeParser.bytes("3TB") == 3_000_000_000_000)
    }

    @Test(arguments: [
        "", "KiB", "-1", "1.5MiB", "10 MiB", "10mib", "10MIB", "10K", "10Ki", "10XB", " 10", "10 ",
        "99999999999999999999", "9000000000GiB", "+5",
    ])
    func invalid(_ text: String) {
        #expect(SizeParser.bytes(text) == nil)
    }

    @Test func format() {
        #expect(SizeParser.format(1_048_576) == "1MiB")
        #expect(SizeParser.format(65_536) == "64KiB")
        #expect(SizeParser.format(1_500) == "1500")
        #expect(SizeParser.format(0) == "0")
        for bytes: Int64 in [1, 1_024, 1_000, 3 << 30, 5 << 40, 123_456_789] {
            #expect(SizeParser.bytes(SizeParser.format(bytes)) == bytes)
        }
    }
}
