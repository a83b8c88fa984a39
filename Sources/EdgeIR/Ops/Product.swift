import EdgeKernels

extension Ops {
    public static let prod = OpDefinition(
        "edge.prod",
        summary: "Product along `dim` (of every element when `dim` is absent: a 0-d result); an empty product is 1.",
        reference: "aten::prod.dim_int",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dim", .int, .optional, "the dim multiplied along; absent = every element"),
                     AttributeSpec("keepdim", .bool, .defaulted(.bool(false)))],
        evaluate: { v, ctx in [try Product.run(v.first, dim: ctx.int("dim"), keepDims: ctx.bool("keepdim") ?? false)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard case .scalar(let s) = x.element, Product.dtypes.contains(s) else {
            throw OpError("input must be f32, f64 or an integer type, got \(TypeText.type(x))")
        }
        guard let d = ctx.int("dim") else { return [TensorType(x.element, [Dim]())] }
        return [try reducedType(x, axes: [d], keep: ctx.bool("keepdim")!)]
    }
}
