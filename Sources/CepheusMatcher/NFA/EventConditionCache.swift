/// Per-event results of the conditions that name no step (two bits per step: known,
/// value), shared by every partial match of a key while one event is processed, and
/// filled first by `PatternMatcher.probe`.
public struct EventConditionCache: Sendable {
    public init() {}

    private var whereBits: UInt64 = 0
    private var untilBits: UInt64 = 0
    /// The same for the step-free prefilters of conditions that name steps.
    private var prefilterWhereBits: UInt64 = 0
    private var prefilterUntilBits: UInt64 = 0

    func cachedPrefilter(step: Int, until: Bool) -> Bool? {
        guard step < 32 else { return nil }
        let bits = (until ? prefilterUntilBits : prefilterWhereBits) >> UInt64(step * 2)
        return bits & 1 == 0 ? nil : bits & 2 != 0
    }

    mutating func storePrefilter(step: Int, until: Bool, _ value: Bool) {
        guard step < 32 else { return }
        let bits: UInt64 = (value ? 3 : 1) << UInt64(step * 2)
        if until { prefilterUntilBits |= bits } else { prefilterWhereBits |= bits }
    }

    func cached(step: Int, until: Bool) -> Bool? {
        guard step < 32 else { return nil }
        let bits = (until ? untilBits : whereBits) >> UInt64(step * 2)
        return bits & 1 == 0 ? nil : bits & 2 != 0
    }

    mutating func store(step: Int, until: Bool, _ value: Bool) {
        guard step < 32 else { return }
        let bits: UInt64 = (value ? 3 : 1) << UInt64(step * 2)
        if until { untilBits |= bits } else { whereBits |= bits }
    }
}
