extension Array {
    /// Empties the array, keeping its storage. Cheaper than
    /// `removeAll(keepingCapacity: true)` for the empty and few-element arrays the
    /// matcher's working lists usually are (that one goes through the generic
    /// `replaceSubrange`).
    @inline(__always)
    mutating func clear() {
        if count <= 4 {
            while !isEmpty { removeLast() }
        } else {
            removeAll(keepingCapacity: true)
        }
    }
}
