// Schema-driven verifier: the gate every buffer passes before a reader may touch it.
//
// Checks follow the FlatBuffers verifier rules: every read is bounds-checked before it happens,
// uoffsets must be non-zero and < 2^31 (so they only point forward and cannot cycle), tables
// and vtables must be aligned and fit, fields must lie inside their table, vector byte sizes
// must not overflow, strings must be null-terminated and union tags known. Depth, table count
// and followed-offset count are capped so hostile DAG-shaped buffers cannot explode the work.

/// Why a buffer failed verification; `path` names the offending field, e.g. `plan[0].values[12].val`.
public enum FlatBufferError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The buffer is shorter than its header.
    case bufferTooSmall(size: Int, minimum: Int)
    /// The buffer exceeds the maximum FlatBuffer size.
    case bufferTooLarge(size: Int, limit: Int)
    /// The size prefix does not match the buffer length.
    case sizePrefixMismatch(prefix: Int, actual: Int)
    /// The file identifier differs from the one requested.
    case fileIdentifierMismatch(expected: String, found: String)
    /// `length` bytes of `what` at `offset` do not fit in the buffer.
    case outOfBounds(path: String, what: String, offset: Int, length: Int, bufferSize: Int)
    /// `what` at `offset` is not aligned to `alignment`.
    case misaligned(path: String, what: String, offset: Int, alignment: Int)
    /// A uoffset stored at `offset` is zero or not below 2^31.
    case invalidOffset(path: String, offset: Int, value: UInt32)
    /// The vtable of the table at `offset` is malformed.
    case invalidVTable(path: String, offset: Int, reason: String)
    /// A field overlaps its table's soffset to the vtable (a table offset below 4).
    case fieldOutsideTable(path: String, fieldOffset: Int, size: Int, tableSize: Int)
    /// A vector's byte size overflows or exceeds the buffer.
    case vectorTooLarge(path: String, count: Int, elementSize: Int)
    /// A string at `offset` lacks its terminating zero byte.
    case stringNotTerminated(path: String, offset: Int)
    /// A union tag has no schema.
    case unknownUnionType(path: String, type: UInt8)
    /// A required field is absent.
    case missingRequiredField(path: String)
    /// Tables nest deeper than the verifier allows.
    case depthLimitExceeded(path: String, limit: Int)
    /// More tables than the verifier allows.
    case tableLimitExceeded(path: String, limit: Int)
    /// More uoffsets followed than the verifier allows.
    case offsetLimitExceeded(path: String, limit: Int)

    /// A one-line human-readable message starting with the field path.
    public var description: String {
        func hex(_ v: Int) -> String { v < 0 ? "-0x" + String(-v, radix: 16) : "0x" + String(v, radix: 16) }
        switch self {
        case let .bufferTooSmall(size, minimum):
            return "buffer of \(size) bytes is smaller than the \(minimum)-byte header"
        case let .bufferTooLarge(size, limit):
            return "buffer of \(size) bytes exceeds the \(limit)-byte limit"
        case let .sizePrefixMismatch(prefix, actual):
            return "size prefix \(prefix) does not match the \(actual) bytes that follow it"
        case let .fileIdentifierMismatch(expected, found):
            return "file identifier \"\(found)\" is not the expected \"\(expected)\""
        case let .outOfBounds(path, what, offset, length, size):
            let place = offset < 0 ? "before start of buffer" : "past end of buffer"
            return "\(path): \(what) offset \(hex(offset)) (\(length) bytes) \(place) (size \(hex(size)))"
        case let .misaligned(path, what, offset, alignment):
            return "\(path): \(what) offset \(hex(offset)) is not \(alignment)-byte aligned"
        case let .invalidOffset(path, offset, value):
            return "\(path): invalid uoffset \(hex(Int(value))) stored at \(hex(offset))"
        case let .invalidVTable(path, offset, reason):
            return "\(path): table at \(hex(offset)) has a bad vtable: \(reason)"
        case let .fieldOutsideTable(path, fieldOffset, size, tableSize):
            return "\(path): field at table offset \(fieldOffset) (\(size) bytes) overlaps the \(tableSize)-byte table's vtable offset"
        case let .vectorTooLarge(path, count, elementSize):
            return "\(path): vector of \(count) × \(elementSize)-byte elements is larger than the buffer"
        case let .stringNotTerminated(path, offset):
            return "\(path): string at \(hex(offset)) is not null-terminated"
        case let .unknownUnionType(path, type):
            return "\(path): unknown union type \(type)"
        case let .missingRequiredField(path):
            return "\(path): required field is missing"
        case let .depthLimitExceeded(path, limit):
            return "\(path): tables nested deeper than \(limit)"
        case let .tableLimitExceeded(path, limit):
            return "\(path): more than \(limit) tables"
        case let .offsetLimitExceeded(path, limit):
            return "\(path): more than \(limit) offsets followed"
        }
    }
}

