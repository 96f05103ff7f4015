import Testing
@testable import CepheusCore

@Suite("Event tapes")
struct TapeParserTests {
    private func parse(_ text: String, names: FieldNames = .shared) throws -> TapeParser {
        var parser = TapeParser(names: names)
        var text = text
        try text.withUTF8 { utf8 in
            try Result { () throws(JSONError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }.get()
        }
        return parser
    }

    @Test func layoutIsPreOrderWithEndIndices() throws {
        let parser = try parse(#"{"a":1,"b":{"c":[true,null,"x"]},"d":2.5}"#)
        let kinds = parser.entries.map(\.kind)
        #expect(kinds == [.object, .int, .object, .array, .bool, .null, .string, .double])
        #expect(parser.entries[0].start == 8 && parser.entries[0].length == 3)
        #expect(parser.entries[2].start == 7 && parser.entries[3].start == 7 && parser.entries[3].length == 3)
        parser.withTape { tape in
            let c = tape.path([FieldNames.shared.intern("b"), FieldNames.shared.intern("c")])
            #expect(c == 3)
            #expect(tape.member(FieldNames.shared.intern("d"), of: 0) == 7)
            #expect(tape.member(FieldNames.shared.intern("zz"), of: 0) == nil)
        }
    }

    /// One parser reading events whose members come in several orders (a login's fourth
    /// member is `ok`, a payment's `amount`, others have neither), and names of the same
    /// length at one position: every member is still read under its own name.
    @Test func namesAtAPositionThatVariesAreReadUnderTheirOwnNames() throws {
        var parser = TapeParser(names: .shared)
        let lines = [
            #"{"ts":1,"user":"u1","type":"login","ok":true,"ip":"10.0.0.1"}"#,
            #"{"ts":2,"user":"u2","type":"charge","amount":5.5,"ip":"10.0.0.2"}"#,
            #"{"ts":3,"user":"u3","type":"A","ip":"10.0.0.3"}"#,
            #"{"ts":4,"user":"u4","type":"login","no":false,"ip":"10.0.0.4"}"#,
            #"{"ts":5,"user":"u5","type":"B","ix":"x","ip":"10.0.0.5"}"#,
            #"{"ts":6,"user":"u6","type":"q","a1":1,"a2":2,"a3":3,"a4":4,"a5":5}"#,
        ]
        try expectEveryMemberRead(lines, by: &parser)
    }

    /// Names that are prefixes of each other, of 8, 16 and 17 bytes, escaped spellings
    /// of a predicted name, and names ending right at the end of the input, all at
    /// the same positions: each is read under its own name, whichever was predicted.
    @Test func predictedNamesNeverStandInForAnotherName() throws {
        var parser = TapeParser(names: .shared)
        let lines = [
            #"{"ab":1,"abcdefgh":2,"abcdefghijklmnop":3}"#,
            #"{"a":1,"abcdefg":2,"abcdefghijklmnopq":3}"#,
            #"{"abc":1,"abcdefghi":2,"abcdefghijklmno":3}"#,
            #"{"a\u0062":1,"abcdefgh":2,"abcdefghijklmnop":3}"#,
            #"{"ab":1}"#,
            #"{"a":1}"#,
            #"{"":1,"ab":2}"#,
            #"{"ab":1,"":2}"#,
            #"{"ab\"":1,"x":2}"#,
            #"{"é":1,"ab":2}"#,
        ]
        try expectEveryMemberRead(lines, by: &parser)
    }

    /// Parses `lines` three times over with one `parser` (so names seen earlier are
    /// predicted): each line's value, and each member looked up by name, is what the
    /// tree reader makes of it.
    private func expectEveryMemberRead(_ lines: [String], by parser: inout TapeParser) throws {
        for _ in 0..<3 {
            for line in lines {
                var text = line
                try text.withUTF8 { utf8 in
                    try Result { () throws(JSONError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }.get()
                }
                let expected = try JSONReader.parse(line)
                #expect(parser.withTape { $0.value(at: 0) } == expected, "\(line)")
                guard case .object(let object) = expected else { continue }
                for key in object.keys {
                    let read = parser.withTape { tape in tape.member(FieldNames.shared.intern(key), of: 0).map { tape.value(at: $0) } }
                    #expect(read == expected[field: key], "\(key) in \(line)")
                }
            }
        }
    }

    /// Integers and decimals of every length from 1 to 24 digits (read eight digits at
    /// a time where they can be): each equals Swift's own reading of the text.
    @Test func numbersOfEveryLengthReadAsSwiftReadsThem() throws {
        var parser = TapeParser(names: .shared)
        var texts: [String] = []
        let digits = "918273645546372819019283746556473829"
        for length in 1...24 {
            let run = String(digits.prefix(length))
            texts += [run, "-" + run, run + ".5", "0." + run, run + "." + run, run + "e2", "9" + String(repeating: "0", count: length - 1)]
        }
        texts += ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                  "18446744073709551615", "18446744073709551616", "12345678a"]
        for number in texts {
            var text = #"{"n":"# + number + "}"
            let parsed = text.withUTF8 { utf8 in
                Result { () throws(JSONError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }
            }
            if number == "12345678a" {
                #expect(throws: JSONError.self) { try parsed.get() }
                continue
            }
            try parsed.get()
            let value = parser.withTape { $0.value(at: 1) }
            let isInteger = !number.contains(".") && !number.contains("e")
            if isInteger, let integer = Int64(number) {
                #expect(value == .int(integer), "\(number)")
            } else {
                #expect(value == .double(Double(number)!), "\(number)")
            }
        }
    }

    /// The members a parser watches are noted where `member` finds them: the last of a
    /// repeated name, an escaped spelling, never a nested member of the same name.
    @Test func watchedMembersAreTheOnesMemberFinds() throws {
        let names = (FieldNames.shared.intern("ts"), FieldNames.shared.intern("id"), FieldNames.shared.intern("$control"))
        var parser = TapeParser(names: .shared)
        parser.watchedNames = names
        let lines = [
            #"{"ts":1,"id":"a","x":{"ts":9}}"#,
            #"{"x":{"ts":9,"id":2},"y":[{"ts":3}]}"#,
            #"{"ts":1,"ts":2,"id":"a","id":"b"}"#,
            #"{"t\u0073":5,"\u0069d":6}"#,
            #"{"$control":{"op":"x"}}"#,
            #"{}"#,
        ]
        for line in lines {
            var text = line
            try text.withUTF8 { utf8 in
                try Result { () throws(JSONError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }.get()
            }
            let expected = parser.withTape { tape in
                (tape.member(names.0, of: 0) ?? -1, tape.member(names.1, of: 0) ?? -1, tape.member(names.2, of: 0) ?? -1)
            }
            #expect(parser.watchedEntries == expected, "\(line)")
        }
    }

    @Test func materializesTheSameValueAsTheTreeReader() throws {
        let text = #"{"id":7,"s":"a\u00e9\"b","n":[1,-0,1e3,0.1],"o":{"x":{}},"e":[]}"#
        let parser = try parse(text)
        let value = parser.withTape { $0.value(at: 0) }
        #expect(value == (try JSONReader.parse(text)))
        #expect(value[field: "s"] == .string("aé\"b"))
        #expect(value[field: "n"] == .array([.int(1), .int(0), .double(1000), .double(0.1)]))
    }

    @Test func repeatedNamesKeepTheFirstPositionAndTheLastValue() throws {
        let parser = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(parser.entries[0].flags & TapeEntry.hasDuplicatesFlag != 0)
        parser.withTape { tape in
            let a = tape.member(FieldNames.shared.intern("a"), of: 0)!
            #expect(tape.value(at: a) == .int(3))
            #expect(tape.value(at: 0) == .object(JSONObject(keys: ["a", "b"], values: [.int(3), .int(2)])))
        }
    }

    @Test func namesBeyondTheTableStayBytesAndStillResolve() throws {
        // A table with no room: every member name stays uninterned in the tape.
        let full = FieldNames(capacity: 0)
        let parser = try parse(#"{"user":"u1","geo":{"city":"Paris"},"user":"u2"}"#, names: full)
        #expect(parser.entries.contains { $0.kind == .memberName })
        #expect(parser.entries[0].flags & TapeEntry.hasUninternedFlag != 0)
        parser.withTape { tape in
            let user = tape.member(FieldNames.shared.intern("user"), of: 0)!
            #expect(tape.value(at: user) == .string("u2"))
            let city = tape.path([FieldNames.shared.intern("geo"), FieldNames.shared.intern("city")])!
            #expect(tape.value(at: city) == .string("Paris"))
            #expect(tape.value(at: 0) == (try? JSONReader.parse(#"{"user":"u2","geo":{"city":"Paris"}}"#)))
        }
    }

    @Test func topLevelIdKeepsItsNumberText() throws {
        var parser = TapeParser(keepingNumberTextOf: FieldNames.shared.intern("id"))
        var text = #"{"id":1.50,"x":{"id":2.0}}"#
        try text.withUTF8 { utf8 in
            try Result { () throws(JSONError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }.get()
        }
        let id = parser.entries[1]
        #expect(id.kind == .double && id.length == 4)
        #expect(Array(parser.strings[Int(id.start)..<Int(id.start + id.length)]) == Array("1.50".utf8))
        #expect(parser.entries[3].length == 0)
    }

    @Test func eventsKeepTheirTapeIdAndTime() throws {
        let value = try JSONReader.parse(#"{"ts":5,"user":"alice","tags":["a"],"n":null}"#)
        let event = Event.make(value: value, timestamp: 5, id: "src:1", sequence: 1)
        #expect(event.value == value)
        #expect(event.id == "src:1")
        #expect(event.timestamp == 5 && event.sequence == 1)
        #expect(event.field(FieldNames.shared.intern("user")) == .string("alice"))
        #expect(event.value(atPath: [FieldNames.shared.intern("nope")]) == nil)
    }

    @Test func internerHandsOutStableIds() {
        let names = FieldNames(capacity: 2)
        let a = names.intern("a")
        #expect(names.intern("a") == a)
        #expect(names.name(of: a) == "a")
        _ = names.intern("b")
        // Full for event names, but rules can still intern.
        #expect("c".utf8.withContiguousStorageIfAvailable { names.id(forUTF8: UnsafeRawBufferPointer($0)) } == .some(nil))
        let c = names.intern("c")
        #expect(names.name(of: c) == "c")
        #expect(names.existingID("zzz") == nil)
    }
}
