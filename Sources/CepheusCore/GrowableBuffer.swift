/// A growable run of plain values behind one pointer: the parser's scratch storage.
/// Unlike `Array`, appending checks only the capacity (no uniqueness check, no
/// copy-on-write), which matters at one append per JSON value. A class, so the parser
/// holding it mutates it in place; never shared between threads.
final class GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    @inline(__always)
    func append(_ element: Element) {
        if count == capacity { grow(to: count + 1) }
        (base + count).initialize(to: element)
        count += 1
    }

    func removeAll() { count = 0 }

    func removeLast(_ n: Int) {
        precondition(n <= count)
        count -= n
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    private func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}

extension GrowableBuffer where Element == UInt8 {
    @inline(__always)
    func append(contentsOf bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if n == 0 { return }
        if count + n > capacity { grow(to: count + n) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress!, byteCount: n)
        count += n
    }

    /// The bytes at `start..<start + length` (valid until the next append).
    func bytes(_ start: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + start, count: length)
    }
}
