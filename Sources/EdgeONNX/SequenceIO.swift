import EdgeIR
import EdgeKernels
import Foundation

/// ONNX sequences and optionals at the edges of a graph (docs/design.md, "Sequences and
/// optionals"). Edge IR has tensors only, so the importer resolves every sequence to a list of
/// tensor values of a length known at compile time and every optional to present or absent.
/// A graph input of such a type becomes its tensor leaves: `seq` with 3 elements is the three
/// program inputs `seq.0`, `seq.1`, `seq.2`; an optional tensor `opt` is the input `opt` when
/// present and no input when absent. Outputs flatten the same way. The lengths and the absent
/// optionals come from the caller (``ONNXImportOptions/sequenceLengths``,
/// ``ONNXImportOptions/absentInputs``: `--sequence-length`, `--absent` on the command line,
/// the test data's SequenceProto/OptionalProto in the conformance runner).

/// The kind of an ONNX value, from its `TypeProto`.
public indirect enum ONNXValueKind: Sendable, Equatable, CustomStringConvertible {
    case tensor
    case sequence(ONNXValueKind)
    case optional(ONNXValueKind)
    case map
    case sparseTensor
    case opaque
    /// No type given (subgraph inputs may leave it out).
    case unknown

    init(_ t: Onnx_TypeProto) {
        switch t.value {
        case .tensorType?: self = .tensor
        case .sequenceType(let s)?: self = .sequence(s.hasElemType ? ONNXValueKind(s.elemType) : .unknown)
        case .optionalType(let o)?: self = .optional(o.hasElemType ? ONNXValueKind(o.elemType) : .unknown)
        case .mapType?: self = .map
        case .sparseTensorType?: self = .sparseTensor
        case .opaqueType?: self = .opaque
        case nil: self = .unknown
        }
    }

    public var description: String {
        switch self {
        case .tensor: return "tensor"
        case .sequence(let e): return "sequence of \(e)"
        case .optional(let e): return "optional \(e)"
        case .map: return "map"
        case .sparseTensor: return "sparse tensor"
        case .opaque: return "opaque value"
        case .unknown: return "value of unknown type"
        }
    }

    /// The name of element `index` of the sequence or optional named `name` once flattened.
    public static func elementName(_ name: String, _ index: Int) -> String { "\(name).\(index)" }
}

/// How one graph input of the model resolves: its tensor leaves (names and declared types) and
/// how they assemble into the value the graph sees.
struct GraphInputStructure {
    struct Leaf {
        var name: String
        var type: Onnx_TypeProto
    }

    indirect enum Shape {
        case tensor(String)
        case sequence([Shape], element: ScalarType?)
        case optional(Shape?)
    }

    let name: String
    let shape: Shape
    private(set) var leaves: [Leaf] = []
    /// The (flattened) names of the sequences and of the optionals it resolved.
    private(set) var sequenceNames: [String] = []
    private(set) var optionalNames: [String] = []

    init(name: String, type: Onnx_TypeProto, options: ONNXImportOptions) throws {
        self.name = name
        var leaves: [Leaf] = [], sequences: [String] = [], optionals: [String] = []
        func resolve(_ name: String, _ type: Onnx_TypeProto, _ what: String) throws -> Shape {
            switch ONNXValueKind(type) {
            case .tensor:
                leaves.append(Leaf(name: name, type: type))
                return .tensor(name)
            case .sequence:
                let elem = type.sequenceType.elemType
                guard let n = options.sequenceLengths[name] else {
                    throw ImportError("\(what) is a \(ONNXValueKind(type)); edgec compiles sequences of a length known at compile time: give it with --sequence-length \(name)=N (its elements become the inputs \(ONNXValueKind.elementName(name, 0)), \(ONNXValueKind.elementName(name, 1)), ...)")
                }
                guard n >= 0 else { throw ImportError("--sequence-length \(name)=\(n) is negative") }
                sequences.append(name)
                let element: ScalarType? = elem.isTensor ? try? ONNXType.require(elem.tensorType.elemType, what) : nil
                let items = try (0..<n).map { i in
                    try resolve(ONNXValueKind.elementName(name, i), elem, "element \(i) of \(what)")
                }
                return .sequence(items, element: element)
            case .optional:
                optionals.append(name)
                if options.absentInputs.contains(name) { return .optional(nil) }
                return .optional(try resolve(name, type.optionalType.elemType, what))
            case .map: throw ImportError("\(what) is a map, which edgec does not support")
            case .sparseTensor: throw ImportError("\(what) is a sparse tensor, which edgec does not support")
            case .opaque: throw ImportError("\(what) is an opaque value, which edgec does not support")
            case .unknown: throw ImportError("\(what) has no type")
            }
        }
        let what = "graph input \"\(name)\""
        shape = try resolve(name, type, what)
        if options.sequenceLengths[name] != nil, case .tensor = shape {
            throw ImportError("--sequence-length names \(what), which is a tensor, not a sequence")
        }
        if options.absentInputs.contains(name), case .optional = ONNXValueKind(type) {} else if options.absentInputs.contains(name) {
            throw ImportError("--absent names \(what), which is not an optional")
        }
        self.leaves = leaves
        self.sequenceNames = sequences
        self.optionalNames = optionals
    }

