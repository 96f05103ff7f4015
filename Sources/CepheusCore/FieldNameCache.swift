#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader's private memo of name bytes -> interned id, so parsing an event's member
/// names takes no lock: a direct-mapped table on the names' FNV-1a hash, with its own
/// copy of each name's bytes to confirm a hit. Misses go to `FieldNames.shared`.
struct FieldNameCache {
    private struct Slot {
        var hash: UInt32 = 0
        var id: Int32 = -1
        var start: Int32 = 0
        var length: Int32 = 0
    }

    private static let slotCount = 1024
    /// The table misses go to.
    let table: FieldNames
    private var slots: [Slot] = []
    private var arena: [UInt8] = []

    init(table: FieldNames = .shared) {
        self.table = table
    }

    /// The id of the name in `bytes` (whose FNV-1a hash is `hash`), or `nil` when it is
    /// new and the table is full.
    @inline(__always)
    mutating func id(for bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
        let hash32 = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        let slotIndex = Int(hash32) & (Self.slotCount - 1)
        if slots.isEmpty { slots = [Slot](repeating: Slot(), count: Self.slotCount) }
        let slot = slots[slotIndex]
        if slot.id >= 0, slot.hash == hash32, Int(slot.length) == bytes.count {
            let same = arena.withUnsafeBytes { arenaBytes in
                bytes.count == 0 || memcmp(arenaBytes.baseAddress! + Int(slot.start), bytes.baseAddress!, bytes.count) == 0
            }
            if same { return slot.id }
        }
        guard let id = table.id(forUTF8: bytes) else { return nil }
        if arena.count + bytes.count > 1 << 16 {
            arena.removeAll(keepingCapacity: true)
            for index in slots.indices { slots[index].id = -1 }
        }
        slots[slotIndex] = Slot(hash: hash32, id: id, start: Int32(arena.count), length: Int32(bytes.count))
        arena.append(contentsOf: bytes)
        return id
    }
}
