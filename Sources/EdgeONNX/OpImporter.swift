import EdgeIR

/// What a node output imports as: an IR value, or a tensor known at import time (kept out of
/// the IR until an op needs it, so shape computations disappear at import).
enum Imported {
    case value(Value)
    case constant(ConstTensor)
}

/// How one ONNX operator imports, for the operator definitions listed in `versions`
/// (the opsets in which ONNX changed the operator, as in `onnxSchemaVersions`).
struct OpImporter: Sendable {
    /// The ONNX operator name (`Conv`).
    let opType: String
    /// The ONNX definitions this importer implements, by their `since_version`.
    let versions: [Int]
    /// Computes the outputs at import time when all inputs are known; nil when it cannot.
    let fold: (@Sendable (NodeContext) throws -> [ConstTensor]?)?
    /// Emits IR for the node and returns its outputs.
    let run: @Sendable (NodeContext) throws -> [Imported]

    init(_ opType: String, _ versions: [Int],
         fold: (@Sendable (NodeContext) throws -> [ConstTensor]?)? = nil,
         _ run: @escaping @Sendable (NodeContext) throws -> [Imported]) {
        self.opType = opType
        self.versions = versions
        self.fold = fold
        self.run = run
    }
}

/// The table of ONNX operator importers; each file under Importers/ adds its group.
enum ONNXOps {
    static let all: [OpImporter] = elementwise + unary + convolution + normalization + linearAlgebra + einsum
        + shapes + indexing + reductions + resizing + activations + attention + losses

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
