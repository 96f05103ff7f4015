#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Dewey version number (SASE / Flink's `DeweyNumber`): tells which partial match
/// may follow which edge of the shared buffer.
///
/// Stored as a prefix (every digit but the last) and the last digit apart: `increase`,
/// the commonest operation, changes only the last digit and never copies the prefix.
/// The first three prefix digits are inline; only longer numbers (partial matches that
/// took more than three events) keep the rest of the prefix in an array, which
/// `addStage` extends. So the usual short versions allocate and retain nothing.
public struct DeweyNumber: Hashable, Sendable {
    private var p0: Int32 = 0
    private var p1: Int32 = 0
    private var p2: Int32 = 0
    /// Prefix digits from the fourth on; `nil` while the prefix has at most three.
    private var spill: [Int32]?
    /// The last digit.
    private var last: Int32
    public private(set) var count: Int

    public init(_ start: Int32) {
        last = start
        count = 1
    }

    /// `1`, the version of a fresh start state.
    public static let one = DeweyNumber(1)

    /// Builds a number from its digits (tests, decoding).
    public init(digits: [Int32]) {
        precondition(!digits.isEmpty, "a Dewey number has at least one digit")
        self.init(digits[0])
        for digit in digits.dropFirst() {
            pushLastIntoPrefix()
            last = digit
        }
    }

    /// The digits, in order.
    public var digits: [Int32] { (0..<count).map { self[$0] } }

    public subscript(index: Int) -> Int32 {
        index == count - 1 ? last : prefixDigit(index)
    }

    @inline(__always)
    private func prefixDigit(_ index: Int) -> Int32 {
        switch index {
        case 0: return p0
        case 1: return p1
        case 2: return p2
        default: return spill![index - 3]
        }
    }

    /// Moves the last digit to the end of the prefix (the caller sets a new last digit).
    private mutating func pushLastIntoPrefix() {
        switch count - 1 {
        case 0: p0 = last
        case 1: p1 = last
        case 2: p2 = last
        default:
            if spill == nil { spill = [] }
            spill!.append(last)
        }
        last = 0
        count += 1
    }

    /// `self` may follow an edge written with version `other`: `other` is a prefix of
    /// `self`, or equal in length with the same leading digits and a last digit no greater.
    public func isCompatible(with other: DeweyNumber) -> Bool {
        let length = other.count
        if count > length {
            // `other` lies within this number's prefix.
            return samePrefix(other, length - 1) && prefixDigit(length - 1) == other.last
        }
        if count == length {
            return samePrefix(other, length - 1) && last >= other.last
        }
        return false
    }

    /// Whether the first `length` prefix digits (at most both prefixes) are equal:
    /// inline digits compared directly, the rest as one block of memory.
    @inline(__always)
    private func samePrefix(_ other: DeweyNumber, _ length: Int) -> Bool {
        if length > 0 && p0 != other.p0 { return false }
        if length > 1 && p1 != other.p1 { return false }
        if length > 2 && p2 != other.p2 { return false }
        if length <= 3 { return true }
        return spill!.withUnsafeBufferPointer { mine in
            other.spill!.withUnsafeBufferPointer { theirs in
                mine.baseAddress! == theirs.baseAddress!
                    || memcmp(mine.baseAddress!, theirs.baseAddress!, (length - 3) * MemoryLayout<Int32>.stride) == 0
            }
        }
    }

    public func increase(_ by: Int = 1) -> DeweyNumber {
        var copy = self
        copy.last += Int32(by)
        return copy
    }

    public func addStage() -> DeweyNumber {
        var copy = self
        copy.pushLastIntoPrefix()
        return copy
    }
}
