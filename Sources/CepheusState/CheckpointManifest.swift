import CepheusCore
import Crypto

/// What a checkpoint or savepoint records besides the RocksDB files: where every
/// source was (byte offset and line), the watermark, the rule set with versions, the
/// key-group layout, and a size and SHA-256 per file. Written as `MANIFEST.json` and
/// renamed into place last: the rename is the commit point. The manifest carries a
/// checksum of its own text, so a torn or edited manifest is detected.
public struct CheckpointManifest: Sendable, Equatable {
    /// Where one input source stood: the next byte to read and the lines read so far.
    public struct SourcePosition: Sendable, Equatable {
        public var name: String
        public var offset: Int64
        public var line: Int64
        public init(name: String, offset: Int64, line: Int64) {
            self.name = name
            self.offset = offset
            self.line = line
        }
    }

    /// One file of the checkpoint's database.
    public struct File: Sendable, Equatable {
        public var name: String
        public var size: Int64
        public var sha256: String
        public init(name: String, size: Int64, sha256: String) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }

    /// The manifest layout this release writes (and the oldest it reads).
    public static let formatVersion = 1

    public var kind: String
    public var id: Int
    /// Wall-clock time of the commit, epoch milliseconds.
    public var createdAt: Int64
    public var sources: [SourcePosition]
    /// Input records consumed (events, control records), the ingest position.
    public var records: Int64
    public var watermark: Int64?
    public var rules: [(id: String, version: Int)]
    public var keyGroups: Int
    public var workers: Int
    public var keys: Int
    public var partialMatches: Int
    public var files: [File] = []

    public init(
        kind: String = "checkpoint", id: Int = 0, createdAt: Int64 = 0, sources: [SourcePosition], records: Int64,
        watermark: Int64?, rules: [(id: String, version: Int)], keyGroups: Int = StableHash.keyGroupCount,
        workers: Int, keys: Int, partialMatches: Int
    ) {
        self.kind = kind
        self.id = id
        self.createdAt = createdAt
        self.sources = sources
        self.records = records
        self.watermark = watermark
        self.rules = rules
        self.keyGroups = keyGroups
        self.workers = workers
        self.keys = keys
        self.partialMatches = partialMatches
    }

    public static func == (a: CheckpointManifest, b: CheckpointManifest) -> Bool {
        a.body == b.body
    }

    /// The manifest as a JSON object, without its checksum.
    var body: Value {
        .object(JSONObject([
            ("format", .int(Int64(Self.formatVersion))),
            ("kind", .string(kind)),
            ("id", .int(Int64(id))),
            ("created_at", .int(createdAt)),
            ("sources", .array(sources.map { source in
                .object(JSONObject([("name", .string(source.name)), ("offset", .int(source.offset)), ("line", .int(source.line))]))
            })),
            ("records", .int(records)),
            ("watermark", watermark.map { .int($0) } ?? .null),
            ("rules", .array(rules.map { rule in
                .object(JSONObject([("id", .string(rule.id)), ("version", .int(Int64(rule.version)))]))
            })),
            ("key_groups", .int(Int64(keyGroups))),
            ("workers", .int(Int64(workers))),
            ("keys", .int(Int64(keys))),
            ("partial_matches", .int(Int64(partialMatches))),
            ("files", .array(files.map { file in
                .object(JSONObject([("name", .string(file.name)), ("size", .int(file.size)), ("sha256", .string(file.sha256))]))
            })),
        ]))
    }

    /// The manifest's bytes: its body and a checksum of the body's compact JSON.
    public func encoded() -> [UInt8] {
        let text = Array(body.jsonString.utf8)
        var object = body
        if case .object(var members) = object {
            members["checksum"] = .string(Self.sha256Hex(text))
            object = .object(members)
        }
        return Array((object.jsonString + "\n").utf8)
    }

    /// Parses and verifies a manifest's bytes.
    public static func decode(_ bytes: [UInt8]) throws(StateStoreError) -> CheckpointManifest {
        let value: Value
        do { value = try JSONReader.parse(bytes) } catch { throw StateStoreError("manifest is not valid JSON: \(error)") }
        guard case .object(var members) = value else { throw StateStoreError("manifest is not a JSON object") }
        guard case .string(let checksum)? = members["checksum"] else { throw StateStoreError("manifest has no checksum") }
        members["checksum"] = nil
        guard case .int(let format)? = members["format"] else { throw StateStoreError("manifest has no format version") }
        guard format >= 1 && format <= Int64(formatVersion) else {
            throw StateStoreError("manifest format \(format) is newer than this release reads (\(formatVersion))")
        }
        func int(_ name: String) throws(StateStoreError) -> Int64 {
            guard case .int(let number)? = members[name] else { throw StateStoreError("manifest field '\(name)' missing or not an integer") }
            return number
        }
        func string(_ object: JSONObject, _ name: String) throws(StateStoreError) -> String {
            guard case .string(let text)? = object[name] else { throw StateStoreError("manifest field '\(name)' missing or not a string") }
            return text
        }
        func number(_ object: JSONObject, _ name: String) throws(StateStoreError) -> Int64 {
            guard case .int(let number)? = object[name] else { throw StateStoreError("manifest field '\(name)' missing or not an integer") }
            return number
        }
        func objects(_ name: String) throws(StateStoreError) -> [JSONObject] {
            guard case .array(let elements)? = members[name] else { throw StateStoreError("manifest field '\(name)' missing or not an array") }
            var result: [JSONObject] = []
            for element in elements {
                guard case .object(let object) = element else { throw StateStoreError("manifest field '\(name)' holds a non-object") }
                result.append(object)
            }
            return result
        }
        var sources: [SourcePosition] = []
        for source in try objects("sources") {
            sources.append(SourcePosition(name: try string(source, "name"), offset: try number(source, "offset"), line: try number(source, "line")))
        }
        var rules: [(id: String, version: Int)] = []
        for rule in try objects("rules") { rules.append((try string(rule, "id"), Int(try number(rule, "version")))) }
        var files: [File] = []
        for file in try objects("files") {
            files.append(File(name: try string(file, "name"), size: try number(file, "size"), sha256: try string(file, "sha256")))
        }
        let watermark: Int64?
        switch members["watermark"] {
        case .int(let time)?: watermark = time
        case .null?: watermark = nil
        default: throw StateStoreError("manifest field 'watermark' missing or not an integer")
        }
        guard case .string(let kind)? = members["kind"] else { throw StateStoreError("manifest field 'kind' missing") }
        var manifest = CheckpointManifest(
            kind: kind, id: Int(try int("id")), createdAt: try int("created_at"), sources: sources, records: try int("records"),
            watermark: watermark, rules: rules, keyGroups: Int(try int("key_groups")), workers: Int(try int("workers")),
            keys: Int(try int("keys")), partialMatches: Int(try int("partial_matches")))
        manifest.files = files
        let expected = sha256Hex(Array(manifest.body.jsonString.utf8))
        guard expected == checksum else { throw StateStoreError("manifest checksum mismatch (the manifest was damaged or edited)") }
        return manifest
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
