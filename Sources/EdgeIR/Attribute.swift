/// Constant tensor contents: a reference to a named blob in the module's ``BlobStore``,
/// or bytes held inline (small constants only).
public enum DenseElements: Sendable, Hashable {
    /// Bytes stored in the module's blob store under this name.
    case blob(String)
    /// Little-endian element bytes, interpreted with the owning op's result type.
    case inline([UInt8])
}

/// A typed attribute value on an operation.
public enum Attribute: Sendable, Hashable {
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case ints([Int64])
    case floats([Double])
    case type(TensorType)
    case dense(DenseElements)
    /// A reference to a function of the module (e.g. a control-flow body): `@name`.
    case symbol(String)

    /// The kind of the value, for checking against a declaration.
    public var kind: AttributeKind {
        switch self {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .string: return .string
        case .ints: return .ints
        case .floats: return .floats
        case .type: return .type
        case .dense: return .dense
        case .symbol: return .symbol
        }
    }

    public var intValue: Int64? { if case .int(let v) = self { return v }; return nil }
    public var floatValue: Double? {
        switch self {
        case .float(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let v) = self { return v }; return nil }
    public var stringValue: String? { if case .string(let v) = self { return v }; return nil }
    public var symbolValue: String? { if case .symbol(let v) = self { return v }; return nil }
    public var intsValue: [Int64]? { if case .ints(let v) = self { return v }; return nil }
    public var floatsValue: [Double]? { if case .floats(let v) = self { return v }; return nil }
}

/// The declared kind of an attribute.
public enum AttributeKind: String, Sendable, Hashable {
    case int, float, bool, string, ints, floats, type, dense, symbol

    /// How the kind reads in docs and diagnostics.
    public var displayName: String {
        switch self {
        case .int: return "integer"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        case .ints: return "integer list"
        case .floats: return "float list"
        case .type: return "type"
        case .dense: return "dense tensor"
        case .symbol: return "function symbol"
        }
    }
}

/// Where an operation came from in the user's model.
public indirect enum Location: Sendable, Hashable {
    case unknown
    /// A node name in the source model (`loc("Conv_0")`).
    case name(String)
    /// A source file position (`loc("model.py":12:8)`).
    case file(String, line: Int, column: Int)
    /// Several locations that together describe the origin (`loc(fused["a", "b"])`).
    case fused([Location])

    /// The first node name in the location, for diagnostics.
    public var nodeName: String? {
        switch self {
        case .name(let n): return n
        case .fused(let ls): return ls.lazy.compactMap(\.nodeName).first
        default: return nil
        }
    }
}

/// A position in a text file, 1-based.
public struct SourcePosition: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
}
