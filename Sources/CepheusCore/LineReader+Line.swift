extension LineReader {
    /// One item read by `LineReader.next()`.
    public enum Line: Sendable, Equatable {
        /// A line without its `\n` (and without a `\r` before it). The slice shares the
        /// reader's buffer and is valid until the next call to `next()`; drop it (or
        /// copy it) before that call, or the reader's buffer is copied on write.
        case line(ArraySlice<UInt8>)
        /// A line longer than `maxLineBytes`: it was skipped without being buffered
        /// whole. `byteCount` is its length without the line terminator.
        case tooLong(byteCount: Int)
    }
}
