/// Where `JSONWriter` writes text: a `[UInt8]`, or a `JSONBuffer`, which appends
/// without the array's per-append uniqueness check (alerts are written byte by byte).
public protocol JSONSink {
    mutating func write(byte: UInt8)
    mutating func write(bytes: UnsafeRawBufferPointer)
}

extension Array: JSONSink where Element == UInt8 {
    @inlinable
    public mutating func write(byte: UInt8) { append(byte) }

    @inlinable
    public mutating func write(bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}
