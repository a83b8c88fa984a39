import EdgeKernels

// Shared pieces of the ops' evaluation facets: each declaration names the EdgeKernels kernel
// that computes it (see `OpDefinition.evaluate`); these helpers adapt attributes to kernel
// parameters. An op without a kernel has no facet and is never folded.

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

    /// Evaluates `pow`, `maximum` or `minimum` with ``BinaryMath``.
    static func evaluateBinaryMath(_ op: BinaryMathOp) -> OpEvaluator {
        { v, _ in [try BinaryMath.run(op, v.groups[0][0], v.groups[1][0])] }
    }

    /// Evaluates a unary math or activation op with ``Math``.
    static func evaluateMath(_ op: MathOp) -> OpEvaluator {
        { v, _ in [try Math.run(op, v.first, config: .folding)] }
    }

    /// Evaluates a unary op with ``Unary``.
    static func evaluateUnary(_ op: UnaryOp) -> OpEvaluator {
        { v, _ in [try Unary.run(op, v.first)] }
    }

    /// Evaluates an op that only reinterprets the shape (reshape, flatten, squeeze, unsqueeze)
    /// with ``Reshape`` to the declared result shape.
    static let evaluateAsReshape: OpEvaluator = { v, ctx in [try Reshape.run(v.first, shape: try ctx.resultShape())] }

    /// Evaluates `amax` / `amin` with ``AMax``.
    static func evaluateExtreme(_ which: Extreme) -> OpEvaluator {
        { v, ctx in [try AMax.run(which, v.first, axes: try ctx.required(ctx.ints("axes"), "axes"), keepDims: ctx.bool("keepdim") ?? false)] }
    }

    /// Evaluates a reduction with ``Reduce``.
    static func evaluateReduce(_ op: ReduceOp) -> OpEvaluator {
        { v, ctx in [try Reduce.run(op, v.first, axes: try ctx.required(ctx.ints("axes"), "axes"), keepDims: ctx.bool("keepdim") ?? false)] }
    }
}

extension OpDefinition {
    /// The result types of an instance of this op with the given operand types and attributes,
    /// after checking the attributes against the declaration (as creating the op does).
    /// `resultTypes` may refine the inferred types (anonymous dims), never contradict them.
    public func resultTypes(_ operandTypes: [TensorType?], attributes: [String: Attribute], resultTypes: [TensorType]? = nil,
                            blobs: BlobStore? = nil, callees: [String: FunctionSignature]? = nil) throws(OpError) -> [TensorType] {
        for (name, value) in attributes {
            guard let spec = attribute(named: name) else { throw OpError("\(self.name) has no attribute '\(name)'") }
            guard spec.kind == value.kind else {
                throw OpError("attribute '\(name)' of \(self.name) must be \(spec.kind.displayName), got \(value.kind.displayName)")
            }
        }
        for spec in self.attributes where spec.presence == .required && attributes[spec.name] == nil {
            throw OpError("\(self.name) needs attribute '\(spec.name)'")
        }
        let ctx = OpContext(definition: self, operandTypes: try groupOperands(operandTypes), attributes: attributes,
                            declaredResultTypes: resultTypes, blobs: blobs, callees: callees)
        let types = try inferTypes(ctx)
        guard let given = resultTypes else { return types }
        guard given.count == types.count, zip(given, types).allSatisfy({ $0.refines($1) || $1.refines($0) }) else {
            throw OpError("\(self.name): given result types \(given.map(TypeText.type)) do not match inferred \(types.map(TypeText.type))")
        }
        // Each dim as the better known of the two: a given anonymous dim takes the inferred one
        // (an importer's `?` where inference names the bounded symbol).
        return zip(given, types).map { g, t in
            g.refines(t) ? g : TensorType(g.element, zip(g.shape, t.shape).map { $0 == .unknown ? $1 : $0 })
        }
    }

    /// Evaluates an instance of this op on constant operands without creating it (import-time
    /// folding): the operands and attributes are checked and the result types inferred as
    /// creating the op would (throwing the same ``OpError``), then the evaluation facet runs.
    /// Returns nil when the op has no facet, a result type is not static, or the kernel rejects
    /// the operands or does not produce exactly the inferred types (the op is then emitted).
    public func evaluate(_ operands: [Tensor?], attributes: [String: Attribute] = [:],
                         resultTypes declared: [TensorType]? = nil) throws(OpError) -> [Tensor]? {
        guard let evaluate else { return nil }
        let operandTypes = operands.map { $0.map { TensorType(.scalar($0.dtype), $0.shape) } }
        let types = try resultTypes(operandTypes, attributes: attributes, resultTypes: declared)
        guard types.allSatisfy({ $0.staticShape != nil && $0.element == .scalar($0.element.storage) }) else { return nil }
        let groups = try groupOperands(operands)
        let context = OpContext(definition: self, operandTypes: try groupOperands(operandTypes), attributes: attributes,
                                declaredResultTypes: types, blobs: nil)
        guard let out = try? evaluate(OperandValues(definition: self, groups: groups), context), out.count == types.count,
              zip(out, types).allSatisfy({ t, type in t.dtype == type.element.storage && t.shape == type.staticShape }) else { return nil }
        return out
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
