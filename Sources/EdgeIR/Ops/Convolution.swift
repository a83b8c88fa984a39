import EdgeKernels

extension Ops {
    public static let conv2d = OpDefinition(
        "edge.conv2d",
        summary: "2-D convolution over NCHW input with OIHW weights, optional bias, groups.",
        reference: "aten::convolution (transposed = false)",
        operands: [OperandSpec("input", .single, "[N, C, H, W]"), OperandSpec("weight", .single, "[OC, C/groups, KH, KW]"), OperandSpec("bias", .optional, "[OC]")],
        attributes: [
            AttributeSpec("stride", .ints, .defaulted(.ints([1, 1])), "[sh, sw]"),
            AttributeSpec("padding", .ints, .defaulted(.ints([0, 0])), "[ph, pw] or [top, left, bottom, right]"),
            AttributeSpec("dilation", .ints, .defaulted(.ints([1, 1])), "[dh, dw]"),
            AttributeSpec("groups", .int, .defaulted(.int(1)), "number of channel groups"),
            fusedActivationAttribute,
        ],
        evaluate: { v, ctx in
            let params = Conv2DParams(
                stride: try ShapeRules.pair(try ctx.required(ctx.ints("stride"), "stride"), "stride"),
                padding: try Padding2D(try ctx.required(ctx.ints("padding"), "padding")),
                dilation: try ShapeRules.pair(try ctx.required(ctx.ints("dilation"), "dilation"), "dilation"),
                groups: try ctx.required(ctx.int("groups"), "groups"))
            return [try applyFusedActivation(try Conv2D.run(v.first, weight: v.tensor("weight")!, bias: v.tensor("bias"), params: params, config: .folding), ctx)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, w = ctx.type("weight")!
        try ShapeRules.requireRank(x, 4, "input")
        try ShapeRules.requireRank(w, 4, "weight")
        try checkFusedActivation(ctx)
        let element = try ShapeRules.sameElement([x, w], "conv2d")
        let groups = ctx.int("groups")!
        guard groups >= 1 else { throw OpError("groups must be at least 1, got \(groups)") }
        if let c = x.shape[1].value, let wc = w.shape[1].value {
            guard c % groups == 0, c / groups == wc else {
                throw OpError("input has \(c) channels; with groups = \(groups) the weight needs \(c % groups == 0 ? c / groups : c) input channels, got \(wc)")
            }
        }
        if let oc = w.shape[0].value, oc % groups != 0 {
            throw OpError("weight has \(oc) output channels, not divisible by groups = \(groups)")
        }
        if let b = ctx.type("bias") {
            try ShapeRules.requireRank(b, 1, "bias")
            try ShapeRules.requireEqual(b.shape[0], w.shape[0], "bias size must equal output channels")
            guard b.element == element else { throw OpError("bias element type must match the input") }
        }
        let (sh, sw) = try ShapeRules.pair(ctx.ints("stride")!, "stride")
        let (dh, dw) = try ShapeRules.pair(ctx.ints("dilation")!, "dilation")
        let p = try ShapeRules.padding2d(ctx.ints("padding")!)
        guard let kh = w.shape[2].value, let kw = w.shape[3].value else {
            throw OpError("weight kernel size must be static, got \(TypeText.type(w))")
        }
        let oh = try ShapeRules.windowOutput(x.shape[2], kernel: kh, stride: sh, padBegin: p.top, padEnd: p.bottom, dilation: dh)
        let ow = try ShapeRules.windowOutput(x.shape[3], kernel: kw, stride: sw, padBegin: p.left, padEnd: p.right, dilation: dw)
        return [TensorType(element, [x.shape[0], w.shape[0], oh, ow])]
    }

    public static let batchNorm = OpDefinition(
        "edge.batch_norm",
        summary: "Inference batch normalization over channel dim 1: (x - mean) / sqrt(var + epsilon) * scale + bias.",
        reference: "aten::_native_batch_norm_legit_no_training",
        operands: [OperandSpec("input"), OperandSpec("scale"), OperandSpec("bias"), OperandSpec("mean"), OperandSpec("var")],
        attributes: [AttributeSpec("epsilon", .float, .defaulted(.float(1e-5)))],
        evaluate: { v, ctx in
            [try BatchNorm.run(v.first, scale: v.tensor("scale"), bias: v.tensor("bias"), mean: v.tensor("mean")!,
                               variance: v.tensor("var")!, epsilon: ctx.float("epsilon") ?? 1e-5)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard x.rank >= 2 else { throw OpError("input must have rank 2 or more, got \(TypeText.type(x))") }
        try ShapeRules.requireFloat(x, "input")
        for name in ["scale", "bias", "mean", "var"] {
            let t = ctx.type(name)!
            try ShapeRules.requireRank(t, 1, name)
            try ShapeRules.requireEqual(t.shape[0], x.shape[1], "\(name) size must equal the channel count")
            guard t.element == x.element else { throw OpError("\(name) element type must match the input") }
        }
        return [x]
    }
}

extension Ops {
    public static let convTranspose2d = OpDefinition(
        "edge.conv_transpose2d",
        summary: "2-D transposed convolution over NCHW input with [C, OC/groups, KH, KW] weights.",
        reference: "aten::convolution (transposed = true)",
        operands: [OperandSpec("input", .single, "[N, C, H, W]"), OperandSpec("weight", .single, "[C, OC/groups, KH, KW]"), OperandSpec("bias", .optional, "[OC]")],
        attributes: [
            AttributeSpec("stride", .ints, .defaulted(.ints([1, 1])), "[sh, sw]"),
            AttributeSpec("padding", .ints, .defaulted(.ints([0, 0])), "[ph, pw]"),
            AttributeSpec("output_padding", .ints, .defaulted(.ints([0, 0])), "[oh, ow] added to one side"),
            AttributeSpec("dilation", .ints, .defaulted(.ints([1, 1])), "[dh, dw]"),
            AttributeSpec("groups", .int, .defaulted(.int(1))),
        ],
        evaluate: { v, ctx in
            let params = ConvTranspose2DParams(
                stride: try ShapeRules.pair(try ctx.required(ctx.ints("stride"), "stride"), "stride"),
                padding: try ShapeRules.pair(try ctx.required(ctx.ints("padding"), "padding"), "padding"),
                outputPadding: try ShapeRules.pair(try ctx.required(ctx.ints("output_padding"), "output_padding"), "output_padding"),
                dilation: try ShapeRules.pair(try ctx.required(ctx.ints("dilation"), "dilation"), "dilation"),
                groups: try ctx.required(ctx.int("groups"), "groups"))
            return [try ConvTranspose2D.run(v.first, weight: v.tensor("weight")!, bias: v.tensor("bias"), params: params)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, w = ctx.type("weight")!
        try ShapeRules.requireRank(x, 4, "input")
        try ShapeRules.requireRank(w, 4, "weight")
        let element = try ShapeRules.sameElement([x, w], "conv_transpose2d")
        let groups = ctx.int("groups")!
        guard groups >= 1 else { throw OpError("groups must be at least 1, got \(groups)") }
        try ShapeRules.requireEqual(x.shape[1], w.shape[0], "input channels must equal weight dim 0")
        let oc: Dim = w.shape[1].value.map { .known($0 * groups) } ?? .unknown
        if let b = ctx.type("bias") {
            try ShapeRules.requireRank(b, 1, "bias")
            try ShapeRules.requireEqual(b.shape[0], oc, "bias size must equal output channels")
        }
        let (sh, sw) = try ShapeRules.pair(ctx.ints("stride")!, "stride")
        let (ph, pw) = try ShapeRules.pair(ctx.ints("padding")!, "padding")
        let (oph, opw) = try ShapeRules.pair(ctx.ints("output_padding")!, "output_padding")
        let (dh, dw) = try ShapeRules.pair(ctx.ints("dilation")!, "dilation")
        guard let kh = w.shape[2].value, let kw = w.shape[3].value else { throw OpError("weight kernel size must be static") }
        func out(_ d: Dim, _ s: Int, _ p: Int, _ op: Int, _ dil: Int, _ k: Int) throws(OpError) -> Dim {
            guard s > 0, dil > 0, p >= 0, op >= 0 else { throw OpError("stride and dilation must be positive, padding non-negative") }
            guard let n = d.value else { return .unknown }
            let r = (n - 1) * s - 2 * p + dil * (k - 1) + op + 1
            guard r > 0 else { throw OpError("output size \(r) is not positive") }
            return .known(r)
        }
        return [TensorType(element, [x.shape[0], oc, try out(x.shape[2], sh, ph, oph, dh, kh), try out(x.shape[3], sw, pw, opw, dw, kw)])]
    }
}
