import EdgeKernels

extension Ops {
    public static let embedding = OpDefinition(
        "edge.embedding",
        summary: "Looks up rows of a [num_embeddings, dim] table at integer indices of any shape; the result is indices.shape + [dim].",
        reference: "aten::embedding",
        operands: [OperandSpec("weight", .single, "[num_embeddings, dim]"), OperandSpec("indices", .single, "i32 or i64, any shape")],
        // As the portable lowering runs it: index_select along dim 0 with the indices viewed as 1-D.
        evaluate: { v, ctx in
            let indices = try v.tensor("indices")!.reshaped([-1])
            return [try IndexSelect.run(v.first, dim: 0, index: indices).reshaped(try ctx.resultShape())]
        }
    ) { ctx throws(OpError) in
        let w = ctx.type("weight")!, idx = ctx.type("indices")!
        try ShapeRules.requireRank(w, 2, "weight")
        guard idx.element == .i64 || idx.element == .i32 else {
            throw OpError("indices must be i32 or i64, got \(TypeText.type(idx))")
        }
        return [TensorType(w.element, idx.shape + [w.shape[1]])]
    }
}
