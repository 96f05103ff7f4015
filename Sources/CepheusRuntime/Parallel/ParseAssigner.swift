import CepheusCore
import CepheusRules

/// Picks which worker parses each line, before it is parsed: when every rule keys by
/// the same top-level string field, the line's likely owner (the key group of the
/// first `"field":"value"` found in its bytes), so an event is usually parsed by the
/// core that will match it and its memory stays in that core's cache; otherwise lines
/// are dealt round-robin. Only the parse placement depends on it: which worker
/// consumes an event is decided by `KeyRouter` after the full parse, so a wrong guess
/// (an escaped value, the name inside another string) costs speed, never correctness.
struct ParseAssigner {
    private let pattern: [UInt8]?
    private let workers: Int

    init(rules: [Rule], workers: Int) {
        self.workers = workers
        var fields = Set<String>()
        var plain = true
        for rule in rules where rule.enabled {
            guard let key = rule.key, !rule.keyIsComposite, key.count == 1, let path = key[0].fieldPath, path.count == 1 else {
                plain = false
                break
            }
            fields.insert(FieldNames.shared.name(of: path[0]))
        }
        if plain, fields.count == 1, let field = fields.first {
            pattern = Array("\"\(field)\":".utf8)
        } else {
            pattern = nil
        }
    }

    /// The worker to parse line `index` (of a batch) whose bytes are `line`.
    func worker(for line: ArraySlice<UInt8>, index: Int) -> Int {
        guard let pattern, workers > 1 else { return index % workers }
        return line.withUnsafeBytes { bytes in
            guard let group = Self.keyGroup(in: bytes, pattern: pattern) else { return index % workers }
            return group % workers
        }
    }

    private static func keyGroup(in bytes: UnsafeRawBufferPointer, pattern: [UInt8]) -> Int? {
        let count = bytes.count
        let length = pattern.count
        guard count > length else { return nil }
        let first = pattern[0]
        var start = 0
        while start + length < count {
            if bytes[start] == first, pattern.indices.allSatisfy({ bytes[start + $0] == pattern[$0] }) {
                var cursor = start + length
                while cursor < count, bytes[cursor] == 0x20 { cursor += 1 }
                guard cursor < count, bytes[cursor] == UInt8(ascii: "\"") else { return nil }
                let valueStart = cursor + 1
                cursor = valueStart
                while cursor < count, bytes[cursor] != UInt8(ascii: "\""), bytes[cursor] != UInt8(ascii: "\\") { cursor += 1 }
                guard cursor < count, bytes[cursor] == UInt8(ascii: "\"") else { return nil }
                return StableHash.keyGroup(ofPlainString: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<cursor]))
            }
            start += 1
        }
        return nil
    }
}
