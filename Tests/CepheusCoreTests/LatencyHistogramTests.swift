import Testing
@testable import CepheusCore

@Suite struct LatencyHistogramTests {
    @Test func percentilesOfAUniformRange() {
        var histogram = LatencyHistogram()
        for value in 1...10_000 { histogram.record(UInt64(value)) }
        #expect(histogram.totalCount == 10_000)
        // Within the histogram's 1/64 relative precision.
        for (percentile, exact) in [(50.0, 5_000.0), (99.0, 9_900.0), (99.9, 9_990.0)] {
            let reported = Double(histogram.value(atPercentile: percentile))
            #expect(abs(reported - exact) / exact < 1.0 / 64, "p\(percentile): \(reported)")
        }
        #expect(histogram.value(atPercentile: 100) == 10_000)
    }

    @Test func smallValuesAreExact() {
        var histogram = LatencyHistogram()
        for value: UInt64 in [0, 1, 1, 2, 63] { histogram.record(value) }
        #expect(histogram.value(atPercentile: 20) == 0)
        #expect(histogram.value(atPercentile: 60) == 1)
        #expect(histogram.value(atPercentile: 80) == 2)
        #expect(histogram.value(atPercentile: 100) == 63)
    }

    @Test func hugeValuesAndMerging() {
        let huge: UInt64 = UInt64.max / 2
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        a.record(1 << 40)
        b.record(huge)
        a.add(b)
        #expect(a.totalCount == 2)
        #expect(a.value(atPercentile: 100) == huge)
        let p50 = Double(a.value(atPercentile: 50))
        #expect(abs(p50 - Double(1 << 40)) / Double(1 << 40) < 1.0 / 64)
        #expect(LatencyHistogram().value(atPercentile: 99) == 0)
    }
}
