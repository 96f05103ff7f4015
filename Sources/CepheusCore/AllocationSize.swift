#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sizes of heap allocations as the allocator reports them (`malloc_usable_size`,
/// looked up at run time so it works with glibc's malloc and with jemalloc alike), for
/// state-size figures (`cepheus bench`, metrics). Falls back to estimates when the
/// function is not available.
public enum AllocationSize {
    private typealias UsableSize = @convention(c) (UnsafeRawPointer?) -> Int

    private static let usableSize: UsableSize? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return nil }
        return unsafeBitCast(symbol, to: UsableSize.self)
        #else
        return nil
        #endif
    }()

    /// Bytes the allocator set aside for `object`, or `estimate` when unknown.
    public static func of(_ object: AnyObject, estimate: Int) -> Int {
        guard let usableSize else { return estimate }
        return usableSize(Unmanaged.passUnretained(object).toOpaque())
    }

    /// Bytes an array's storage takes: its header and `capacity` elements.
    public static func ofArray<Element>(_ array: [Element]) -> Int {
        array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<Element>.stride
    }
}
