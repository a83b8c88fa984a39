import EdgeIR

extension ATenTable {
    /// Layer and group normalization (batch norm lives with convolution).
    static let normalization: [String: ATenLowering] = [
        "aten.layer_norm.default": .one("`edge.layer_norm`") { c throws(OpError) in
            try layerNorm(&c, eps: try c.float("eps", default: 1e-5))
        },
        "aten.native_layer_norm.default": ATenLowering("`edge.layer_norm`; the saved mean/rstd outputs are not produced") { c throws(OpError) in
            [try layerNorm(&c, eps: try c.float("eps")), nil, nil]
        },
        "aten.group_norm.default": .one("`edge.group_norm`") { c throws(OpError) in
            try c.emit(Ops.groupNorm, [try c.tensor("input"), try c.optionalTensor("weight"), try c.optionalTensor("bias")],
                       ["groups": .int(Int64(try c.int("num_groups"))), "epsilon": .float(try c.float("eps", default: 1e-5))], output: 0)
        },
    ]

    static func layerNorm(_ c: inout ATenCall, eps: Double) throws(OpError) -> Value {
        try c.emit(Ops.layerNorm, [try c.tensor("input"), try c.optionalTensor("weight"), try c.optionalTensor("bias")],
                   ["normalized_shape": ints(try c.ints("normalized_shape")), "epsilon": .float(eps)], output: 0)
    }
}
