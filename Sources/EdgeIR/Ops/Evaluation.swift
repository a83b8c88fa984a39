import EdgeKernels

// Shared pieces of the ops' evaluation facets: each declaration names the EdgeKernels kernel
// that computes it (see `OpDefinition.evaluate`); these helpers adapt attributes to kernel
// parameters. An op without a kernel has no facet and is never folded.

extension ScalarType {
    /// The EdgeKernels element type with the same storage.
    public var kernelType: DType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .f64: return .f64
        case .i8: return .i8
        case .u8: return .u8
        case .i16: return .i16
        case .i32: return .i32
        case .i64: return .i64
        case .bool: return .bool
        }
    }
}

/// Why an op could not be evaluated (missing attribute, unsupported form).
struct EvaluationError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension OpContext {
    /// The static shape of result `i`, as the op declares it.
    func resultShape(_ i: Int = 0) throws -> [Int] {
        guard let types = declaredResultTypes, i < types.count, let shape = types[i].staticShape else {
            throw EvaluationError("result \(i) has no static shape")
        }
        return shape
    }

    /// An attribute that must be present.
    func required<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else { throw EvaluationError("missing attribute '\(name)'") }
        return value
    }
}

extension Ops {
    /// Evaluates a broadcasting binary op with ``Binary``.
    static func evaluateBinary(_ op: BinaryOp) -> OpEvaluator {
        { v, _ in [try Binary.run(op, v.groups[0][0], v.groups[1][0])] }
    }

    /// Evaluates a unary op with ``Unary``.
    static func evaluateUnary(_ op: UnaryOp) -> OpEvaluator {
        { v, _ in [try Unary.run(op, v.first)] }
    }

    /// Evaluates an op that only reinterprets the shape (reshape, flatten, squeeze, unsqueeze)
    /// with ``Reshape`` to the declared result shape.
    static let evaluateAsReshape: OpEvaluator = { v, ctx in [try Reshape.run(v.first, shape: try ctx.resultShape())] }

    /// Evaluates a reduction with ``Reduce``.
    static func evaluateReduce(_ op: ReduceOp) -> OpEvaluator {
        { v, ctx in [try Reduce.run(op, v.first, axes: try ctx.required(ctx.ints("axes"), "axes"), keepDims: ctx.bool("keepdim") ?? false)] }
    }
}

extension Operation {
    /// Evaluates this op with its declaration's kernel on `operands` (one tensor per operand,
    /// nil for an absent optional). Returns nil when the op has no evaluation facet; throws
    /// when the kernel rejects the operands.
    public func evaluate(_ operands: [Tensor?]) throws -> [Tensor]? {
        guard let evaluate = definition.evaluate else { return nil }
        let groups = try definition.groupOperands(operands)
        let types = try definition.groupOperands(self.operands.map { $0?.type })
        let context = OpContext(definition: definition, operandTypes: types, attributes: attributes,
                                declaredResultTypes: results.map(\.type), blobs: block?.parentFunction?.module?.blobs)
        return try evaluate(OperandValues(definition: definition, groups: groups), context)
    }
}

extension Ops {
    /// The activations conv2d and linear may apply to their result (`fused_activation`).
    public static let fusedActivations = ["none", "relu", "relu6"]

    /// The `fused_activation` attribute of conv2d and linear.
    static let fusedActivationAttribute = AttributeSpec(
        "fused_activation", .string, .defaulted(.string("none")),
        "\"none\", \"relu\" or \"relu6\", applied to the result (set by fuse-activation)")

    /// Checks the `fused_activation` attribute.
    static func checkFusedActivation(_ ctx: OpContext) throws(OpError) {
        let name = ctx.attribute("fused_activation")?.stringValue ?? ""
        guard fusedActivations.contains(name) else {
            throw OpError("fused_activation \"\(name)\" must be one of \(fusedActivations.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// Applies the op's `fused_activation` to an evaluated result.
    static func applyFusedActivation(_ t: Tensor, _ ctx: OpContext) throws -> Tensor {
        switch ctx.attribute("fused_activation")?.stringValue ?? "none" {
        case "relu": return try Unary.run(.relu, t)
        case "relu6": return try Unary.run(.clamp(min: 0, max: 6), t)
        default: return t
        }
    }
}
