import CepheusCore
import CepheusMatcher

extension KeyState {
    /// The encoding's version byte. A later release that changes the layout writes a
    /// new version and keeps reading this one.
    static let encodingVersion: UInt8 = 1

    /// The state as one standalone value: format version, key, throttle, timer, the
    /// distinct events it holds (each once), then the matcher's partial matches and
    /// shared buffer referring to them by index. No other key's state is needed to
    /// read it back (DESIGN.md, Seams).
    func encoded(json scratch: inout [UInt8]) -> [UInt8] {
        var events = StateEventTable()
        var matcherBytes = ByteWriter(capacity: 256)
        matcher.encode(into: &matcherBytes, events: &events)
        var writer = ByteWriter(capacity: 64 + matcherBytes.count + 128 * events.events.count)
        writer.byte(Self.encodingVersion)
        key.encode(into: &writer)
        writer.optionalSigned(lastAlertEnd)
        writer.optionalSigned(scheduledTimer)
        writer.optionalSigned(windowEnd)
        writer.bool(quiet)
        writer.unsigned(matcher.partialMatchCount)
        writer.unsigned(events.events.count)
        for event in events.events { event.encode(into: &writer, json: &scratch) }
        writer.raw(matcherBytes.bytes)
        return writer.bytes
    }

    /// The key, timer and partial-match count of an encoded state, without decoding
    /// the rest.
    static func peek(_ bytes: [UInt8]) throws(ByteReader.Malformed) -> (key: Value, timer: Int64?, partialMatches: Int) {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == 1 else {
            throw ByteReader.Malformed("key state format version \(version) is not one this release reads (1)")
        }
        let key = try Value.decode(from: &reader)
        _ = try reader.optionalSigned()
        let timer = try reader.optionalSigned()
        _ = try reader.optionalSigned()
        _ = try reader.bool()
        return (key, timer, try reader.count())
    }

    /// Reads a state written by `encoded(json:)`. `events` de-duplicates events shared
    /// between keys (by sequence), so a restored engine shares them as the original did.
    static func decode(
        _ bytes: [UInt8], parser: inout TapeParser, events shared: inout [Int64: Event]
    ) throws(ByteReader.Malformed) -> KeyState {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == 1 else {
            throw ByteReader.Malformed("key state format version \(version) is not one this release reads (1)")
        }
        let key = try Value.decode(from: &reader)
        let lastAlertEnd = try reader.optionalSigned()
        let scheduledTimer = try reader.optionalSigned()
        let windowEnd = try reader.optionalSigned()
        let quiet = try reader.bool()
        let partialMatches = try reader.count()
        let eventCount = try reader.count(limit: reader.remaining)
        var events: [Event] = []
        events.reserveCapacity(eventCount)
        for _ in 0..<eventCount {
            let event = try Event.decode(from: &reader, parser: &parser)
            if let known = shared[event.sequence] {
                events.append(known)
            } else {
                shared[event.sequence] = event
                events.append(event)
            }
        }
        let matcher = try MatcherState.decode(from: &reader, events: StateEventTable(decoded: events))
        try reader.expectEnd()
        let state = KeyState(key: key, hash: KeyProbe(value: key).hash, matcher: matcher)
        state.lastAlertEnd = lastAlertEnd
        state.scheduledTimer = scheduledTimer
        state.windowEnd = windowEnd
        state.quiet = quiet
        state.partialMatches = state.matcher.partialMatchCount
        guard state.partialMatches == partialMatches else {
            throw ByteReader.Malformed("state holds \(state.partialMatches) partial matches, its header says \(partialMatches)")
        }
        state.persisted = true
        return state
    }
}
