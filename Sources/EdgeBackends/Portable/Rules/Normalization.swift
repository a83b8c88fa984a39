import EdgeIR
import EdgeProgram

// Normalizations and softmax. The saved statistics of the `native_*_norm` kernels are planned
// outs (empty for batch norm in inference).

extension PortableLowering {
    static let normalizationRules: [PortableRule] = [
        PortableRule("edge.batch_norm", [.batchNormNoTraining], "two empty saved-stat outputs") { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            let saveMean = l.temp(l.scalar(op.result), [0]), saveInvstd = l.temp(l.scalar(op.result), [0])
            try l.call(.batchNormNoTraining, [
                "input": l.t(op.operand(0)!), "weight": l.t(op.operand(1)!), "bias": l.t(op.operand(2)!),
                "running_mean": l.t(op.operand(3)!), "running_var": l.t(op.operand(4)!),
                "momentum": b.double(0.1), "eps": b.double(l.attrFloat(op, "epsilon")), "out0": o, "out1": saveMean, "out2": saveInvstd,
            ])
        },
        PortableRule("edge.layer_norm", [.layerNorm], "saved mean / rstd as planned outputs shaped [..., 1, ...]; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let ns = l.attrInts(op, "normalized_shape")
            let o = try l.out(op.result)
            let statsDims = Array(l.dims(x).prefix(x.type.rank - ns.count)) + [Int](repeating: 1, count: ns.count)
            let mean = l.temp(l.scalar(x), statsDims), rstd = l.temp(l.scalar(x), statsDims)
            let b = l.builder
            try l.call(.layerNorm, ["input": l.t(x), "normalized_shape": b.intList(ns), "weight": l.optional(op.operand(1)),
                                    "bias": l.optional(op.operand(2)), "eps": b.double(l.attrFloat(op, "epsilon")),
                                    "out0": o, "out1": mean, "out2": rstd])
        },
        PortableRule("edge.group_norm", [.groupNorm], "N, C, HxW, group as Ints; saved mean / rstd [N, group]; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let d = l.dims(x), groups = l.attrInt(op, "groups")
            let o = try l.out(op.result)
            let mean = l.temp(l.scalar(x), [d[0], groups]), rstd = l.temp(l.scalar(x), [d[0], groups])
            let b = l.builder
            try l.call(.groupNorm, ["input": l.t(x), "weight": l.optional(op.operand(1)), "bias": l.optional(op.operand(2)),
                                    "N": b.int(d[0]), "C": b.int(d[1]), "HxW": b.int(d.dropFirst(2).reduce(1, *)), "group": b.int(groups),
                                    "eps": b.double(l.attrFloat(op, "epsilon")), "out0": o, "out1": mean, "out2": rstd])
        },
        PortableRule("edge.softmax", [.softmax]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.softmax, ["self": l.t(op.operand(0)!), "dim": b.int(l.attrInt(op, "axis")), "half_to_float": b.bool(false), "out": o])
        },
        PortableRule("edge.log_softmax", [.logSoftmax], "half_to_float = false; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.logSoftmax, ["self": l.t(op.operand(0)!), "dim": b.int(l.axis(l.attrInt(op, "axis"), op.operand(0)!)),
                                     "half_to_float": b.bool(false), "out": o])
        },
    ]
}