    /// Fails when `options` name a sequence length or absent optional that no input has.
    static func checkOptions(_ options: ONNXImportOptions, _ structures: [GraphInputStructure]) throws {
        let sequences = Set(structures.flatMap(\.sequenceNames)), optionals = Set(structures.flatMap(\.optionalNames))
        if let unknown = options.sequenceLengths.keys.filter({ !sequences.contains($0) }).sorted().first {
            throw ImportError("--sequence-length names \"\(unknown)\", which is not a sequence input (sequences: \(sequences.isEmpty ? "none" : sequences.sorted().map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
        if let unknown = options.absentInputs.filter({ !optionals.contains($0) }).sorted().first {
            throw ImportError("--absent names \"\(unknown)\", which is not an optional input (optionals: \(optionals.isEmpty ? "none" : optionals.sorted().map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
    }

    /// The value the graph sees, from the leaves' values.
    func value(_ leaves: [String: Imported]) -> Imported {
        func build(_ s: Shape) -> Imported {
            switch s {
            case .tensor(let n): return leaves[n]!
            case .sequence(let items, let element): return .sequence(items.map(build), element: element)
            case .optional(let inner): return .optional(inner.map(build))
            }
        }
        return build(shape)
    }

    /// The tensor leaves of `v` with their flattened names (an output's results).
    static func flatten(_ v: Imported, name: String) throws -> [(String, Imported)] {
        switch v {
        case .value, .constant, .initializer: return [(name, v)]
        case .sequence(let items, _):
            return try items.enumerated().flatMap { i, item in try flatten(item, name: ONNXValueKind.elementName(name, i)) }
        case .optional(nil): return []
        case .optional(let inner?): return try flatten(inner, name: name)
        }
    }
}

extension GraphImporter {
    /// Checks that `v` is of the kind `declared` says (a tensor where a tensor is declared, a
    /// sequence where a sequence is, ...); an undeclared type accepts anything.
    static func checkKind(_ v: Imported, declared: Onnx_TypeProto, _ what: String) throws {
        func matches(_ v: Imported, _ kind: ONNXValueKind) -> Bool {
            switch (kind, v) {
            case (.unknown, _): return true
            case (.tensor, _): return v.isTensor
            case (.sequence(let e), .sequence(let items, _)): return items.allSatisfy { matches($0, e) }
            case (.optional, .optional(nil)): return true
            case (.optional(let e), .optional(let inner?)): return matches(inner, e)
            default: return false
            }
        }
        let kind = ONNXValueKind(declared)
        guard matches(v, kind) else { throw ImportError("\(what) is declared a \(kind) but is \(v.kindDescription)") }
    }

    /// The IR value of a tensor leaf `v` of a graph output named `name`: known contents
    /// become a constant (shared with the ONNX name they came from, when visible).
    func materialize(_ v: Imported, name: String) throws -> Value {
        if case .value(let x) = v { return x }
        if let origin = v.origin, values[origin] != nil { return try materialize(origin) }
        let data: Data
        switch v {
        case .initializer(_, let d, _): data = d
        case .constant(let t, _): data = Data(t.bytes())
        default: throw ImportError("graph output \"\(name)\" is \(v.kindDescription), not a tensor")
        }
        do throws(OpError) {
            return try builder.constant(data, type: v.type, name: name, location: .name(name))
        } catch {
            throw ImportError("constant \"\(name)\": \(error.message)")
        }
    }
}
