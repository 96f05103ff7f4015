extension TapeParser {
    /// What an event decoder reads of the last text, in one call: its root entry and
    /// the entries of the watched members (`watchedNames`), with their indices.
    public struct RootSummary {
        public var root: TapeEntry
        public var first: (index: Int, entry: TapeEntry)?
        public var second: (index: Int, entry: TapeEntry)?
        public var third: (index: Int, entry: TapeEntry)?
    }

    /// The root entry and the watched members of the last text parsed.
    public func rootSummary() -> RootSummary {
        let (first, second, third) = watchedEntries
        return RootSummary(
            root: tape[0],
            first: first >= 0 ? (first, tape[first]) : nil,
            second: second >= 0 ? (second, tape[second]) : nil,
            third: third >= 0 ? (third, tape[third]) : nil)
    }
}
