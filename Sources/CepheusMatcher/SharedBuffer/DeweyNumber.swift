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
/// The first seven prefix digits are inline (a partial match adds a digit per pattern
/// stage it passes, so `times: 5+` then a step needs about eight); only longer numbers
/// keep the rest of the prefix in an array, which `addStage` extends. So the usual
/// versions allocate and retain nothing, and compare without a call.
public struct DeweyNumber: Hashable, Sendable {
    private typealias Inline = (Int32, Int32, Int32, Int32, Int32, Int32, Int32)
    private static let inlineDigits = 7

    /// Prefix digits 0..<7 (unused ones stay 0, so synthesized equality holds).
    private var inline: Inline = (0, 0, 0, 0, 0, 0, 0)
    /// Prefix digits from the eighth on; `nil` while the prefix has at most seven.
    private var spill: [Int32]?
    /// The last digit.
    private var last: Int32
    private var digitCount: Int32

    public init(_ start: Int32) {
        last = start
        digitCount = 1
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

    public static func == (a: DeweyNumber, b: DeweyNumber) -> Bool {
        a.digitCount == b.digitCount && a.last == b.last && a.samePrefix(b, Int(a.digitCount) - 1)
    }

    public func hash(into hasher: inout Hasher) {
        for index in 0..<count { hasher.combine(self[index]) }
    }

    public var count: Int { Int(digitCount) }

    /// The digits, in order.
    public var digits: [Int32] { (0..<count).map { self[$0] } }

    public subscript(index: Int) -> Int32 {
        index == count - 1 ? last : prefixDigit(index)
    }

    @inline(__always)
    private func prefixDigit(_ index: Int) -> Int32 {
        if index < Self.inlineDigits {
            return withUnsafeBytes(of: inline) { $0.load(fromByteOffset: index &* 4, as: Int32.self) }
        }
        return spill![index - Self.inlineDigits]
    }

    /// Moves the last digit to the end of the prefix (the caller sets a new last digit).
    private mutating func pushLastIntoPrefix() {
        let index = count - 1
        if index < Self.inlineDigits {
            let digit = last
            withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: digit, toByteOffset: index &* 4, as: Int32.self) }
        } else {
            if spill == nil { spill = [] }
            spill!.append(last)
        }
        last = 0
        digitCount += 1
    }

    /// `self` may follow an edge written with version `other`: `other` is a prefix of
    /// `self`, or equal in length with the same leading digits and a last digit no greater.
    @inline(__always)
    public func isCompatible(with other: DeweyNumber) -> Bool {
        // Both ways of being compatible need the same first digit, except between two
        // one-digit numbers: most edges of a hot key's node are told apart here.
        if digitCount > 1 && other.firstDigit != firstDigit { return false }
        return isCompatibleInFull(with: other)
    }

    /// The first digit.
    @inline(__always)
    private var firstDigit: Int32 { digitCount == 1 ? last : inline.0 }

    private func isCompatibleInFull(with other: DeweyNumber) -> Bool {
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
        let inlineLength = min(length, Self.inlineDigits)
        let inlineEqual = withUnsafeBytes(of: inline) { mine in
            withUnsafeBytes(of: other.inline) { theirs in
                var index = 0
                while index < inlineLength {
                    if mine.load(fromByteOffset: index &* 4, as: Int32.self) != theirs.load(fromByteOffset: index &* 4, as: Int32.self) {
                        return false
                    }
                    index &+= 1
                }
                return true
            }
        }
        if !inlineEqual { return false }
        if length <= Self.inlineDigits { return true }
        return spill!.withUnsafeBufferPointer { mine in
            other.spill!.withUnsafeBufferPointer { theirs in
                mine.baseAddress! == theirs.baseAddress!
                    || memcmp(mine.baseAddress!, theirs.baseAddress!, (length - Self.inlineDigits) * MemoryLayout<Int32>.stride) == 0
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
