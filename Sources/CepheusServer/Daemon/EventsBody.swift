import CepheusCore

/// A `POST /v1/events` body split into one JSON text per event (spec/daemon.md): a
/// JSON object, a JSON array of them, or JSON Lines — told apart by the body itself.
enum EventsBody {
    /// The lines of the body; for an array, each element written as compact JSON.
    /// `nil` and a reason when the body is a single JSON text that is not an object or
    /// an array (or an array that is not valid JSON).
    static func lines(_ body: [UInt8]) -> [ArraySlice<UInt8>] {
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.first == UInt8(ascii: "["), case .array(let elements)? = try? JSONReader.parse(Array(trimmed)) {
            return elements.map { ArraySlice(Array($0.jsonString.utf8)) }
        }
        // An object or JSON Lines: one text per line (a pretty-printed object over
        // several lines is one text when it parses whole).
        if trimmed.first == UInt8(ascii: "{"), (try? JSONReader.parse(Array(trimmed))) != nil,
           trimmed.contains(0x0A) {
            return [ArraySlice(Array(JSONReader.compactLine(trimmed)))]
        }
        return body.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
    }
}

extension JSONReader {
    /// A multi-line JSON text as one line (its value rewritten compactly).
    static func compactLine(_ text: ArraySlice<UInt8>) -> [UInt8] {
        guard let value = try? parse(Array(text)) else { return Array(text) }
        return Array(value.jsonString.utf8)
    }
}
