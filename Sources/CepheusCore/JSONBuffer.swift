/// A growable byte buffer for writing JSON: one pointer, a count and a capacity, so an
/// append is a capacity check and a store. Owned by one writer at a time (a class, so a
/// writer that holds it appends in place).
public final class JSONBuffer: JSONSink {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var written = 0
    /// How many bytes were written.
    public var count: Int { written }
    @usableFromInline var capacity: Int

    public init(capacity: Int = 1024) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far (valid until the next write).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: written) }

    /// Forgets what was written, keeping the storage.
    public func removeAll() { written = 0 }

    @inlinable
    public func write(byte: UInt8) {
        if written == capacity { grow(to: written + 1) }
        base[written] = byte
        written += 1
    }

    @inlinable
    public func write(bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if n == 0 { return }
        if written + n > capacity { grow(to: written + n) }
        UnsafeMutableRawPointer(base + written).copyMemory(from: bytes.baseAddress!, byteCount: n)
        written += n
    }

    @usableFromInline
    func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: written)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
