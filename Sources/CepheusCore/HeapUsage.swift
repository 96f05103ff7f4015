#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes the process has allocated and not freed, as its allocator counts them:
/// jemalloc's `stats.allocated` when jemalloc is the allocator (the `cepheus` binary
/// links it; looked up at run time), else the resident set size from
/// `/proc/self/statm` (an over-estimate: glibc keeps freed memory). What a state memory
/// budget is checked against.
public enum HeapUsage {
    private typealias MallctlFunction = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    #if os(Linux)
    private static let mallctl: MallctlFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallctl") else { return nil }
        return unsafeBitCast(symbol, to: MallctlFunction.self)
    }()
    #endif

    /// Allocated bytes now, or `nil` when neither source is available.
    public static func allocatedBytes() -> Int? {
        #if os(Linux)
        if let mallctl {
            // Statistics are refreshed when the epoch is written.
            var epoch: UInt64 = 1
            let epochSize = MemoryLayout<UInt64>.size
            _ = mallctl("epoch", nil, nil, &epoch, epochSize)
            var allocated = 0
            var size = MemoryLayout<Int>.size
            if mallctl("stats.allocated", &allocated, &size, nil, 0) == 0 { return allocated }
        }
        return residentBytes()
        #else
        return nil
        #endif
    }

    /// Returns freed memory to the operating system now (jemalloc: purges every arena's
    /// dirty pages, instead of waiting for their decay), so the resident set follows
    /// the heap down after states are spilled. Does nothing under other allocators.
    public static func releaseFreedMemory() {
        #if os(Linux)
        guard let mallctl else { return }
        // MALLCTL_ARENAS_ALL is 4096.
        _ = mallctl("arena.4096.purge", nil, nil, nil, 0)
        #endif
    }

    /// The resident set size, from `/proc/self/statm` (Linux), or `nil`.
    public static func residentBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let fields = buffer[0..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
