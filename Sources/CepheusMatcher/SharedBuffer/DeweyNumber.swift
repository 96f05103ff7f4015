/// A Dewey version number (SASE / Flink's `DeweyNumber`): tells which partial match
/// may follow which edge of the shared buffer.
public struct DeweyNumber: Hashable, Sendable {
    public var digits: [Int32]

    public init(_ start: Int32) { digits = [start] }

    /// `1`, the version of a fresh start state.
    public static let one = DeweyNumber(1)
    init(digits: [Int32]) { self.digits = digits }

    /// `self` may follow an edge written with version `other`: `other` is a prefix of
    /// `self`, or equal in length with the same leading digits and a last digit no greater.
    @inlinable
    public func isCompatible(with other: DeweyNumber) -> Bool {
        let a = digits, b = other.digits
        if a.count > b.count {
            for i in 0..<b.count where a[i] != b[i] { return false }
            return true
        } else if a.count == b.count {
            let last = a.count - 1
            for i in 0..<last where a[i] != b[i] { return false }
            return a[last] >= b[last]
        }
        return false
    }

    public func increase(_ by: Int = 1) -> DeweyNumber {
        var copy = digits
        copy[copy.count - 1] += Int32(by)
        return DeweyNumber(digits: copy)
    }

    public func addStage() -> DeweyNumber {
        DeweyNumber(digits: digits + [0])
    }
}
