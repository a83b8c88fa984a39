// Zero-copy readers over a verified buffer.
//
// Readers do no validation of their own beyond `ByteBuffer`'s bounds checks: they assume the
// `Verifier` has checked every field they touch against the same schema. Reading a field the
// schema passed to the verifier did not describe is not memory-unsafe, but may trap.

/// A buffer that `Verifier` has accepted; the only way to obtain a root `Table`.
public struct VerifiedBuffer: Sendable {
    /// The verified bytes.
    public let buffer: ByteBuffer
    /// The root table.
    public let root: Table
    /// Whether the buffer starts with a 4-byte size prefix.
    public let sizePrefixed: Bool

    init(buffer: ByteBuffer, root: Table, sizePrefixed: Bool) {
        self.buffer = buffer
        self.root = root
        self.sizePrefixed = sizePrefixed
    }

    /// The 4 bytes after the root offset, decoded as text (the file identifier, if the schema has one).
    public var fileIdentifier: String? {
        let at = sizePrefixed ? 8 : 4
        guard buffer.contains(at, length: 4) else { return nil }
        return String(decoding: buffer.slice(at, length: 4), as: UTF8.self)
    }
}

/// A table: a position in a buffer whose first 4 bytes are a signed offset to its vtable.
public struct Table: Sendable {
    /// The buffer holding the table.
    public let buffer: ByteBuffer
    /// Byte position of the table in `buffer`.
    public let position: Int

    init(buffer: ByteBuffer, position: Int) {
        self.buffer = buffer
        self.position = position
    }

    /// Byte position of this table's vtable.
    public var vtablePosition: Int { position - Int(buffer.read(Int32.self, at: position)) }

    /// Offset of field `slot` from the table start, or nil when the field is absent.
    public func offset(forSlot slot: Int) -> Int? {
        let vtable = vtablePosition
        let entry = 4 + 2 * slot
        guard slot >= 0, entry + 2 <= Int(buffer.read(UInt16.self, at: vtable)) else { return nil }
        let offset = Int(buffer.read(UInt16.self, at: vtable + entry))
        return offset == 0 ? nil : offset
    }

    /// Whether field `slot` is present.
    public func has(_ slot: Int) -> Bool { offset(forSlot: slot) != nil }

    /// The scalar in `slot`, or `default` when absent.
    public func scalar<T: FlatBufferScalar>(_ slot: Int, default defaultValue: T) -> T {
        scalar(slot, as: T.self) ?? defaultValue
    }

    /// The scalar in `slot`, or nil when absent (optional scalars).
    public func scalar<T: FlatBufferScalar>(_ slot: Int, as type: T.Type = T.self) -> T? {
        offset(forSlot: slot).map { buffer.read(T.self, at: position + $0) }
    }

    /// Position of the object referenced by the uoffset in `slot`.
    private func target(_ slot: Int) -> Int? {
        guard let offset = offset(forSlot: slot) else { return nil }
        let at = position + offset
        return at + Int(buffer.read(UInt32.self, at: at))
    }

    /// The string in `slot`.
    public func string(_ slot: Int) -> String? { target(slot).map { buffer.string(at: $0) } }

    /// The sub-table in `slot`.
    public func table(_ slot: Int) -> Table? { target(slot).map { Table(buffer: buffer, position: $0) } }

    /// The vector in `slot`.
    public func vector(_ slot: Int) -> Vector? { target(slot).map { Vector(buffer: buffer, lengthPosition: $0) } }

    /// The inline struct in `slot`.
    public func structure(_ slot: Int) -> Struct? {
        offset(forSlot: slot).map { Struct(buffer: buffer, position: position + $0) }
    }

    /// The type tag of the union whose tag is in `slot` (0 = NONE).
    public func unionType(_ slot: Int) -> UInt8 { scalar(slot, default: UInt8(0)) }

    /// The union whose tag is in `slot` and value in `slot + 1`; nil for NONE or a missing value.
    public func union(_ slot: Int) -> (type: UInt8, table: Table)? {
        let type = unionType(slot)
        guard type != 0, let value = table(slot + 1) else { return nil }
        return (type, value)
    }
}

/// A vector: element count plus the position of its first element.
public struct Vector: Sendable {
    /// The buffer holding the vector.
    public let buffer: ByteBuffer
    /// Byte position of element 0.
    public let position: Int
    /// Number of elements.
    public let count: Int

    init(buffer: ByteBuffer, lengthPosition: Int) {
        self.buffer = buffer
        self.position = lengthPosition + 4
        self.count = Int(buffer.read(UInt32.self, at: lengthPosition))
    }

    private func at(_ index: Int, size: Int) -> Int {
        precondition(index >= 0 && index < count, "FlatBuffers: vector index out of range")
        return position + index * size
    }

    /// Scalar element `index`.
    public func scalar<T: FlatBufferScalar>(at index: Int, as type: T.Type = T.self) -> T {
        buffer.read(T.self, at: at(index, size: T.byteSize))
    }

    /// All elements as scalars.
    public func scalars<T: FlatBufferScalar>(_ type: T.Type = T.self) -> [T] {
        (0 ..< count).map { scalar(at: $0) }
    }

    /// The raw element bytes of a `[ubyte]` / `[byte]` vector (no copy).
    public var bytes: ArraySlice<UInt8> { buffer.slice(position, length: count) }

    private func target(_ index: Int) -> Int {
        let p = at(index, size: 4)
        return p + Int(buffer.read(UInt32.self, at: p))
    }

    /// Table element `index` of a vector of tables.
    public func table(at index: Int) -> Table { Table(buffer: buffer, position: target(index)) }

    /// String element `index` of a vector of strings.
    public func string(at index: Int) -> String { buffer.string(at: target(index)) }

    /// Struct element `index` of a vector of structs of `size` bytes each.
    public func structure(at index: Int, size: Int) -> Struct {
        Struct(buffer: buffer, position: at(index, size: size))
    }
}

/// An inline struct: fixed-layout bytes at a position in the buffer.
public struct Struct: Sendable {
    /// The buffer holding the struct.
    public let buffer: ByteBuffer
    /// Byte position of the struct.
    public let position: Int

    /// The scalar member at byte `offset` within the struct.
    public func scalar<T: FlatBufferScalar>(at offset: Int, as type: T.Type = T.self) -> T {
        buffer.read(T.self, at: position + offset)
    }

    /// The nested struct member at byte `offset` within the struct.
    public func structure(at offset: Int) -> Struct { Struct(buffer: buffer, position: position + offset) }
}
