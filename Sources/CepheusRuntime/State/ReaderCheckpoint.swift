import CepheusCore
import CepheusState

/// What the reading side of a run (replay's session, the daemon's sharded session)
/// records in a checkpoint beside the engines' states: records read, its counters, the
/// input-order watermark (per source) and the processing-time clock. Stored under
/// `m` + "replay".
struct ReaderCheckpoint {
    var line: Int64
    var counters: RuntimeCounters
    var watermark: WatermarkTracker
    var processingTime: Int64?

    static let key = StateKey.metadata("replay")

    /// Format 2 (format 1 lacked the per-source watermarks and the clock).
    func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.byte(2)
        writer.signed(line)
        counters.encode(into: &writer)
        writer.optionalSigned(watermark.maxTimestamp)
        writer.signed(watermark.current)
        writer.unsigned(UInt64(watermark.sources.count))
        for (name, state) in watermark.sources.sorted(by: { $0.key < $1.key }) {
            writer.string(name)
            writer.signed(state.maxTimestamp)
            writer.byte(state.idle ? 1 : 0)
        }
        writer.optionalSigned(processingTime)
        return writer.bytes
    }

    /// Decodes a stored record; the tracker keeps `outOfOrderness` (configuration).
    static func decode(_ bytes: [UInt8], outOfOrderness: Int64) throws -> ReaderCheckpoint {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == 1 || version == 2 else {
            throw StateStoreError("replay metadata format \(version) is not one this release reads (1, 2)")
        }
        let line = try reader.signed()
        let counters = try RuntimeCounters.decode(from: &reader)
        let maxTimestamp = try reader.optionalSigned()
        let current = try reader.signed()
        var sources: [String: WatermarkTracker.SourceState] = [:]
        var processingTime: Int64?
        if version >= 2 {
            let count = try reader.unsigned()
            for _ in 0..<count {
                let name = try reader.string()
                let sourceMax = try reader.signed()
                sources[name] = WatermarkTracker.SourceState(maxTimestamp: sourceMax, idle: try reader.byte() == 1)
            }
            processingTime = try reader.optionalSigned()
        }
        try reader.expectEnd()
        let watermark = WatermarkTracker(outOfOrderness: outOfOrderness, maxTimestamp: maxTimestamp, current: current, sources: sources)
        return ReaderCheckpoint(line: line, counters: counters, watermark: watermark, processingTime: processingTime)
    }
}