/// Verifies a buffer against a `TableSchema`, producing the `VerifiedBuffer` readers need.
public struct Verifier: Sendable {
    /// Maximum table nesting depth (the root table is depth 1).
    public var maxDepth: Int
    /// Maximum number of tables visited (shared sub-tables count once per reference).
    public var maxTables: Int
    /// Maximum number of uoffsets followed (tables, strings, vectors and their elements).
    public var maxOffsets: Int
    /// Whether scalars, offsets, vtables and vector data must be naturally aligned (relative to buffer start).
    public var checkAlignment: Bool
    /// Largest accepted buffer (FlatBuffers' 32-bit offsets cap it below 2 GiB).
    public var maxBufferSize: Int

    /// Creates a verifier with the given limits.
    public init(maxDepth: Int = 64, maxTables: Int = 1_000_000, maxOffsets: Int = 64_000_000,
                checkAlignment: Bool = true, maxBufferSize: Int = Int(Int32.max)) {
        self.maxDepth = maxDepth
        self.maxTables = maxTables
        self.maxOffsets = maxOffsets
        self.checkAlignment = checkAlignment
        self.maxBufferSize = min(maxBufferSize, Int(Int32.max))
    }

    /// Verifies `bytes` whose root table is described by `root`; checks `fileIdentifier` when given.
    public func verify(_ bytes: [UInt8], root: TableSchema, fileIdentifier: String? = nil,
                       sizePrefixed: Bool = false) throws(FlatBufferError) -> VerifiedBuffer {
        let buffer = ByteBuffer(bytes: bytes)
        guard bytes.count <= maxBufferSize else { throw .bufferTooLarge(size: bytes.count, limit: maxBufferSize) }
        let base = sizePrefixed ? 4 : 0
        let minimum = base + (fileIdentifier == nil ? 4 : 8)
        guard bytes.count >= minimum else { throw .bufferTooSmall(size: bytes.count, minimum: minimum) }
        if sizePrefixed {
            let prefix = Int(buffer.read(UInt32.self, at: 0))
            guard prefix == bytes.count - 4 else { throw .sizePrefixMismatch(prefix: prefix, actual: bytes.count - 4) }
        }
        if let fileIdentifier {
            let expected = Array(fileIdentifier.utf8)
            precondition(expected.count == 4, "file identifier must be 4 bytes")
            let found = bytes[base + 4 ..< base + 8]
            guard found.elementsEqual(expected) else {
                let text = found.map { (0x20 ..< 0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }
                throw .fileIdentifierMismatch(expected: fileIdentifier, found: text.joined())
            }
        }
        var walk = Walk(buffer: buffer, limits: self)
        let position = try walk.follow(base, what: "root offset")
        try walk.table(position, schema: root)
        return VerifiedBuffer(buffer: buffer, root: Table(buffer: buffer, position: position), sizePrefixed: sizePrefixed)
    }
}

/// The mutable state of one verification pass.
private struct Walk {
    enum Component { case field(String), index(Int) }

    let buffer: ByteBuffer
    let limits: Verifier
    var depth = 0
    var tables = 0
    var offsets = 0
    var path: [Component] = []

    init(buffer: ByteBuffer, limits: Verifier) {
        self.buffer = buffer
        self.limits = limits
    }

