extension Array {
    /// Empties the array, keeping its storage. Cheaper than
    /// `removeAll(keepingCapacity: true)` for the empty and one-element arrays the
    /// matcher's working lists usually are (that one goes through the generic
    /// `replaceSubrange`).
    @inline(__always)
    mutating func clear() {
        switch count {
        case 0: return
        case 1: removeLast()
        default: removeAll(keepingCapacity: true)
        }
    }
}
