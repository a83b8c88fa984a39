import EdgeKernels

/// How many values an operand slot takes.
public enum OperandArity: Sendable, Hashable {
    case single
    /// May be absent (printed as `none` when a later operand is present).
    case optional
    /// Zero or more values; only the last slot may be variadic.
    case variadic
}

/// One declared operand of an op.
public struct OperandSpec: Sendable {
    public var name: String
    public var arity: OperandArity
    public var summary: String

    public init(_ name: String, _ arity: OperandArity = .single, _ summary: String = "") {
        self.name = name
        self.arity = arity
        self.summary = summary
    }
}

/// One declared attribute of an op.
public struct AttributeSpec: Sendable {
    public enum Presence: Sendable, Hashable {
        case required
        case optional
        case defaulted(Attribute)
    }

    public var name: String
    public var kind: AttributeKind
    public var presence: Presence
    public var summary: String

    public init(_ name: String, _ kind: AttributeKind, _ presence: Presence = .required, _ summary: String = "") {
        self.name = name
        self.kind = kind
        self.presence = presence
        self.summary = summary
    }

    public var defaultValue: Attribute? {
        if case .defaulted(let a) = presence { return a }
        return nil
    }
}

/// Properties of an op that passes rely on.
public struct OpTraits: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// No side effects: an unused result means the op can be removed.
    public static let pure = OpTraits(rawValue: 1 << 0)
    /// Ends a block.
    public static let terminator = OpTraits(rawValue: 1 << 1)
    /// Operands may be swapped.
    public static let commutative = OpTraits(rawValue: 1 << 2)
    /// Applied per element with numpy broadcasting of its operands.
    public static let elementwise = OpTraits(rawValue: 1 << 3)
    /// Produces a constant from attributes only.
    public static let constantLike = OpTraits(rawValue: 1 << 4)
}

/// How many results an op yields.
public enum ResultArity: Sendable, Hashable {
    case fixed(Int)
    /// As many as the op instance declares (e.g. split).
    case variadic
}

/// A type-inference or verification failure of one op, before it is tied to a location.
public struct OpError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a type rule or verifier sees of one op instance.
public struct OpContext {
    public let definition: OpDefinition
    /// Operand types per declared slot (a variadic slot holds all of its values).
    public let operandTypes: [[TensorType]]
    public let attributes: [String: Attribute]
    /// The result types written on the op (the op's own, or those about to be created).
    public let declaredResultTypes: [TensorType]?
    /// The module's blobs, when known, for checking constants.
    public let blobs: BlobStore?
    /// The signatures of the module's functions, when known, for ops that call one.
    public var callees: [String: FunctionSignature]? = nil

    /// The type of the single operand in slot `name`; nil when the optional is absent.
    public func type(_ name: String) -> TensorType? {
        guard let i = definition.operands.firstIndex(where: { $0.name == name }) else { return nil }
        return operandTypes[i].first
    }

    /// The types in a variadic slot.
    public func types(_ name: String) -> [TensorType] {
        guard let i = definition.operands.firstIndex(where: { $0.name == name }) else { return [] }
        return operandTypes[i]
    }

    /// The attribute value (explicit or default).
    public func attribute(_ name: String) -> Attribute? {
        attributes[name] ?? definition.attribute(named: name)?.defaultValue
    }

    public func int(_ name: String) -> Int? { attribute(name)?.intValue.map { Int($0) } }
    public func float(_ name: String) -> Double? { attribute(name)?.floatValue }
    public func bool(_ name: String) -> Bool? { attribute(name)?.boolValue }
    public func ints(_ name: String) -> [Int]? { attribute(name)?.intsValue?.map { Int($0) } }
}

/// Evaluates an op on constant operands (grouped by declared slot, as in ``OpContext``)
/// with EdgeKernels, the kernels the runtime runs, so folding and running agree. The
/// context's `declaredResultTypes` are the op's result types. Throws when the kernel does
/// not support the operands (the op is then left alone).
public typealias OpEvaluator = @Sendable (_ operands: OperandValues, _ context: OpContext) throws -> [Tensor]

