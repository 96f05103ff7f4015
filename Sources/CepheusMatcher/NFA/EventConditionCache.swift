/// Cached condition results, two bits per step (known, value), for up to 32 steps.
struct ConditionBits: Sendable {
    private var bits: UInt64 = 0

    func cached(_ step: Int) -> Bool? {
        guard step < 32 else { return nil }
        let value = bits >> UInt64(step * 2)
        return value & 1 == 0 ? nil : value & 2 != 0
    }

    mutating func store(_ step: Int, _ value: Bool) {
        guard step < 32 else { return }
        bits |= (value ? 3 : 1) << UInt64(step * 2)
    }
}

/// Per-event results of the conditions that name no step, shared by every partial
/// match of a key while one event is processed, and filled first by
/// `PatternMatcher.isRelevant`; also the results of the step-free prefilters of
/// conditions that do name steps.
public struct EventConditionCache: Sendable {
    private var wheres = ConditionBits()
    private var untils = ConditionBits()
    private var prefilterWheres = ConditionBits()
    private var prefilterUntils = ConditionBits()

    public init() {}

    func cached(step: Int, until: Bool) -> Bool? {
        until ? untils.cached(step) : wheres.cached(step)
    }

    mutating func store(step: Int, until: Bool, _ value: Bool) {
        if until { untils.store(step, value) } else { wheres.store(step, value) }
    }

    func cachedPrefilter(step: Int, until: Bool) -> Bool? {
        until ? prefilterUntils.cached(step) : prefilterWheres.cached(step)
    }

    mutating func storePrefilter(step: Int, until: Bool, _ value: Bool) {
        if until { prefilterUntils.store(step, value) } else { prefilterWheres.store(step, value) }
    }
}
