/// A run of consecutive input lines, copied out of the reader's buffer into one array,
/// handed to every worker as is (workers parse their share of it in parallel).
struct LineBatch: Sendable {
    /// Every line's bytes, back to back (without newlines).
    private(set) var bytes: [UInt8] = []
    /// Where each line ends in `bytes`; line `i` starts where line `i - 1` ends.
    private(set) var ends: [Int32] = []
    /// Lines rejected before parsing (over the length limit): index in the batch -> reason.
    private(set) var rejected: [Int: String] = [:]
    /// The 1-based number of the batch's first line.
    let firstLine: Int64

    init(firstLine: Int64, capacity: Int) {
        self.firstLine = firstLine
        ends.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 96)
    }

    var count: Int { ends.count }

    mutating func append(_ line: ArraySlice<UInt8>) {
        bytes.append(contentsOf: line)
        ends.append(Int32(bytes.count))
    }

    /// A line that is rejected without being kept (its bytes are not read).
    mutating func appendRejected(reason: String) {
        rejected[ends.count] = reason
        ends.append(Int32(bytes.count))
    }

    /// The bytes of line `index`.
    func line(_ index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return bytes[start..<Int(ends[index])]
    }
}