/// Constant operand values of one op, grouped by declared slot.
public struct OperandValues: Sendable {
    public let definition: OpDefinition
    /// Tensors per declared slot (an absent optional is empty; a variadic slot holds all).
    public let groups: [[Tensor]]

    public init(definition: OpDefinition, groups: [[Tensor]]) {
        self.definition = definition
        self.groups = groups
    }

    /// The tensor in slot `name`; nil when the optional is absent.
    public func tensor(_ name: String) -> Tensor? {
        guard let i = definition.operands.firstIndex(where: { $0.name == name }) else { return nil }
        return groups[i].first
    }

    /// The tensors in a variadic slot.
    public func tensors(_ name: String) -> [Tensor] {
        guard let i = definition.operands.firstIndex(where: { $0.name == name }) else { return [] }
        return groups[i]
    }

    /// The first operand (present in every op that has operands).
    public var first: Tensor { groups[0][0] }
}

/// The single declaration of an op: name, documentation, signature, attributes with
/// defaults, traits, its result-type rule and (when a kernel exists) its evaluation.
/// Everything that lists ops (the parser,
/// `edgec list-ops`, docs/ops.md) derives from these declarations.
public final class OpDefinition: Sendable {
    /// The op's printed name, e.g. `edge.conv2d`.
    public let name: String
    /// One line that says what the op computes.
    public let summary: String
    /// The semantics this op follows (e.g. an ATen schema or ONNX operator page).
    public let reference: String
    public let operands: [OperandSpec]
    public let attributes: [AttributeSpec]
    public let results: ResultArity
    public let traits: OpTraits
    /// Computes the result types from operand types and attributes, or throws why not.
    public let inferTypes: @Sendable (OpContext) throws(OpError) -> [TensorType]
    /// Computes the results from constant operands with the runtime's kernels (EdgeKernels),
    /// for constant folding; nil when the op has no kernel yet (it is then never folded).
    public let evaluate: OpEvaluator?

    public init(
        _ name: String,
        summary: String,
        reference: String = "",
        operands: [OperandSpec] = [],
        attributes: [AttributeSpec] = [],
        results: ResultArity = .fixed(1),
        traits: OpTraits = [.pure],
        evaluate: OpEvaluator? = nil,
        inferTypes: @escaping @Sendable (OpContext) throws(OpError) -> [TensorType]
    ) {
        self.name = name
        self.summary = summary
        self.reference = reference
        self.operands = operands
        self.attributes = attributes
        self.results = results
        self.traits = traits
        self.inferTypes = inferTypes
        self.evaluate = evaluate
    }

    public func attribute(named name: String) -> AttributeSpec? {
        attributes.first { $0.name == name }
    }

    /// Groups a flat operand list into declared slots, or throws when the count does not fit.
    public func groupOperands<T>(_ flat: [T?]) throws(OpError) -> [[T]] {
        let fixedCount = operands.filter { $0.arity != .variadic }.count
        let hasVariadic = operands.last?.arity == .variadic
        if !hasVariadic && flat.count > operands.count {
            throw OpError("takes at most \(operands.count) operand\(operands.count == 1 ? "" : "s"), got \(flat.count)")
        }
        var groups: [[T]] = []
        for (i, spec) in operands.enumerated() {
            switch spec.arity {
            case .variadic:
                groups.append(i < flat.count ? flat[i...].compactMap { $0 } : [])
                if flat[min(i, flat.count)...].contains(where: { $0 == nil }) {
                    throw OpError("variadic operand '\(spec.name)' cannot contain 'none'")
                }
            case .single:
                guard i < flat.count, let v = flat[i] else {
                    throw OpError("missing operand '\(spec.name)' (#\(i)); expects \(signatureDescription)")
                }
                groups.append([v])
            case .optional:
                groups.append(i < flat.count ? (flat[i].map { [$0] } ?? []) : [])
            }
        }
        _ = fixedCount
        return groups
    }

    /// The operand list as written in docs: `(input, weight, bias?)`.
    public var signatureDescription: String {
        "(" + operands.map { op in
            switch op.arity {
            case .single: return op.name
            case .optional: return op.name + "?"
            case .variadic: return op.name + "..."
            }
        }.joined(separator: ", ") + ")"
    }
}
