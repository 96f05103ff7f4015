import CepheusCore
import CepheusRules

/// `cepheus replay`: reads a JSON Lines input, computes the watermark in input order,
/// turns each line into a record of the runtime's input stream, and at the end of the
/// input advances the watermark to +infinity so every window closes.
public final class ReplaySession {
    /// Where rejected and late lines go, and what happens to alerts.
    public struct Sinks {
        public var alert: (Alert) -> Void
        /// Line number, reason, raw line.
        public var rejected: ((Int64, String, ArraySlice<UInt8>) -> Void)?
        /// The raw late line.
        public var late: ((ArraySlice<UInt8>) -> Void)?
        /// Non-fatal messages (rejected control records), for stderr.
        public var diagnostic: (String) -> Void

        public init(
            alert: @escaping (Alert) -> Void,
            rejected: ((Int64, String, ArraySlice<UInt8>) -> Void)? = nil,
            late: ((ArraySlice<UInt8>) -> Void)? = nil,
            diagnostic: @escaping (String) -> Void = { _ in }
        ) {
            self.alert = alert
            self.rejected = rejected
            self.late = late
            self.diagnostic = diagnostic
        }
    }

    public let engine: RuntimeEngine
    private var decoder: EventDecoder
    private var watermark: WatermarkTracker
    private let sinks: Sinks
    private var line: Int64 = 0

    public init(rules: [Rule], sourceName: String, outOfOrderness: Int64 = 0, timeField: String = "ts", sinks: Sinks) {
        self.engine = RuntimeEngine(rules: rules, emit: sinks.alert)
        self.decoder = EventDecoder(timeField: timeField, sourceName: sourceName)
        self.watermark = WatermarkTracker(outOfOrderness: outOfOrderness)
        self.sinks = sinks
        engine.onDiagnostic = sinks.diagnostic
    }

    /// Reads every line of `reader`, then ends the input.
    public func run(_ reader: inout LineReader) throws(IOError) -> RuntimeCounters {
        while let item = try reader.next() {
            switch item {
            case .line(let bytes):
                feed(bytes)
            case .tooLong(let count):
                line += 1
                engine.countRejected()
                sinks.rejected?(line, "line longer than \(reader.maxLineBytes) bytes (\(count) bytes)", [])
            }
        }
        finish()
        return engine.counters
    }

    /// Feeds one line (without its newline).
    public func feed(_ bytes: ArraySlice<UInt8>) {
        line += 1
        switch decoder.decode(bytes, line: line) {
        case .blank:
            break
        case .rejected(let reason):
            engine.countRejected()
            sinks.rejected?(line, reason, bytes)
        case .control(let value):
            let position = RecordPosition(source: decoder.sourceName, line: line)
            switch ControlRecord.parse(value) {
            case .success(let record):
                engine.consume(.control(record, position: position))
            case .failure(let error):
                engine.rejectControl(position, error.messages)
            }
        case .event(let value, let timestamp, let id):
            if watermark.isLate(timestamp) {
                engine.countLate()
                sinks.late?(bytes)
                return
            }
            engine.consume(.event(Event(value: value, timestamp: timestamp, id: id, sequence: line)))
            if let advanced = watermark.observe(timestamp) {
                engine.consume(.watermark(advanced))
            }
        }
    }

    /// Ends the input: the watermark jumps to +infinity.
    public func finish() {
        engine.consume(.watermark(.max))
    }
}
