extension Event {
    /// An event built from an already parsed object (tests, `cepheus test` inputs): its
    /// tape is written from `value` (an object; anything else becomes `{}`).
    public static func make(value: Value, timestamp: Int64, id: String, sequence: Int64) -> Event {
        var entries: [TapeEntry] = []
        var strings: [UInt8] = []
        if case .object = value {
            appendTape(of: value, name: TapeEntry.noName, entries: &entries, strings: &strings)
        } else {
            entries.append(TapeEntry(name: TapeEntry.noName, kind: .object, start: 1))
        }
        let idStart = UInt32(strings.count)
        strings.append(contentsOf: id.utf8)
        return entries.withUnsafeBufferPointer { entryBuffer in
            strings.withUnsafeBytes { stringBytes in
                make(entries: entryBuffer, strings: stringBytes, idStart: idStart, idLength: UInt32(id.utf8.count),
                     timestamp: timestamp, sequence: sequence)
            }
        }
    }

    private static func appendTape(of value: Value, name: Int32, entries: inout [TapeEntry], strings: inout [UInt8]) {
        switch value {
        case .null:
            entries.append(TapeEntry(name: name, kind: .null))
        case .bool(let flag):
            entries.append(TapeEntry(name: name, kind: .bool, payload: flag ? 1 : 0))
        case .int(let number):
            entries.append(TapeEntry(name: name, kind: .int, payload: UInt64(bitPattern: number)))
        case .double(let number):
            entries.append(TapeEntry(name: name, kind: .double, payload: number.bitPattern))
        case .string(let text):
            let start = UInt32(strings.count)
            strings.append(contentsOf: text.utf8)
            entries.append(TapeEntry(name: name, kind: .string, start: start, length: UInt32(strings.count) - start))
        case .array(let elements):
            let container = entries.count
            entries.append(TapeEntry(name: name, kind: .array, length: UInt32(elements.count)))
            for element in elements { appendTape(of: element, name: TapeEntry.noName, entries: &entries, strings: &strings) }
            entries[container].start = UInt32(entries.count)
        case .object(let object):
            let container = entries.count
            entries.append(TapeEntry(name: name, kind: .object, length: UInt32(object.count)))
            for (key, member) in object.pairs {
                appendTape(of: member, name: FieldNames.shared.intern(key), entries: &entries, strings: &strings)
            }
            entries[container].start = UInt32(entries.count)
        }
    }
}
