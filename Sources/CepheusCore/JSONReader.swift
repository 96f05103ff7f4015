/// Parses JSON texts into `Value` trees: `TapeParser` (strict RFC 8259, see there for
/// what is rejected) followed by materializing the tape. A repeated object key keeps
/// the position of its first occurrence and the value of its last (`JSONObject`'s
/// subscript semantics). Events do not take this path: they keep the tape itself.
public enum JSONReader {
    /// The deepest nesting of arrays and objects accepted (a top-level `[]` is depth 1).
    public static let maxDepth = TapeParser.maxDepth

    /// Parses one JSON text.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> Value {
        var parser = TapeParser()
        try parser.parse(bytes)
        return parser.withTape { $0.value(at: 0) }
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> Value {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> Value in try parse(raw) }
        }.get()
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> Value {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> Value in try parse(raw) }
        }.get()
    }

    /// Parses one JSON text from the string's UTF-8 (without copying a native string).
    public static func parse(_ text: String) throws(JSONError) -> Value {
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(JSONError) -> Value in try parse(UnsafeRawBufferPointer(utf8)) }
        }.get()
    }
}
