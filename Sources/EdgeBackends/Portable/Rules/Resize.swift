import EdgeIR
import EdgeProgram

// Resizing to an explicit output size (no scale factors).

extension PortableLowering {
    static let resizeRules: [PortableRule] = [
        PortableRule("edge.upsample_nearest2d", [.upsampleNearest2d], "output_size = size, scale_factors = Null") { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.upsampleNearest2d, ["input": l.t(op.operand(0)!), "output_size": b.intList(l.attrInts(op, "size")), "scale_factors": b.null(), "out": o])
        },
        PortableRule("edge.upsample_bilinear2d", [.upsampleBilinear2d], "output_size = size, align_corners, scale_factors = Null; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.upsampleBilinear2d, ["input": l.t(op.operand(0)!), "output_size": b.intList(l.attrInts(op, "size")),
                                             "align_corners": b.bool(l.attrBool(op, "align_corners")), "scale_factors": b.null(), "out": o])
        },
    ]
}
