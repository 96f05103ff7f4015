#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small process-wide cache of regular expressions compiled at evaluation time (a
/// `matches` pattern that is not a literal). Invalid patterns are cached too, as `nil`.
/// Thread-safe: every access to `entries` holds a pthread mutex (the package still
/// supports macOS 14, which lacks `Synchronization.Mutex`).
final class ExpressionRegexCache: @unchecked Sendable {
    /// The cache `matches` uses.
    static let shared = ExpressionRegexCache()

    /// When full, the cache is emptied (dynamic patterns are rare; this bounds memory).
    private let capacity: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var entries: [String: ExpressionRegex?] = [:]

    init(capacity: Int = 128) {
        self.capacity = capacity
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// The compiled `pattern`, or `nil` when it is not a valid regular expression.
    func regex(_ pattern: String) -> ExpressionRegex? {
        if let cached = locked({ entries[pattern] }) { return cached }
        // Compiled outside the lock; two threads may both compile a new pattern, which
        // is harmless.
        let compiled = try? ExpressionRegex(pattern)
        locked {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[pattern] = .some(compiled)
        }
        return compiled
    }
}
