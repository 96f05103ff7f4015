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
/// The first four digits are stored inline and only longer numbers (partial matches
/// that took more than three events) put the rest in an array, so copying, increasing
/// and comparing the usual short versions allocates nothing and retains nothing.
public struct DeweyNumber: Hashable, Sendable {
    private var d0: Int32 = 0
    private var d1: Int32 = 0
    private var d2: Int32 = 0
    private var d3: Int32 = 0
    /// Digits from the fifth on; `nil` while there are at most four.
    private var rest: [Int32]?
    public private(set) var count: Int

    public init(_ start: Int32) {
        d0 = start
        count = 1
    }

    /// `1`, the version of a fresh start state.
    public static let one = DeweyNumber(1)

    /// Builds a number from its digits (tests, decoding).
    public init(digits: [Int32]) {
        precondition(!digits.isEmpty, "a Dewey number has at least one digit")
        count = 0
        for digit in digits { append(digit) }
    }

    /// The digits, in order.
    public var digits: [Int32] { (0..<count).map { self[$0] } }

    @inline(__always)
    public subscript(index: Int) -> Int32 {
        get {
            switch index {
            case 0: return d0
            case 1: return d1
            case 2: return d2
            case 3: return d3
            default: return rest![index - 4]
            }
        }
        set {
            switch index {
            case 0: d0 = newValue
            case 1: d1 = newValue
            case 2: d2 = newValue
            case 3: d3 = newValue
            default: rest![index - 4] = newValue
            }
        }
    }

    private mutating func append(_ digit: Int32) {
        if count < 4 {
            count += 1
            self[count - 1] = digit
        } else {
            if rest == nil { rest = [] }
            rest!.append(digit)
            count += 1
        }
    }

    /// `self` may follow an edge written with version `other`: `other` is a prefix of
    /// `self`, or equal in length with the same leading digits and a last digit no greater.
    public func isCompatible(with other: DeweyNumber) -> Bool {
        let length = other.count
        if count > length { return samePrefix(other, length) }
        if count == length {
            let last = length - 1
            return samePrefix(other, last) && self[last] >= other[last]
        }
        return false
    }

    /// Whether the first `length` digits (at most both counts) are equal: inline
    /// digits compared directly, the rest as one block of memory.
    @inline(__always)
    private func samePrefix(_ other: DeweyNumber, _ length: Int) -> Bool {
        if length > 0 && d0 != other.d0 { return false }
        if length > 1 && d1 != other.d1 { return false }
        if length > 2 && d2 != other.d2 { return false }
        if length > 3 && d3 != other.d3 { return false }
        if length <= 4 { return true }
        return rest!.withUnsafeBufferPointer { mine in
            other.rest!.withUnsafeBufferPointer { theirs in
                memcmp(mine.baseAddress!, theirs.baseAddress!, (length - 4) * MemoryLayout<Int32>.stride) == 0
            }
        }
    }

    public func increase(_ by: Int = 1) -> DeweyNumber {
        var copy = self
        copy[count - 1] += Int32(by)
        return copy
    }

    public func addStage() -> DeweyNumber {
        var copy = self
        copy.append(0)
        return copy
    }
}