    /// The current field path, e.g. `plan[0].values[3].val`.
    var pathString: String {
        var s = ""
        for component in path {
            switch component {
            case let .field(name): s += s.isEmpty ? name : "." + name
            case let .index(i): s += "[\(i)]"
            }
        }
        return s.isEmpty ? "<root>" : s
    }

    func check(_ position: Int, _ length: Int, _ what: String) throws(FlatBufferError) {
        guard buffer.contains(position, length: length) else {
            throw .outOfBounds(path: pathString, what: what, offset: position, length: length, bufferSize: buffer.count)
        }
    }

    func align(_ position: Int, _ alignment: Int, _ what: String) throws(FlatBufferError) {
        guard !limits.checkAlignment || position & (alignment - 1) == 0 else {
            throw .misaligned(path: pathString, what: what, offset: position, alignment: alignment)
        }
    }

    /// Checks the uoffset stored at `position` and returns the position it refers to.
    mutating func follow(_ position: Int, what: String = "uoffset") throws(FlatBufferError) -> Int {
        try align(position, 4, what)
        try check(position, 4, what)
        let value = buffer.read(UInt32.self, at: position)
        guard value != 0 && value < 0x8000_0000 else {
            throw .invalidOffset(path: pathString, offset: position, value: value)
        }
        offsets += 1
        guard offsets <= limits.maxOffsets else { throw .offsetLimitExceeded(path: pathString, limit: limits.maxOffsets) }
        let target = position + Int(value)
        try check(target, 1, "uoffset target")
        return target
    }

    mutating func string(_ position: Int) throws(FlatBufferError) {
        try align(position, 4, "string")
        try check(position, 4, "string length")
        let length = Int(buffer.read(UInt32.self, at: position))
        try check(position + 4, length + 1, "string")
        guard buffer.read(UInt8.self, at: position + 4 + length) == 0 else {
            throw .stringNotTerminated(path: pathString, offset: position)
        }
    }

    /// Checks a vector header and data; returns the position of element 0 and the count.
    mutating func vector(_ position: Int, elementSize: Int, alignment: Int) throws(FlatBufferError) -> (Int, Int) {
        try align(position, 4, "vector")
        try check(position, 4, "vector length")
        let count = Int(buffer.read(UInt32.self, at: position))
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow && bytes <= buffer.count else {
            throw .vectorTooLarge(path: pathString, count: count, elementSize: elementSize)
        }
        try check(position + 4, bytes, "vector data")
        if count > 0 { try align(position + 4, alignment, "vector data") }  // empty data has no alignment (flatc skips it)
        return (position + 4, count)
    }

    mutating func table(_ position: Int, schema: TableSchema) throws(FlatBufferError) {
        depth += 1
        tables += 1
        guard depth <= limits.maxDepth else { throw .depthLimitExceeded(path: pathString, limit: limits.maxDepth) }
        guard tables <= limits.maxTables else { throw .tableLimitExceeded(path: pathString, limit: limits.maxTables) }
        try align(position, 4, "table")
        try check(position, 4, "table")
        let vtable = position - Int(buffer.read(Int32.self, at: position))
        try align(vtable, 2, "vtable")
        try check(vtable, 4, "vtable")
        let vtableSize = Int(buffer.read(UInt16.self, at: vtable))
        let tableSize = Int(buffer.read(UInt16.self, at: vtable + 2))
        guard vtableSize >= 4 && vtableSize & 1 == 0 else {
            throw .invalidVTable(path: pathString, offset: position, reason: "vtable size \(vtableSize) is not an even number >= 4")
        }
        try check(vtable, vtableSize, "vtable")
        guard tableSize >= 4 else {
            throw .invalidVTable(path: pathString, offset: position, reason: "table size \(tableSize) < 4")
        }
        try check(position, tableSize, "table")
        let layout = TableLayout(position: position, vtable: vtable, vtableSize: vtableSize, size: tableSize)
        for field in schema.fields {
            path.append(.field(field.name))
            try self.field(field, in: layout)
            path.removeLast()
        }
        depth -= 1
    }

