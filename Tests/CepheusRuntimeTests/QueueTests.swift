import Testing
@testable import CepheusRuntime

/// The engine's queues move their elements with raw pointer moves; these check the
/// order against a sorted reference and that every element is released exactly once.
@Suite struct QueueTests {
    /// Counts deinitializations (one per test: tests run in parallel).
    final class Releases {
        var count = 0
    }

    /// A reference-counted element that counts its deinitialization.
    final class Tracked: HeapOrdered {
        let key: HeapKey
        let releases: Releases
        init(_ primary: Int64, _ secondary: Int64, _ releases: Releases) {
            key = HeapKey(primary: primary, secondary: secondary)
            self.releases = releases
        }
        var heapKey: HeapKey { key }
        deinit { releases.count += 1 }
    }

    @Test func binaryHeapPopsInKeyOrderAndReleasesEachElementOnce() {
        var generator = SystemRandomNumberGenerator()
        let releases = Releases()
        var created = 0
        do {
            var heap = BinaryHeap<Tracked>()
            var reference: [(Int64, Int64)] = []
            var sequence: Int64 = 0
            for round in 0..<2_000 {
                if Int.random(in: 0..<3, using: &generator) > 0 || reference.isEmpty {
                    let primary = Int64.random(in: 0..<50, using: &generator)
                    sequence += 1
                    heap.insert(Tracked(primary, sequence, releases))
                    created += 1
                    reference.append((primary, sequence))
                    reference.sort { $0 < $1 }
                } else {
                    let limit = Int64.random(in: 0..<60, using: &generator)
                    let popped = heap.popFirst { $0.primary <= limit }
                    if let first = reference.first, first.0 <= limit {
                        #expect(popped.map { ($0.key.primary, $0.key.secondary) } ?? (-1, -1) == first, "round \(round)")
                        reference.removeFirst()
                    } else {
                        #expect(popped == nil, "round \(round)")
                    }
                }
                #expect(heap.count == reference.count)
                #expect(heap.firstKey.map { ($0.primary, $0.secondary) } ?? (-1, -1) == (reference.first ?? (-1, -1)))
            }
            heap.removeAll { $0.key.primary % 2 == 0 }
            reference.removeAll { $0.0 % 2 == 0 }
            for expected in reference {
                let popped = heap.popFirst { _ in true }
                #expect(popped.map { ($0.key.primary, $0.key.secondary) } ?? (-1, -1) == expected)
            }
            #expect(heap.count == 0)
        }
        #expect(releases.count == created)
    }

    @Test func fifoQueueHandsElementsOverAndKeepsNoneOfThem() {
        let releases = Releases()
        var queue = FIFOQueue<Tracked>()
        var kept: [Tracked] = []
        for index in 0..<10_000 {
            queue.append(Tracked(Int64(index), 0, releases))
            if index % 3 == 2 {
                for _ in 0..<2 { kept.append(queue.removeFirst()) }
            }
        }
        #expect(kept.map(\.key.primary) == (0..<Int64(kept.count)).map { $0 })
        #expect(queue.count == 10_000 - kept.count)
        #expect(queue.elements.map(\.key.primary) == (Int64(kept.count)..<10_000).map { $0 })
        // Handed-over elements are owned by `kept` alone: dropping it releases them now.
        let handedOver = kept.count
        kept = []
        #expect(releases.count == handedOver)
        queue.removeAll()
        #expect(releases.count == 10_000)
    }
}
