/// One value of a parsed JSON text in its flat, pre-order form (the "tape"): an event is
/// a run of these, 24 bytes each, plus the bytes of its strings — no per-field
/// allocation, and field names are interned ids compared as integers.
///
/// A container (`object`, `array`) is followed by its descendants; `end` is the index
/// just past its last one, so a reader steps over it in O(1). An object member carries
/// its interned name in `name`; array elements have `name == TapeEntry.noName`.
public struct TapeEntry: Sendable, BitwiseCopyable {
    /// What the entry holds.
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        case null, bool, int, double, string, array, object
        /// Not a value: the name bytes (`start`, `length`) of the member that follows,
        /// whose own `name` is `TapeEntry.uninternedName` (the interner was full).
        case memberName
    }

    /// `name` of an array element (and of the root).
    public static let noName: Int32 = -1
    /// `name` of a member whose name is in the preceding `.memberName` entry.
    public static let uninternedName: Int32 = -2

    /// Set on an object that has a repeated member name (lookups then take the last).
    public static let hasDuplicatesFlag: UInt8 = 1
    /// Set on the root when any member anywhere has an uninterned name.
    public static let hasUninternedFlag: UInt8 = 2

    /// The interned member name (`FieldNames`), `noName` or `uninternedName`.
    public var name: Int32
    public var kind: Kind
    public var flags: UInt8 = 0
    /// String and member name: offset of the bytes in the string area. Number: offset of
    /// its source text when kept (the top-level `id`), else 0. Container: index past the
    /// last descendant.
    public var start: UInt32
    /// String and member name: byte length. Number: source text length when kept, else
    /// 0. Container: number of children.
    public var length: UInt32
    /// `int`: the bits of the `Int64`; `double`: the bits of the `Double`; `bool`: 0 or 1.
    public var payload: UInt64

    @inlinable
    public init(name: Int32, kind: Kind, start: UInt32 = 0, length: UInt32 = 0, payload: UInt64 = 0) {
        self.name = name
        self.kind = kind
        self.start = start
        self.length = length
        self.payload = payload
    }

    @inlinable
    public var isContainer: Bool { kind == .object || kind == .array }

    /// The index of the entry after this one and its descendants, given its own index.
    @inlinable
    public func next(after index: Int) -> Int { isContainer ? Int(start) : index + 1 }
}
