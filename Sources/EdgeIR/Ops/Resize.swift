import EdgeKernels

extension Ops {
    /// The result of resizing the H and W dims of NCHW `input` to `size`.
    static func resized(_ ctx: OpContext) throws(OpError) -> [TensorType] {
        let x = ctx.type("input")!
        try ShapeRules.requireRank(x, 4, "input")
        let size = ctx.ints("size")!
        guard size.count == 2, size.allSatisfy({ $0 > 0 }) else { throw OpError("size \(size) must be two positive sizes [h, w]") }
        return [TensorType(x.element, [x.shape[0], x.shape[1], .known(size[0]), .known(size[1])])]
    }

    public static let upsampleNearest2d = OpDefinition(
        "edge.upsample_nearest2d",
        summary: "Resizes H and W of NCHW input to `size` by nearest neighbour (source index floor(dst * in / out)).",
        reference: "aten::upsample_nearest2d.vec",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("size", .ints, .required, "[h, w]")],
        evaluate: { v, ctx in [try Upsample2D.nearest(v.first, size: try ShapeRules.pair(try ctx.required(ctx.ints("size"), "size"), "size"))] }
    ) { ctx throws(OpError) in try resized(ctx) }

    public static let upsampleBilinear2d = OpDefinition(
        "edge.upsample_bilinear2d",
        summary: "Resizes H and W of NCHW input to `size` by bilinear interpolation.",
        reference: "aten::upsample_bilinear2d.vec",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("size", .ints, .required, "[h, w]"), AttributeSpec("align_corners", .bool, .defaulted(.bool(false)))],
        evaluate: { v, ctx in
            [try Upsample2D.bilinear(v.first, size: try ShapeRules.pair(try ctx.required(ctx.ints("size"), "size"), "size"),
                                     alignCorners: try ctx.required(ctx.bool("align_corners"), "align_corners"))]
        }
    ) { ctx throws(OpError) in
        try ShapeRules.requireFloat(ctx.type("input")!, "input")
        return try resized(ctx)
    }
}
