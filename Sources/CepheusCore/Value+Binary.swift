extension Value {
    private enum BinaryTag: UInt8 {
        case null = 0, `false`, `true`, int, double, string, array, object
    }

    /// Appends the value in Cepheus's binary state encoding (exact: an `.int` stays an
    /// `.int`, object member order is kept).
    public func encode(into writer: inout ByteWriter) {
        switch self {
        case .null: writer.byte(BinaryTag.null.rawValue)
        case .bool(let flag): writer.byte(flag ? BinaryTag.true.rawValue : BinaryTag.false.rawValue)
        case .int(let number):
            writer.byte(BinaryTag.int.rawValue)
            writer.signed(number)
        case .double(let number):
            writer.byte(BinaryTag.double.rawValue)
            writer.double(number)
        case .string(let text):
            writer.byte(BinaryTag.string.rawValue)
            writer.string(text)
        case .array(let elements):
            writer.byte(BinaryTag.array.rawValue)
            writer.unsigned(elements.count)
            for element in elements { element.encode(into: &writer) }
        case .object(let object):
            writer.byte(BinaryTag.object.rawValue)
            writer.unsigned(object.count)
            for (name, member) in object.pairs {
                writer.string(name)
                member.encode(into: &writer)
            }
        }
    }

    /// Reads a value written by `encode(into:)`.
    public static func decode(from reader: inout ByteReader, depth: Int = 0) throws(ByteReader.Malformed) -> Value {
        guard depth <= 128 else { throw ByteReader.Malformed("value nested deeper than 128") }
        let raw = try reader.byte()
        guard let tag = BinaryTag(rawValue: raw) else { throw ByteReader.Malformed("unknown value tag \(raw)") }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(try reader.signed())
        case .double: return .double(try reader.double())
        case .string: return .string(try reader.string())
        case .array:
            let count = try reader.count(limit: reader.remaining)
            var elements: [Value] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try decode(from: &reader, depth: depth + 1)) }
            return .array(elements)
        case .object:
            let count = try reader.count(limit: reader.remaining)
            var pairs: [(String, Value)] = []
            pairs.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.string()
                pairs.append((name, try decode(from: &reader, depth: depth + 1)))
            }
            return .object(JSONObject(pairs))
        }
    }
}
