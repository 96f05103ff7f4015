extension Event {
    /// Appends the event in the binary state encoding: timestamp, sequence, id bytes and
    /// the object as compact JSON (field-name ids are per process, so the tape itself is
    /// not portable; the JSON text parses back to the same tape values).
    public func encode(into writer: inout ByteWriter, json scratch: inout [UInt8]) {
        writer.signed(timestamp)
        writer.signed(sequence)
        withIDBytes { writer.data($0) }
        scratch.removeAll(keepingCapacity: true)
        withTape { JSONWriter().write($0, at: 0, into: &scratch) }
        writer.data(scratch)
    }

    /// Reads an event written by `encode(into:json:)`, parsing its JSON with `parser`.
    public static func decode(from reader: inout ByteReader, parser: inout TapeParser) throws(ByteReader.Malformed) -> Event {
        let timestamp = try reader.signed()
        let sequence = try reader.signed()
        let id = try reader.data()
        let json = try reader.data()
        let parsed = json.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parser.parse(raw) }
        }
        if case .failure(let error) = parsed { throw ByteReader.Malformed("stored event \(sequence): \(error)") }
        guard parser.entry(0).kind == .object else { throw ByteReader.Malformed("stored event \(sequence) is not an object") }
        let idStart = id.withUnsafeBytes { parser.appendString($0) }
        return parser.makeEvent(idStart: idStart, idLength: UInt32(id.count), timestamp: timestamp, sequence: sequence)
    }
}
