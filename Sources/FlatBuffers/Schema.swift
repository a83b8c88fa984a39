// Schema description used to drive verification.
//
// A `TableSchema` lists the fields a reader will touch. Sub-table schemas are given as
// closures, so schemas may be recursive: declare them as static lets that refer to each other,
//
//     enum Schemas {
//         static let node = TableSchema("Node", [
//             .init("name", slot: 0, .string),
//             .init("children", slot: 1, .vectorOfTables { Schemas.node }),
//         ])
//     }
//
// Fields not listed (e.g. from a newer schema) are ignored by the verifier, matching
// FlatBuffers' forward-compatibility rules; readers must not touch them.

/// Describes a table's fields for verification.
public struct TableSchema: Sendable {
    /// Table name, used in diagnostics.
    public var name: String
    /// The fields to verify.
    public var fields: [Field]

    /// Creates a table schema.
    public init(_ name: String, _ fields: [Field]) {
        self.name = name
        self.fields = fields
    }

    /// One field of a table.
    public struct Field: Sendable {
        /// Field name, used in error paths.
        public var name: String
        /// Field index in the schema (vtable slot); a union uses `slot` for its tag and `slot + 1` for its value.
        public var slot: Int
        /// What the field holds.
        public var kind: FieldKind
        /// Whether absence is an error (`(required)` in the schema).
        public var required: Bool

        /// Creates a field description.
        public init(_ name: String, slot: Int, _ kind: FieldKind, required: Bool = false) {
            self.name = name
            self.slot = slot
            self.kind = kind
            self.required = required
        }
    }
}

/// What a table field holds.
public enum FieldKind: Sendable {
    /// An inline scalar of `size` bytes (1, 2, 4 or 8), aligned to its size.
    case scalar(size: Int)
    /// An inline struct of `size` bytes aligned to `alignment`.
    case structure(size: Int, alignment: Int)
    /// A UTF-8 string.
    case string
    /// A sub-table.
    case table(@Sendable () -> TableSchema)
    /// A vector of scalars of `size` bytes; `alignment` > size models `force_align`.
    case vectorOfScalars(size: Int, alignment: Int = 1)
    /// A vector of structs of `size` bytes aligned to `alignment`.
    case vectorOfStructs(size: Int, alignment: Int)
    /// A vector of strings.
    case vectorOfStrings
    /// A vector of tables.
    case vectorOfTables(@Sendable () -> TableSchema)
    /// A union of tables: the `UInt8` tag lives in `slot`, the table in `slot + 1`; tags map to schemas (0 = NONE).
    case union([UInt8: @Sendable () -> TableSchema])
}
