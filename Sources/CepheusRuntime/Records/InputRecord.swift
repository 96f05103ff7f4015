import CepheusCore

/// One record of the ordered stream the runtime consumes (DESIGN.md, Seams): replay
/// turns a file into this stream, the daemon's ingest log stores it durably. The
/// runtime never reads files itself, which is why replay, live and after-crash runs
/// produce the same alerts.
public enum InputRecord: Sendable {
    /// An on-time event (lateness is decided by whoever computes the watermark).
    case event(Event)
    /// A rule control record (rules.md section 7), applied when it is read.
    case control(ControlRecord, position: RecordPosition)
    /// The watermark advanced to this event time; `Int64.max` ends a bounded input.
    case watermark(Int64)
}

/// Where a record came from: its source name and 1-based line (or log sequence).
public struct RecordPosition: Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int64

    public init(source: String, line: Int64) {
        self.source = source
        self.line = line
    }

    /// `SOURCE:LINE`, or `SOURCE` alone for a record that has no line (line 0: a rule
    /// file's change or the HTTP API in the daemon).
    public var description: String { line == 0 ? source : "\(source):\(line)" }
}
