import EdgeKernels

extension Ops {
    public static let topk = OpDefinition(
        "edge.topk",
        summary: "The k largest (or smallest) elements along `dim`, sorted (equal values in index order), and their i64 indices.",
        reference: "aten::topk",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("k", .int, .required), AttributeSpec("dim", .int, .defaulted(.int(-1))),
                     AttributeSpec("largest", .bool, .defaulted(.bool(true)))],
        results: .fixed(2),
        evaluate: { v, ctx in
            let (values, indices) = try TopK.run(v.first, k: try ctx.required(ctx.int("k"), "k"), dim: ctx.int("dim") ?? -1, largest: ctx.bool("largest") ?? true)
            return [values, indices]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard case .scalar(let s) = x.element, TopK.dtypes.contains(s) else {
            throw OpError("input must be f32, f64 or an integer type, got \(TypeText.type(x))")
        }
        guard x.rank >= 1 else { throw OpError("input must have rank 1 or more") }
        let d = try ShapeRules.axis(ctx.int("dim")!, rank: x.rank, what: "dim")
        let k = ctx.int("k")!
        if let n = x.shape[d].value, k < 0 || k > n { throw OpError("k = \(k) is out of range for a dim of size \(n)") }
        var shape = x.shape
        shape[d] = .known(k)
        return [TensorType(x.element, shape), TensorType(.i64, shape)]
    }
}
