import EdgeIR
import EdgeKernels
import Foundation

/// What a node output imports as: an IR value, or a tensor known at import time (kept out of
/// the IR until an op that is not folded needs it, so shape computations disappear at import).
/// ONNX sequences and optionals are resolved at import too: a sequence is the list of its
/// element values, an optional its value or nothing (docs/design.md, "Sequences and optionals").
indirect enum Imported {
    case value(Value)
    /// Known at import time (a Constant node, a folded result, shape data). `name` is the ONNX
    /// name it is materialized under when a node input refers to it (nil for intermediates).
    case constant(Tensor, name: String? = nil)
    /// An initializer or bound input: its little-endian bytes (a slice of the model or of the
    /// memory-mapped external data, never copied until a fold reads them). `name` as for
    /// `constant`.
    case initializer(TensorType, Data, name: String? = nil)
    /// An ONNX sequence of a length known at import: its elements in order (tensors, or
    /// sequences for a sequence of sequences); `element` is the element tensors' type when
    /// known (SequenceEmpty's dtype, a declared type), for messages and empty sequences.
    case sequence([Imported], element: ScalarType?)
    /// An ONNX optional resolved at import: its value, or nil when it holds none.
    case optional(Imported?)

    /// The tensor type. Only for tensors: ``NodeContext`` hands importers tensors only (a
    /// sequence or optional given to a tensor input is an import error naming the node).
    var type: TensorType {
        switch self {
        case .value(let v): return v.type
        case .constant(let t, _): return TensorType(.scalar(t.dtype), t.shape)
        case .initializer(let t, _, _): return t
        case .sequence, .optional: preconditionFailure("\(kindDescription) used as a tensor (NodeContext checks this)")
        }
    }

    /// Whether this is a tensor (not a sequence or optional).
    var isTensor: Bool {
        switch self {
        case .value, .constant, .initializer: return true
        case .sequence, .optional: return false
        }
    }

    /// What kind of value this is, for messages: `a tensor`, `a sequence of 3 tensors`, `an empty optional`.
    var kindDescription: String {
        switch self {
        case .value, .constant, .initializer: return "a tensor"
        case .sequence(let items, _):
            let kind = items.first.map { $0.isTensor ? "tensor" : "sequence" } ?? "tensor"
            return "a sequence of \(items.count) \(kind)\(items.count == 1 ? "" : "s")"
        case .optional(nil): return "an empty optional"
        case .optional(let v?): return "an optional holding \(v.kindDescription)"
        }
    }

    /// The contents when known at import time (initializer bytes are copied into a tensor).
    var tensor: Tensor? {
        switch self {
        case .value, .sequence, .optional: return nil
        case .constant(let t, _): return t
        case .initializer(let type, let data, _):
            guard case .scalar(let s) = type.element, let shape = type.staticShape else { return nil }
            return try? Tensor(bytes: [UInt8](data), dtype: s, shape: shape)
        }
    }

    /// Whether the contents are known at import time.
    /// Whether this is an initializer of a floating-point type (a weight, not shape data).
    var isFloatInitializer: Bool {
        if case .initializer(let type, _, _) = self, case .scalar(let s) = type.element { return s.isFloatingPoint }
        return false
    }

    var isKnown: Bool {
        switch self {
        case .constant, .initializer: return true
        case .value, .sequence, .optional: return false
        }
    }

    /// The ONNX name the known contents came from (a node input), if any.
    var origin: String? {
        switch self {
        case .value, .sequence, .optional: return nil
        case .constant(_, let name), .initializer(_, _, let name): return name
        }
    }

    /// The same known contents, tagged with the ONNX name they are materialized under.
    func named(_ name: String) -> Imported {
        switch self {
        case .value, .sequence, .optional: return self
        case .constant(let t, _): return .constant(t, name: name)
        case .initializer(let type, let data, _): return .initializer(type, data, name: name)
        }
    }
}

/// How one ONNX operator imports, for the operator definitions listed in `versions`
/// (the opsets in which ONNX changed the operator, as in `onnxSchemaVersions`). Importers emit
/// Edge IR ops through ``NodeContext/apply(_:_:_:resultTypes:foldLimit:)``, which evaluates an
/// op with its evaluation facet instead when its operands are known at import time.
struct OpImporter: Sendable {
    /// The ONNX operator name (`Conv`).
    let opType: String
    /// The ONNX definitions this importer implements, by their `since_version`.
    let versions: [Int]
    /// Emits IR (or folds) for the node and returns its outputs.
    let run: @Sendable (NodeContext) throws -> [Imported]

    init(_ opType: String, _ versions: [Int], _ run: @escaping @Sendable (NodeContext) throws -> [Imported]) {
        self.opType = opType
        self.versions = versions
        self.run = run
    }
}

/// The table of ONNX operator importers; each file under Importers/ adds its group.
enum ONNXOps {
    /// The most elements an import-time fold may produce (shape computations are small; larger
    /// constant expressions are left to the fold-constants pass).
    static let foldLimit = 1 << 16

    /// Ops whose evaluation only reinterprets the shape: they fold at import at any size.
    static let viewOps: Set<String> = [Ops.reshape.name, Ops.flatten.name, Ops.squeeze.name, Ops.unsqueeze.name]

    static let all: [OpImporter] = elementwise + unary + convolution + normalization + linearAlgebra + einsum
        + shapes + indexing + reductions + resizing + activations + attention + losses + cumulative
        + controlFlow + recurrent + quantization + sequences + rearrangement + lpNorms + bitwise + moreMath + products + scatters + selection

    private static let byType: [String: [OpImporter]] = Dictionary(grouping: all, by: \.opType)

    /// The ONNX definition (its since-version) that `opset` selects for `opType`, when ONNX knows the op.
    static func schemaVersion(_ opType: String, opset: Int) -> Int? {
        onnxSchemaVersions[opType]?.last { $0 <= opset }
    }

    /// The importer for `opType` at `opset`, or nil when edgec does not support that definition.
    static func lookup(_ opType: String, opset: Int) -> (importer: OpImporter, version: Int)? {
        guard let v = schemaVersion(opType, opset: opset), let entries = byType[opType] else { return nil }
        guard let e = entries.first(where: { $0.versions.contains(v) }) else { return nil }
        return (e, v)
    }

    /// Every supported operator with the opsets from which each importer applies (for docs).
    static var supportTable: [(opType: String, versions: [[Int]])] {
        byType.keys.sorted().map { k in (k, byType[k]!.map(\.versions)) }
    }
}
