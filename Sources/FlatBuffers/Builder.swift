// FlatBufferBuilder: writes a FlatBuffer back to front.
//
// Bytes are prepended, so every object is addressed by its distance from the *end* of the
// buffer (an `Offset`). Children are written before their parents, and a uoffset written at
// end-distance `d` pointing at an object at end-distance `t` stores `d - t` (always positive:
// references only point towards the end). Alignment is computed relative to the end, and
// `finish` pads the front so the total size is a multiple of the largest alignment used
// (`minAlign`), which makes every alignment hold relative to the start as well.

/// A reference to an object already written into a `FlatBufferBuilder` (its distance from the buffer end).
public struct Offset: Hashable, Sendable {
    /// Distance in bytes from the end of the buffer to the object; `0` means null/absent.
    public let value: UInt32
    /// Wraps a raw end-relative offset.
    public init(_ value: UInt32) { self.value = value }
    /// The null offset (an absent field).
    public static let null = Offset(0)
    /// Whether this is the null offset.
    public var isNull: Bool { value == 0 }
}

/// The bytes of one inline FlatBuffers struct, laid out by field byte offset.
public struct StructBytes: Sendable, Equatable {
    /// The struct's bytes (size includes any trailing padding).
    public private(set) var bytes: [UInt8]
    /// The struct's alignment (its largest member's alignment, or `force_align`).
    public let alignment: Int

    /// A zero-filled struct of `size` bytes aligned to `alignment`.
    public init(size: Int, alignment: Int) {
        precondition(size > 0 && alignment > 0 && alignment & (alignment - 1) == 0, "bad struct layout")
        bytes = [UInt8](repeating: 0, count: size)
        self.alignment = alignment
    }

    /// Size of the struct in bytes.
    public var size: Int { bytes.count }

    /// Stores `value` at byte `offset` within the struct.
    public mutating func set<T: FlatBufferScalar>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + T.byteSize <= bytes.count, "struct field out of range")
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: value.flatBufferBits.littleEndian, toByteOffset: offset, as: T.Bits.self)
        }
    }
}

/// Builds a FlatBuffer back to front; call `finish` to obtain the bytes.
///
/// Usage rules (enforced with preconditions): strings, vectors and tables may not be created
/// while a table is open; only fields may be added between `startTable` and `endTable`.
public struct FlatBufferBuilder: Sendable {
    private var storage: [UInt8]
    private var head: Int
    /// Largest alignment requested so far; the finished buffer's size is a multiple of it.
    public private(set) var minAlign = 1
    /// When true, scalar fields equal to their default are still written.
    public var forceDefaults: Bool
    private var tableStart: Int?
    private var fieldLocations: [Int] = []
    private var vtables: [[UInt16]: Int] = [:]
    private var finished = false

    /// Creates an empty builder.
    public init(initialCapacity: Int = 1024, forceDefaults: Bool = false) {
        storage = []
        head = 0
        self.forceDefaults = forceDefaults
        reserve(max(initialCapacity, 16))
    }

    /// Number of bytes written so far.
    public var size: Int { storage.count - head }

    // MARK: Low-level writing

    private mutating func reserve(_ n: Int) {
        if head >= n { return }
        let used = size
        precondition(used + n <= Int(Int32.max), "FlatBuffers are limited to 2 GiB")
        let capacity = max(storage.count * 2, used + n + 16)
        // The free front is left uninitialized: every byte is explicitly written (padding included) before use.
        storage = storage.withUnsafeBytes { src in
            [UInt8](unsafeUninitializedCapacity: capacity) { dst, initialized in
                if used > 0 {
                    UnsafeMutableRawPointer(dst.baseAddress!.advanced(by: capacity - used))
                        .copyMemory(from: src.baseAddress!.advanced(by: head), byteCount: used)
                }
                initialized = capacity
            }
        }
        head = capacity - used
    }

    private mutating func pad(_ n: Int) {
        reserve(n)
        for _ in 0 ..< n { head -= 1; storage[head] = 0 }
    }

