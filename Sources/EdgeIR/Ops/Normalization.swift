import EdgeKernels

extension Ops {
    public static let layerNorm = OpDefinition(
        "edge.layer_norm",
        summary: "Normalizes over the trailing dims `normalized_shape`, then scales and shifts.",
        reference: "aten::native_layer_norm",
        operands: [OperandSpec("input"), OperandSpec("weight", .optional, "normalized_shape"), OperandSpec("bias", .optional, "normalized_shape")],
        attributes: [
            AttributeSpec("normalized_shape", .ints, .required, "the trailing dims to normalize over"),
            AttributeSpec("epsilon", .float, .defaulted(.float(1e-5))),
        ],
        evaluate: { v, ctx in
            [try LayerNorm.run(v.first, normalizedShape: try ctx.required(ctx.ints("normalized_shape"), "normalized_shape"),
                               weight: v.tensor("weight"), bias: v.tensor("bias"), epsilon: try ctx.required(ctx.float("epsilon"), "epsilon"))]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        let ns = ctx.ints("normalized_shape")!
        guard !ns.isEmpty, ns.count <= x.rank else { throw OpError("normalized_shape \(ns) must list 1...\(x.rank) trailing dims") }
        for (i, n) in ns.enumerated() {
            try ShapeRules.requireEqual(x.shape[x.rank - ns.count + i], .known(n), "normalized_shape \(ns) differs from the input's trailing dims")
        }
        for name in ["weight", "bias"] {
            guard let t = ctx.type(name) else { continue }
            guard t.staticShape == ns, t.element == x.element else {
                throw OpError("\(name) must be \(TypeText.type(TensorType(x.element, ns))), got \(TypeText.type(t))")
            }
        }
        return [x]
    }

    public static let groupNorm = OpDefinition(
        "edge.group_norm",
        summary: "Normalizes each group of channels (dim 1) over the group and all spatial dims, then scales and shifts per channel.",
        reference: "aten::native_group_norm",
        operands: [OperandSpec("input", .single, "[N, C, ...]"), OperandSpec("weight", .optional, "[C]"), OperandSpec("bias", .optional, "[C]")],
        attributes: [AttributeSpec("groups", .int, .required), AttributeSpec("epsilon", .float, .defaulted(.float(1e-5)))],
        evaluate: { v, ctx in
            [try GroupNorm.run(v.first, weight: v.tensor("weight"), bias: v.tensor("bias"), groups: try ctx.required(ctx.int("groups"), "groups"),
                               epsilon: try ctx.required(ctx.float("epsilon"), "epsilon"))]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        guard x.rank >= 2 else { throw OpError("input must have rank 2 or more, got \(TypeText.type(x))") }
        let groups = ctx.int("groups")!
        guard groups >= 1 else { throw OpError("groups must be at least 1") }
        if let c = x.shape[1].value, c % groups != 0 { throw OpError("\(c) channels do not divide into \(groups) groups") }
        for name in ["weight", "bias"] {
            guard let t = ctx.type(name) else { continue }
            try ShapeRules.requireRank(t, 1, name)
            try ShapeRules.requireEqual(t.shape[0], x.shape[1], "\(name) size must equal the channel count")
            guard t.element == x.element else { throw OpError("\(name) element type must match the input") }
        }
        return [x]
    }
}
