import EdgeKernels

extension Ops {
    public static let softmax = OpDefinition(
        "edge.softmax",
        summary: "exp(x) / sum(exp(x)) along one axis.",
        reference: "aten::_softmax",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("axis", .int, .defaulted(.int(-1)))],
        evaluate: { v, ctx in [try Softmax.run(v.first, axis: ctx.int("axis") ?? -1)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        _ = try ShapeRules.axis(ctx.int("axis")!, rank: x.rank)
        return [x]
    }

    /// The result type of reducing `x` over `axes` (all axes when empty).
    static func reducedType(_ x: TensorType, axes list: [Int], keep: Bool, element: ElementType? = nil) throws(OpError) -> TensorType {
        var axes = Set<Int>()
        for a in list {
            guard axes.insert(try ShapeRules.axis(a, rank: x.rank)).inserted else {
                throw OpError("axis \(a) is listed twice")
            }
        }
        if axes.isEmpty { axes = Set(0..<x.rank) }
        var out: [Dim] = []
        for (i, d) in x.shape.enumerated() {
            if axes.contains(i) { if keep { out.append(1) } } else { out.append(d) }
        }
        return TensorType(element ?? x.element, out)
    }

    static let reductionAttributes = [
        AttributeSpec("axes", .ints, .defaulted(.ints([])), "axes to reduce; empty reduces all"),
        AttributeSpec("keepdim", .bool, .defaulted(.bool(false))),
    ]

    /// Declares a reduction over a list of axes.
    static func reduction(_ name: String, summary: String, reference: String, floatOnly: Bool,
                          evaluate: OpEvaluator? = nil) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference, operands: [OperandSpec("input")],
                     attributes: reductionAttributes, evaluate: evaluate) { ctx throws(OpError) in
            let x = ctx.type("input")!
            if floatOnly { try ShapeRules.requireFloat(x, "input") }
            return [try reducedType(x, axes: ctx.ints("axes")!, keep: ctx.bool("keepdim")!)]
        }
    }

    public static let mean = reduction("edge.mean", summary: "Mean over the listed axes (all axes when empty), optionally keeping them as size 1.", reference: "aten::mean.dim", floatOnly: true, evaluate: evaluateReduce(.mean))
    public static let sum = reduction("edge.sum", summary: "Sum over the listed axes (all axes when empty), optionally keeping them as size 1.", reference: "aten::sum.dim_IntList", floatOnly: false, evaluate: evaluateReduce(.sum))
    public static let amax = reduction("edge.amax", summary: "Maximum over the listed axes (all axes when empty).", reference: "aten::amax", floatOnly: false, evaluate: evaluateExtreme(.max))
    public static let amin = reduction("edge.amin", summary: "Minimum over the listed axes (all axes when empty).", reference: "aten::amin", floatOnly: false, evaluate: evaluateExtreme(.min))

    /// Declares an index-of-extreme reduction along one axis (i64 result).
    static func argReduction(_ name: String, summary: String, reference: String, kernel: Extreme) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference, operands: [OperandSpec("input")],
                     attributes: [AttributeSpec("dim", .int, .required), AttributeSpec("keepdim", .bool, .defaulted(.bool(false)))],
                     evaluate: { v, ctx in
                         [try ArgExtreme.run(kernel, v.first, dim: try ctx.required(ctx.int("dim"), "dim"), keepDims: ctx.bool("keepdim") ?? false)]
                     }
        ) { ctx throws(OpError) in
            let x = ctx.type("input")!
            return [try reducedType(x, axes: [ctx.int("dim")!], keep: ctx.bool("keepdim")!, element: .i64)]
        }
    }

    public static let argmax = argReduction("edge.argmax", summary: "Index (i64) of the first maximum along `dim`.", reference: "aten::argmax", kernel: .max)
    public static let argmin = argReduction("edge.argmin", summary: "Index (i64) of the first minimum along `dim`.", reference: "aten::argmin", kernel: .min)
}