    /// Pads so that after writing `additional` more bytes, `size` is a multiple of `alignment`.
    private mutating func prepare(_ alignment: Int, _ additional: Int) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        minAlign = max(minAlign, alignment)
        pad(-(size + additional) & (alignment - 1))
    }

    private mutating func put<T: FlatBufferScalar>(_ value: T) {
        reserve(T.byteSize)
        head -= T.byteSize
        let at = head
        storage.withUnsafeMutableBytes {
            $0.storeBytes(of: value.flatBufferBits.littleEndian, toByteOffset: at, as: T.Bits.self)
        }
    }

    private mutating func putBytes(_ bytes: some Collection<UInt8>) {
        let n = bytes.count
        reserve(n)
        head -= n
        let at = head
        let copied: Void? = bytes.withContiguousStorageIfAvailable { src in
            storage.withUnsafeMutableBytes { dst in
                if n > 0 { dst.baseAddress!.advanced(by: at).copyMemory(from: src.baseAddress!, byteCount: n) }
            }
        }
        if copied == nil {
            var i = at
            for b in bytes { storage[i] = b; i += 1 }
        }
    }

    /// Writes an aligned uoffset referring to `target` (which must already be written).
    private mutating func putOffset(_ target: Offset) {
        prepare(4, 0)
        precondition(!target.isNull && Int(target.value) <= size, "offset refers to an unwritten object")
        put(UInt32(size + 4 - Int(target.value)))
    }

    private func requireNotNested() {
        precondition(!finished, "FlatBufferBuilder used after finish")
        precondition(tableStart == nil, "objects cannot be created while a table is open")
    }

    // MARK: Strings and vectors

    /// Writes a UTF-8, null-terminated, length-prefixed string.
    public mutating func createString(_ string: String) -> Offset {
        requireNotNested()
        var s = string
        return s.withUTF8 { utf8 in
            prepare(4, utf8.count + 1)
            put(UInt8(0))
            putBytes(utf8)
            put(UInt32(utf8.count))
            return Offset(UInt32(size))
        }
    }

    private mutating func startVector(count: Int, elementSize: Int, alignment: Int) {
        requireNotNested()
        let bytes = count * elementSize
        prepare(4, bytes)
        prepare(max(alignment, 1), bytes)
    }

    private mutating func endVector(count: Int) -> Offset {
        put(UInt32(count))
        return Offset(UInt32(size))
    }

    /// Writes a vector of scalars; `alignment` (e.g. 16 for `force_align: 16`) raises the data alignment.
    public mutating func createVector<T: FlatBufferScalar>(_ elements: [T], alignment: Int = 1) -> Offset {
        startVector(count: elements.count, elementSize: T.byteSize, alignment: max(alignment, T.byteSize))
        for e in elements.reversed() { put(e) }
        return endVector(count: elements.count)
    }

    /// Writes a `[ubyte]` vector with a bulk copy; `alignment` as for `force_align`.
    public mutating func createVector(bytes: some Collection<UInt8>, alignment: Int = 1) -> Offset {
        startVector(count: bytes.count, elementSize: 1, alignment: alignment)
        putBytes(bytes)
        return endVector(count: bytes.count)
    }

    /// Writes a vector of offsets (a vector of tables, strings or vectors).
    public mutating func createVector(offsets: [Offset]) -> Offset {
        startVector(count: offsets.count, elementSize: 4, alignment: 4)
        for o in offsets.reversed() { putOffset(o) }
        return endVector(count: offsets.count)
    }

    /// Writes each string, then a vector referring to them.
    public mutating func createVector(strings: [String]) -> Offset {
        let offsets = strings.map { createString($0) }
        return createVector(offsets: offsets)
    }

    /// Writes a vector of inline structs, which must all share one size and alignment.
    public mutating func createVector(structs: [StructBytes], alignment: Int = 1) -> Offset {
        let size = structs.first?.size ?? 1
        let align = max(structs.first?.alignment ?? 1, alignment)
        precondition(structs.allSatisfy { $0.size == size && $0.alignment == structs[0].alignment },
                     "vector structs must share size and alignment")
        startVector(count: structs.count, elementSize: size, alignment: align)
        for s in structs.reversed() { putBytes(s.bytes) }
        return endVector(count: structs.count)
    }

    // MARK: Tables

    /// Opens a table; add its fields, then call `endTable`.
    public mutating func startTable() {
        requireNotNested()
        tableStart = size
        fieldLocations.removeAll(keepingCapacity: true)
    }

    private mutating func record(slot: Int) {
        precondition(tableStart != nil, "fields can only be added inside startTable/endTable")
        precondition(slot >= 0 && slot < 32_000, "field slot out of range")
        if fieldLocations.count <= slot {
            fieldLocations.append(contentsOf: repeatElement(0, count: slot + 1 - fieldLocations.count))
        }
        precondition(fieldLocations[slot] == 0, "field slot \(slot) added twice")
        fieldLocations[slot] = size
    }

    /// Adds a scalar field at `slot` (the field's index in the schema); skipped when equal to `default`
    /// (pass `nil` for optional scalars, which are always written).
    public mutating func addField<T: FlatBufferScalar>(slot: Int, _ value: T, default defaultValue: T?) {
        precondition(tableStart != nil, "fields can only be added inside startTable/endTable")
        if let defaultValue, value == defaultValue, !forceDefaults { return }
        prepare(T.byteSize, 0)
        put(value)
        record(slot: slot)
    }

    /// Adds a reference field (table, string or vector) at `slot`; a null offset is skipped.
    public mutating func addOffset(slot: Int, _ offset: Offset) {
        precondition(tableStart != nil, "fields can only be added inside startTable/endTable")
        if offset.isNull { return }
        putOffset(offset)
        record(slot: slot)
    }

    /// Adds an inline struct field at `slot`.
    public mutating func addStruct(slot: Int, _ value: StructBytes) {
        precondition(tableStart != nil, "fields can only be added inside startTable/endTable")
        prepare(value.alignment, value.size)
        putBytes(value.bytes)
        record(slot: slot)
    }

    /// Adds a union: its type tag at `slot` and its value (a table) at `slot + 1`.
    public mutating func addUnion(slot: Int, type: UInt8, value: Offset) {
        addField(slot: slot, type, default: 0)
        addOffset(slot: slot + 1, value)
    }

    /// Closes the open table, writing (or reusing an identical) vtable; returns the table's offset.
    public mutating func endTable() -> Offset {
        guard let start = tableStart else { preconditionFailure("endTable without startTable") }
        prepare(4, 0)
        put(Int32(0))  // soffset to the vtable, patched below
        let table = size
        let objectSize = table - start
        precondition(objectSize < 0x10000, "table too large for a 16-bit vtable")
        var used = fieldLocations.count
        while used > 0 && fieldLocations[used - 1] == 0 { used -= 1 }
        var vtable: [UInt16] = [UInt16(4 + 2 * used), UInt16(objectSize)]
        for location in fieldLocations[0 ..< used] {
            vtable.append(location == 0 ? 0 : UInt16(table - location))
        }
        let vtableOffset: Int
        if let existing = vtables[vtable] {
            vtableOffset = existing
        } else {
            for entry in vtable.reversed() { put(entry) }
            vtableOffset = size
            vtables[vtable] = vtableOffset
        }
        let soffset = Int32(vtableOffset - table)
        let at = storage.count - table
        storage.withUnsafeMutableBytes {
            $0.storeBytes(of: soffset.flatBufferBits.littleEndian, toByteOffset: at, as: UInt32.self)
        }
        tableStart = nil
        return Offset(UInt32(table))
    }

    // MARK: Finishing

    /// Writes the root offset (preceded by the 4-byte file identifier and optional size prefix) and returns the buffer.
    public mutating func finish(_ root: Offset, fileIdentifier: String? = nil, sizePrefixed: Bool = false) -> [UInt8] {
        requireNotNested()
        let identifier = fileIdentifier.map { Array($0.utf8) }
        precondition(identifier == nil || identifier!.count == 4, "file identifier must be 4 bytes")
        prepare(max(minAlign, 4), 4 + (identifier == nil ? 0 : 4) + (sizePrefixed ? 4 : 0))
        if let identifier { putBytes(identifier) }
        putOffset(root)
        if sizePrefixed { put(UInt32(size)) }
        finished = true
        storage.removeFirst(head)  // in-place move: avoids a second allocation for large buffers
        head = 0
        return storage
    }
}