    struct TableLayout {
        let position, vtable, vtableSize, size: Int
    }

    /// The vtable entry for `slot` (0 when absent or beyond the vtable).
    func entry(_ slot: Int, _ t: TableLayout) -> Int {
        let at = 4 + 2 * slot
        return at + 2 <= t.vtableSize ? Int(buffer.read(UInt16.self, at: t.vtable + at)) : 0
    }

    /// Checks an inline field of `size` bytes at table offset `offset`; returns its position.
    /// The field must lie inside the buffer, aligned, and past the table's own soffset, as
    /// flatbuffers' C++ verifier checks (`Verifier::VerifyField`: alignment and buffer bounds);
    /// it may extend past the table size the vtable declares. ExecuTorch's emitter writes such
    /// tables: the `Int` values of a program with dynamic shapes (an 8-byte `int_val` at offset
    /// 4 of a table declared 8 bytes long), which ExecuTorch's runtime reads.
    func inline(_ offset: Int, _ size: Int, _ alignment: Int, _ t: TableLayout) throws(FlatBufferError) -> Int {
        guard offset >= 4 else {
            throw .fieldOutsideTable(path: pathString, fieldOffset: offset, size: size, tableSize: t.size)
        }
        try check(t.position + offset, size, "field")
        try align(t.position + offset, alignment, "field")
        return t.position + offset
    }

    mutating func field(_ field: TableSchema.Field, in t: TableLayout) throws(FlatBufferError) {
        if case let .union(types) = field.kind {
            return try union(field, types, t)
        }
        let offset = entry(field.slot, t)
        guard offset != 0 else {
            if field.required { throw .missingRequiredField(path: pathString) }
            return
        }
        switch field.kind {
        case let .scalar(size):
            _ = try inline(offset, size, size, t)
        case let .structure(size, alignment):
            _ = try inline(offset, size, alignment, t)
        case .string:
            try string(follow(inline(offset, 4, 4, t)))
        case let .table(schema):
            try table(follow(inline(offset, 4, 4, t)), schema: schema())
        case let .vectorOfScalars(size, alignment):
            _ = try vector(follow(inline(offset, 4, 4, t)), elementSize: size, alignment: max(size, alignment))
        case let .vectorOfStructs(size, alignment):
            _ = try vector(follow(inline(offset, 4, 4, t)), elementSize: size, alignment: alignment)
        case .vectorOfStrings:
            let (start, count) = try vector(follow(inline(offset, 4, 4, t)), elementSize: 4, alignment: 4)
            for i in 0 ..< count {
                path.append(.index(i))
                try string(follow(start + 4 * i))
                path.removeLast()
            }
        case let .vectorOfTables(makeSchema):
            let (start, count) = try vector(follow(inline(offset, 4, 4, t)), elementSize: 4, alignment: 4)
            let schema = makeSchema()
            for i in 0 ..< count {
                path.append(.index(i))
                try table(follow(start + 4 * i), schema: schema)
                path.removeLast()
            }
        case .union:
            preconditionFailure("handled above")
        }
    }

    mutating func union(_ field: TableSchema.Field, _ types: [UInt8: @Sendable () -> TableSchema],
                        _ t: TableLayout) throws(FlatBufferError) {
        var tag: UInt8 = 0
        let tagOffset = entry(field.slot, t)
        if tagOffset != 0 {
            path[path.count - 1] = .field(field.name + "_type")
            tag = buffer.read(UInt8.self, at: try inline(tagOffset, 1, 1, t))
            path[path.count - 1] = .field(field.name)
        }
        let schema = tag == 0 ? nil : types[tag]
        guard tag == 0 || schema != nil else { throw .unknownUnionType(path: pathString, type: tag) }
        let valueOffset = entry(field.slot + 1, t)
        if valueOffset == 0 {
            if field.required { throw .missingRequiredField(path: pathString) }
            return
        }
        let target = try follow(inline(valueOffset, 4, 4, t))  // checked even for NONE, as flatc does
        if let schema { try table(target, schema: schema()) }
    }
}
