/// A log-linear histogram of non-negative integers (nanoseconds), in the manner of
/// HdrHistogram: values are kept to about two significant decimal digits (1/64
/// relative precision) in fixed memory, from 0 to 2^63, so percentiles like p99.9 are
/// read off exactly the way HdrHistogram reports them.
public struct LatencyHistogram: Sendable {
    /// Sub-buckets per power of two.
    private static let subBucketBits = 6
    private static let subBucketCount = 1 << subBucketBits
    private var counts = [UInt64](repeating: 0, count: (64 - subBucketBits + 1) * subBucketCount)
    public private(set) var totalCount: UInt64 = 0
    public private(set) var maxValue: UInt64 = 0

    public init() {}

    private static func index(of value: UInt64) -> Int {
        if value < UInt64(subBucketCount) { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount  // >= subBucketBits
        let shift = magnitude - subBucketBits
        let sub = Int(value >> UInt64(shift)) - subBucketCount  // 0..<subBucketCount
        return (shift + 1) * subBucketCount + sub
    }

    /// The highest value that lands in bucket `index` (what percentiles report).
    private static func highestValue(at index: Int) -> UInt64 {
        if index < subBucketCount { return UInt64(index) }
        let shift = index / subBucketCount - 1
        let sub = index % subBucketCount + subBucketCount
        return (UInt64(sub + 1) &<< UInt64(shift)) &- 1
    }

    public mutating func record(_ value: UInt64) {
        counts[Self.index(of: value)] += 1
        totalCount += 1
        if value > maxValue { maxValue = value }
    }

    /// The smallest recorded value such that `percentile`% of the values are at or
    /// below it (to the histogram's precision); 0 when empty.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        let wanted = max(1, UInt64((percentile / 100 * Double(totalCount)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= wanted { return min(Self.highestValue(at: index), maxValue) }
        }
        return maxValue
    }

    public mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        totalCount += other.totalCount
        maxValue = max(maxValue, other.maxValue)
    }
}
