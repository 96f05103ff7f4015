import CepheusCore

extension RuntimeCounters {
    func encode(into writer: inout ByteWriter) {
        for value in [events, late, rejected, keySkipped, throttled, alerts, controlApplied, controlRejected,
                      partialMatchesDiscarded, partialMatchesDropped, typeErrors, statesSpilled, statesLoaded, keysExpired] {
            writer.unsigned(value)
        }
    }

    static func decode(from reader: inout ByteReader) throws(ByteReader.Malformed) -> RuntimeCounters {
        var counters = RuntimeCounters()
        counters.events = try reader.count(limit: .max)
        counters.late = try reader.count(limit: .max)
        counters.rejected = try reader.count(limit: .max)
        counters.keySkipped = try reader.count(limit: .max)
        counters.throttled = try reader.count(limit: .max)
        counters.alerts = try reader.count(limit: .max)
        counters.controlApplied = try reader.count(limit: .max)
        counters.controlRejected = try reader.count(limit: .max)
        counters.partialMatchesDiscarded = try reader.count(limit: .max)
        counters.partialMatchesDropped = try reader.count(limit: .max)
        counters.typeErrors = try reader.count(limit: .max)
        counters.statesSpilled = try reader.count(limit: .max)
        counters.statesLoaded = try reader.count(limit: .max)
        counters.keysExpired = try reader.count(limit: .max)
        return counters
    }
}
