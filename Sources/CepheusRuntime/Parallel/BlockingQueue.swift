#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded first-in-first-out queue between threads (pthread mutex and conditions).
/// `put` blocks while the queue is full, `take` while it is empty.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // All state is guarded by `mutex`.
    private var mutex = pthread_mutex_t()
    private var notEmpty = pthread_cond_t()
    private var notFull = pthread_cond_t()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&notEmpty, nil)
        pthread_cond_init(&notFull, nil)
    }

    deinit {
        pthread_cond_destroy(&notFull)
        pthread_cond_destroy(&notEmpty)
        pthread_mutex_destroy(&mutex)
    }

    func put(_ element: Element) {
        pthread_mutex_lock(&mutex)
        while items.count - head >= capacity { pthread_cond_wait(&notFull, &mutex) }
        items.append(element)
        pthread_cond_signal(&notEmpty)
        pthread_mutex_unlock(&mutex)
    }

    func take() -> Element {
        pthread_mutex_lock(&mutex)
        while items.count - head == 0 { pthread_cond_wait(&notEmpty, &mutex) }
        let element = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        pthread_cond_signal(&notFull)
        pthread_mutex_unlock(&mutex)
        return element
    }
}
