extension Array where Element == ComputationState {
    /// Hands every partial match to `body` in order, moved out rather than copied (a
    /// Dewey number may hold a reference-counted digit array), and leaves the array
    /// empty with its storage kept.
    @inline(__always)
    mutating func drain(_ body: (ComputationState) -> Void) {
        let count = self.count
        guard count > 0 else { return }
        withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            for index in 0..<count { body((base + index).move()) }
            // The moved-out slots get a placeholder that holds nothing to release.
            base.initialize(repeating: ComputationState.placeholder, count: count)
        }
        clear()
    }
}
