import EdgeKernels

extension Ops {
    public static let matmul = OpDefinition(
        "edge.matmul",
        summary: "Matrix product with numpy semantics: 1-D operands are promoted, batch dims broadcast.",
        reference: "aten::matmul / numpy.matmul",
        operands: [OperandSpec("lhs"), OperandSpec("rhs")],
        evaluate: { v, _ in [try MatMul.run(v.groups[0][0], v.groups[1][0], config: .folding)] }
    ) { ctx throws(OpError) in
        let a = ctx.type("lhs")!, b = ctx.type("rhs")!
        let element = try ShapeRules.sameElement([a, b], "matmul")
        guard a.rank >= 1, b.rank >= 1 else { throw OpError("matmul operands must have rank 1 or more") }
        let aShape = a.rank == 1 ? [Dim.known(1)] + a.shape : a.shape
        let bShape = b.rank == 1 ? b.shape + [Dim.known(1)] : b.shape
        let k1 = aShape[aShape.count - 1], k2 = bShape[bShape.count - 2]
        try ShapeRules.requireEqual(k1, k2, "contracted dimensions differ (\(TypeText.type(a)) x \(TypeText.type(b)))")
        let batch = try ShapeRules.broadcast(Array(aShape.dropLast(2)), Array(bShape.dropLast(2)))
        var out = batch
        if a.rank > 1 { out.append(aShape[aShape.count - 2]) }
        if b.rank > 1 { out.append(bShape[bShape.count - 1]) }
        return [TensorType(element, out)]
    }

    public static let linear = OpDefinition(
        "edge.linear",
        summary: "input · weightᵀ + bias, with weight [out, in] and any leading batch dims.",
        reference: "aten::linear",
        operands: [OperandSpec("input", .single, "[..., in]"), OperandSpec("weight", .single, "[out, in]"), OperandSpec("bias", .optional, "[out]")],
        attributes: [fusedActivationAttribute],
        evaluate: { v, ctx in [try applyFusedActivation(try Linear.run(v.first, weight: v.tensor("weight")!, bias: v.tensor("bias"), config: .folding), ctx)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, w = ctx.type("weight")!
        let element = try ShapeRules.sameElement([x, w], "linear")
        try checkFusedActivation(ctx)
        guard x.rank >= 1 else { throw OpError("input must have rank 1 or more") }
        try ShapeRules.requireRank(w, 2, "weight")
        try ShapeRules.requireEqual(x.shape[x.rank - 1], w.shape[1], "input features must equal weight columns")
        if let b = ctx.type("bias") {
            try ShapeRules.requireRank(b, 1, "bias")
            try ShapeRules.requireEqual(b.shape[0], w.shape[0], "bias size must equal weight rows")
            guard b.element == element else { throw OpError("bias element type must match the input") }
        }
        return [TensorType(element, Array(x.shape.dropLast()) + [w.shape[0]])]
    }
}
