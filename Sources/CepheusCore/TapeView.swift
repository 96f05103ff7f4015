#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only look at a tape (`TapeEntry`s and their string area), valid only inside
/// the closure that lends it (`Event.withTape`, `TapeParser.withTape`). Field lookups
/// compare interned ids; values are materialized as `Value` only when asked.
public struct TapeView {
    public let entries: UnsafePointer<TapeEntry>
    public let count: Int
    public let strings: UnsafeRawPointer?

    @inlinable
    public init(entries: UnsafePointer<TapeEntry>, count: Int, strings: UnsafeRawPointer?) {
        self.entries = entries
        self.count = count
        self.strings = strings
    }

    @inlinable
    public subscript(index: Int) -> TapeEntry { entries[index] }

    /// The bytes of the string (or member name) entry at `index`.
    @inlinable
    public func bytes(at index: Int) -> UnsafeRawBufferPointer {
        let entry = entries[index]
        guard let strings else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: strings + Int(entry.start), count: Int(entry.length))
    }

    /// Whether the string entry at `index` holds exactly `utf8`.
    @inlinable
    public func string(at index: Int, equals utf8: UnsafeRawBufferPointer) -> Bool {
        let entry = entries[index]
        guard entry.kind == .string, Int(entry.length) == utf8.count else { return false }
        if utf8.count == 0 { return true }
        return memcmp(strings! + Int(entry.start), utf8.baseAddress!, utf8.count) == 0
    }

    /// The value entry of the member `name` of the object at `object`, or `nil`.
    /// (The last one when the name repeats, as `JSONObject` keeps it.)
    @inlinable
    public func member(_ name: Int32, of object: Int) -> Int? {
        let container = entries[object]
        guard container.kind == .object else { return nil }
        if container.flags != 0 || entries[0].flags & TapeEntry.hasUninternedFlag != 0 {
            return slowMember(name, of: object)
        }
        var index = object + 1
        let end = Int(container.start)
        while index < end {
            let entry = entries[index]
            if entry.name == name { return index }
            index = entry.next(after: index)
        }
        return nil
    }

    /// `member` for objects with repeated names or uninterned names.
    @usableFromInline
    func slowMember(_ name: Int32, of object: Int) -> Int? {
        var found: Int?
        var index = object + 1
        let end = Int(entries[object].start)
        var wanted: [UInt8]?
        while index < end {
            var entry = entries[index]
            if entry.kind == .memberName {
                if wanted == nil { wanted = Array(FieldNames.shared.name(of: name).utf8) }
                let nameBytes = bytes(at: index)
                index += 1
                entry = entries[index]
                if nameBytes.elementsEqual(wanted!) { found = index }
            } else if entry.name == name {
                found = index
            }
            index = entry.next(after: index)
        }
        return found
    }

    /// `path` for a pinned path (read without reference counting).
    @inlinable
    public func path(_ pinned: PinnedPath, from start: Int = 0) -> Int? {
        var index = start
        for name in pinned.names {
            guard let next = member(name, of: index) else { return nil }
            index = next
        }
        return index
    }

    /// The entry reached from `start` by following member names, or `nil`.
    @inlinable
    public func path(_ names: [Int32], from start: Int = 0) -> Int? {
        var index = start
        for name in names {
            guard let next = member(name, of: index) else { return nil }
            index = next
        }
        return index
    }

    /// The member name of the value entry at `index` (inside an object).
    public func memberName(at index: Int) -> String {
        let entry = entries[index]
        if entry.name >= 0 { return FieldNames.shared.name(of: entry.name) }
        return Self.string(bytes(at: index - 1))
    }

    /// A `String` from bytes already validated as UTF-8 (one copy).
    @inlinable
    public static func string(_ utf8: UnsafeRawBufferPointer) -> String {
        if utf8.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: utf8)
            return utf8.count
        }
    }

    /// The number at `index` as a `Double`, or `nil` for a non-number.
    @inlinable
    public func double(at index: Int) -> Double? {
        let entry = entries[index]
        switch entry.kind {
        case .int: return Double(Int64(bitPattern: entry.payload))
        case .double: return Double(bitPattern: entry.payload)
        default: return nil
        }
    }

    /// The entry at `index` as a `Value` (containers recursively).
    public func value(at index: Int = 0) -> Value {
        let entry = entries[index]
        switch entry.kind {
        case .null, .memberName: return .null
        case .bool: return .bool(entry.payload != 0)
        case .int: return .int(Int64(bitPattern: entry.payload))
        case .double: return .double(Double(bitPattern: entry.payload))
        case .string: return .string(Self.string(bytes(at: index)))
        case .array:
            var elements: [Value] = []
            elements.reserveCapacity(Int(entry.length))
            var child = index + 1
            let end = Int(entry.start)
            while child < end {
                elements.append(value(at: child))
                child = entries[child].next(after: child)
            }
            return .array(elements)
        case .object:
            var keys: [String] = []
            var values: [Value] = []
            keys.reserveCapacity(Int(entry.length))
            values.reserveCapacity(Int(entry.length))
            var child = index + 1
            let end = Int(entry.start)
            while child < end {
                if entries[child].kind == .memberName { child += 1 }
                keys.append(memberName(at: child))
                values.append(value(at: child))
                child = entries[child].next(after: child)
            }
            if entry.flags & TapeEntry.hasDuplicatesFlag != 0 {
                var object = JSONObject()
                for (key, value) in zip(keys, values) { object[key] = value }
                return .object(object)
            }
            return .object(JSONObject(keys: keys, values: values))
        }
    }
}
