import EdgeIR

extension ATenTable {
    /// Convolutions and batch normalization.
    static let convolution: [String: ATenLowering] = [
        "aten.conv2d.default": .one("`edge.conv2d`") { c throws(OpError) in
            try conv2d(&c, stride: try c.ints("stride", default: [1, 1]), padding: try padding(c),
                       dilation: try c.ints("dilation", default: [1, 1]), groups: try c.int("groups", default: 1))
        },
        "aten.conv1d.default": .one("`edge.conv2d` on the input and weight unsqueezed to H = 1, squeezed back") { c throws(OpError) in
            try conv1d(&c, stride: try c.ints("stride", default: [1]), padding: try padding(c, count: 1),
                       dilation: try c.ints("dilation", default: [1]), groups: try c.int("groups", default: 1))
        },
        "aten.convolution.default": .one("`edge.conv2d` (1-D lifted to H = 1), or `edge.conv_transpose2d` when transposed (2-D)") { c throws(OpError) in
            if try c.tensor("input").type.rank == 3, try !c.bool("transposed", default: false) {
                return try conv1d(&c, stride: try c.ints("stride"), padding: try c.ints("padding"),
                                  dilation: try c.ints("dilation"), groups: try c.int("groups"))
            }
            if try c.bool("transposed", default: false) {
                let x = try c.tensor("input"), w = try c.tensor("weight")
                return try c.emit(Ops.convTranspose2d, [x, w, try c.optionalTensor("bias")], [
                    "stride": ints(try c.ints("stride")), "padding": ints(try c.ints("padding")),
                    "output_padding": ints(try c.ints("output_padding", default: [0, 0])),
                    "dilation": ints(try c.ints("dilation")), "groups": .int(Int64(try c.int("groups"))),
                ], output: 0)
            }
            return try conv2d(&c, stride: try c.ints("stride"), padding: try c.ints("padding"),
                              dilation: try c.ints("dilation"), groups: try c.int("groups"))
        },
        "aten.batch_norm.default": .one("`edge.batch_norm` (inference: `training` must be false)") { c throws(OpError) in
            if try c.bool("training", default: false) {
                throw OpError("batch_norm with training=True uses batch statistics; export the model in eval mode (model.eval())")
            }
            return try batchNorm(&c, eps: try c.float("eps", default: 1e-5))
        },
        "aten._native_batch_norm_legit_no_training.default": ATenLowering("`edge.batch_norm`; the saved mean/invstd outputs are not produced") { c throws(OpError) in
            [try batchNorm(&c, eps: try c.float("eps", default: 1e-5)), nil, nil]
        },
    ]

    static func ints(_ v: [Int]) -> Attribute { .ints(v.map(Int64.init)) }

    /// conv2d's padding: a list, or the strings "valid" / "same" (`conv2d.padding`).
    static func padding(_ c: ATenCall, count: Int = 2) throws(OpError) -> [Int] {
        if case .string(let s)? = c.argument("padding") {
            guard s == "valid" else { throw OpError("padding='\(s)' is not supported; use explicit padding") }
            return Array(repeating: 0, count: count)
        }
        return try c.ints("padding", default: Array(repeating: 0, count: count))
    }

    /// A 1-D convolution (NCL input, OIL weight) as `edge.conv2d` over H = 1.
    static func conv1d(_ c: inout ATenCall, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws(OpError) -> Value {
        let x = try c.tensor("input"), w = try c.tensor("weight")
        guard x.type.rank == 3, w.type.rank == 3 else {
            throw OpError("conv1d needs an NCL input and an OIL weight, got input \(TypeText.type(x.type)) and weight \(TypeText.type(w.type))")
        }
        guard stride.count == 1, padding.count == 1, dilation.count == 1 else {
            throw OpError("conv1d takes one stride, padding and dilation each, got \(stride), \(padding), \(dilation)")
        }
        let x4 = try c.emit(Ops.unsqueeze, [x], ["dim": .int(2)]), w4 = try c.emit(Ops.unsqueeze, [w], ["dim": .int(2)])
        let y = try c.emit(Ops.conv2d, [x4, w4, try c.optionalTensor("bias")], [
            "stride": ints([1, stride[0]]), "padding": ints([0, padding[0]]),
            "dilation": ints([1, dilation[0]]), "groups": .int(Int64(groups)),
        ])
        return try c.emit(Ops.squeeze, [y], ["dims": .ints([2])], output: 0)
    }

    static func conv2d(_ c: inout ATenCall, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws(OpError) -> Value {
        let x = try c.tensor("input"), w = try c.tensor("weight")
        guard x.type.rank == 4, w.type.rank == 4 else {
            throw OpError("only 2-D convolution (NCHW input, OIHW weight) is supported, got input \(TypeText.type(x.type)) and weight \(TypeText.type(w.type))")
        }
        func pair(_ v: [Int]) -> [Int] { v.count == 1 ? [v[0], v[0]] : v }
        return try c.emit(Ops.conv2d, [x, w, try c.optionalTensor("bias")], [
            "stride": ints(pair(stride)), "padding": ints(pair(padding)),
            "dilation": ints(pair(dilation)), "groups": .int(Int64(groups)),
        ], output: 0)
    }

    static func batchNorm(_ c: inout ATenCall, eps: Double) throws(OpError) -> Value {
        let x = try c.tensor("input")
        guard let mean = try c.optionalTensor("running_mean"), let variance = try c.optionalTensor("running_var") else {
            throw OpError("batch norm without running statistics is a training op; export the model in eval mode")
        }
        let channels = mean.type
        let count = channels.elementCount ?? 0
        var scale = try c.optionalTensor("weight")
        if scale == nil { scale = try c.constant(Array(repeating: 1, count: count), type: channels) }
        var bias = try c.optionalTensor("bias")
        if bias == nil { bias = try c.constant(Array(repeating: 0, count: count), type: channels) }
        return try c.emit(Ops.batchNorm, [x, scale, bias, mean, variance], ["epsilon": .float(eps)], output: 0)
    }
}
