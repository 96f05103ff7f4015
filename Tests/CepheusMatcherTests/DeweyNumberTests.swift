@testable import CepheusMatcher
import Testing

@Suite struct DeweyNumberTests {
    /// The reference: Flink's DeweyNumber over plain arrays.
    func compatible(_ a: [Int32], _ b: [Int32]) -> Bool {
        if a.count > b.count { return Array(a.prefix(b.count)) == b }
        if a.count == b.count { return Array(a.dropLast()) == Array(b.dropLast()) && a.last! >= b.last! }
        return false
    }

    @Test func inlineAndSpilledDigitsBehaveAlike() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<5000 {
            let a = (0..<(next(7) + 1)).map { _ in Int32(next(3)) }
            var b = Array(a.prefix(next(a.count) + 1))
            if next(2) == 0 { b = b.dropLast() + [Int32(next(3))] }
            if next(3) == 0 { b.append(Int32(next(3))) }
            let x = DeweyNumber(digits: a), y = DeweyNumber(digits: b)
            #expect(x.isCompatible(with: y) == compatible(a, b), "\(a) vs \(b)")
            #expect(x.digits == a)
            #expect((x == y) == (a == b))
            #expect(x.increase(2).digits == Array(a.dropLast()) + [a.last! + 2])
            #expect(x.addStage().digits == a + [0])
        }
    }

    @Test func growsPastTheInlineDigits() {
        var v = DeweyNumber(1)
        for i in 0..<10 { v = v.addStage().increase(i) }
        #expect(v.count == 11)
        #expect(v.digits == [1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(v.isCompatible(with: DeweyNumber(digits: [1, 0, 1])))
        #expect(!DeweyNumber(digits: [1, 0, 1]).isCompatible(with: v))
    }
}
