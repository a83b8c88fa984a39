import EdgeKernels

extension Ops {
    /// The output type of a 2-D pooling op from its window attributes.
    static func poolResult(_ ctx: OpContext, dilation: (Int, Int) = (1, 1)) throws(OpError) -> [TensorType] {
        let x = ctx.type("input")!
        try ShapeRules.requireRank(x, 4, "input")
        let (kh, kw) = try ShapeRules.pair(ctx.ints("kernel_size")!, "kernel_size")
        let strideList = ctx.ints("stride")!
        let (sh, sw) = strideList.isEmpty ? (kh, kw) : try ShapeRules.pair(strideList, "stride")
        let p = try ShapeRules.padding2d(ctx.ints("padding")!)
        let ceil = ctx.bool("ceil_mode")!
        let oh = try ShapeRules.windowOutput(x.shape[2], kernel: kh, stride: sh, padBegin: p.top, padEnd: p.bottom, dilation: dilation.0, ceilMode: ceil)
        let ow = try ShapeRules.windowOutput(x.shape[3], kernel: kw, stride: sw, padBegin: p.left, padEnd: p.right, dilation: dilation.1, ceilMode: ceil)
        return [TensorType(x.element, [x.shape[0], x.shape[1], oh, ow])]
    }

    /// The window attributes as kernel parameters (an empty stride means the kernel size).
    static func window(_ ctx: OpContext) throws -> (kernel: (Int, Int), stride: (Int, Int)?, padding: Padding2D, ceilMode: Bool) {
        let stride = try ctx.required(ctx.ints("stride"), "stride")
        return (try ShapeRules.pair(try ctx.required(ctx.ints("kernel_size"), "kernel_size"), "kernel_size"),
                stride.isEmpty ? nil : try ShapeRules.pair(stride, "stride"),
                try Padding2D(try ctx.required(ctx.ints("padding"), "padding")),
                try ctx.required(ctx.bool("ceil_mode"), "ceil_mode"))
    }

    static let windowAttributes: [AttributeSpec] = [
        AttributeSpec("kernel_size", .ints, .required, "[kh, kw]"),
        AttributeSpec("stride", .ints, .defaulted(.ints([])), "[sh, sw]; empty means the kernel size"),
        AttributeSpec("padding", .ints, .defaulted(.ints([0, 0])), "[ph, pw] or [top, left, bottom, right]"),
        AttributeSpec("ceil_mode", .bool, .defaulted(.bool(false)), "round the output size up"),
    ]

    public static let maxPool2d = OpDefinition(
        "edge.max_pool2d",
        summary: "2-D max pooling over NCHW input; padding counts as -infinity.",
        reference: "aten::max_pool2d",
        operands: [OperandSpec("input")],
        attributes: windowAttributes + [AttributeSpec("dilation", .ints, .defaulted(.ints([1, 1])), "[dh, dw]")],
        evaluate: { v, ctx in
            let w = try window(ctx)
            let params = MaxPool2DParams(kernel: w.kernel, stride: w.stride, padding: w.padding,
                                         dilation: try ShapeRules.pair(try ctx.required(ctx.ints("dilation"), "dilation"), "dilation"), ceilMode: w.ceilMode)
            return [try MaxPool2D.run(v.first, params: params)]
        }
    ) { ctx throws(OpError) in
        try poolResult(ctx, dilation: try ShapeRules.pair(ctx.ints("dilation")!, "dilation"))
    }

    public static let avgPool2d = OpDefinition(
        "edge.avg_pool2d",
        summary: "2-D average pooling over NCHW input.",
        reference: "aten::avg_pool2d",
        operands: [OperandSpec("input")],
        attributes: windowAttributes + [AttributeSpec("count_include_pad", .bool, .defaulted(.bool(true)), "divide by the full window, padding included")],
        evaluate: { v, ctx in
            let w = try window(ctx)
            let params = AvgPool2DParams(kernel: w.kernel, stride: w.stride, padding: w.padding, ceilMode: w.ceilMode,
                                         countIncludePad: try ctx.required(ctx.bool("count_include_pad"), "count_include_pad"))
            return [try AvgPool2D.run(v.first, params: params)]
        }
    ) { ctx throws(OpError) in
        try ShapeRules.requireFloat(ctx.type("input")!, "input")
        return try poolResult(ctx)
    }

    public static let globalAvgPool2d = OpDefinition(
        "edge.global_avg_pool2d",
        summary: "Mean over H and W of NCHW input, giving [N, C, 1, 1].",
        reference: "aten::adaptive_avg_pool2d (output 1x1)",
        operands: [OperandSpec("input")],
        evaluate: { v, _ in [try AdaptiveAvgPool2D.run(v.first)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireRank(x, 4, "input")
        try ShapeRules.requireFloat(x, "input")
        return [TensorType(x.element, [x.shape[0], x.shape[1], 1, 1])]
    }
}
