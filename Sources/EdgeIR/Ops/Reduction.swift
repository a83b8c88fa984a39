extension Ops {
    public static let softmax = OpDefinition(
        "edge.softmax",
        summary: "exp(x) / sum(exp(x)) along one axis.",
        reference: "aten::_softmax",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("axis", .int, .defaulted(.int(-1)))]
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        _ = try ShapeRules.axis(ctx.int("axis")!, rank: x.rank)
        return [x]
    }

    public static let mean = OpDefinition(
        "edge.mean",
        summary: "Mean over the listed axes (all axes when empty), optionally keeping them as size 1.",
        reference: "aten::mean.dim",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("axes", .ints, .defaulted(.ints([])), "axes to reduce; empty reduces all"),
            AttributeSpec("keepdim", .bool, .defaulted(.bool(false))),
        ]
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        var axes = Set<Int>()
        for a in ctx.ints("axes")! {
            guard axes.insert(try ShapeRules.axis(a, rank: x.rank)).inserted else {
                throw OpError("axis \(a) is listed twice")
            }
        }
        if axes.isEmpty { axes = Set(0..<x.rank) }
        let keep = ctx.bool("keepdim")!
        var out: [Dim] = []
        for (i, d) in x.shape.enumerated() {
            if axes.contains(i) { if keep { out.append(1) } } else { out.append(d) }
        }
        return [TensorType(x.element, out)]
    }
}
