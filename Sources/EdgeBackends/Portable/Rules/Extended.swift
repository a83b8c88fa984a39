import EdgeIR
import EdgeKernels
import EdgeProgram

// More unary math, bitwise ops, products, scatter, top-k and grid sampling: one kernel each.

extension PortableLowering {
    static let integers: Set<ScalarType> = Set(ScalarType.integers)

    static let extendedRules: [PortableRule] = [
        unary("edge.tan", .tan, f32f64), unary("edge.asin", .asin, f32f64), unary("edge.acos", .acos, f32f64),
        unary("edge.atan", .atan, f32f64), unary("edge.sinh", .sinh, f32f64), unary("edge.cosh", .cosh, f32f64),
        unary("edge.asinh", .asinh, f32f64), unary("edge.acosh", .acosh, f32f64), unary("edge.atanh", .atanh, f32f64),
        unary("edge.round", .round, f32f64),
        bitwise("edge.bitwise_and", .bitwiseAnd, integers.union([.bool])),
        bitwise("edge.bitwise_or", .bitwiseOr, integers.union([.bool])),
        bitwise("edge.bitwise_xor", .bitwiseXor, integers.union([.bool])),
        bitwise("edge.bitwise_left_shift", .bitwiseLeftShift, integers),
        bitwise("edge.bitwise_right_shift", .bitwiseRightShift, integers),
        unary("edge.bitwise_not", .bitwiseNot, integers.union([.bool])),
        PortableRule("edge.prod", [.prodDim, .prodAll], "`prod.int_out` along dim, `prod.out` without; dtype = the input's (ATen's default for integers is i64); f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            let x = op.operand(0)!
            let o = try l.out(op.result)
            let b = l.builder
            let dtype = b.int(Int(Self.scalarType(x.type.element.storage).rawValue))
            if let d = op.attribute("dim")?.intValue {
                guard x.type.rank >= 1 else { throw Unsupported("prod along a dim of a 0-d tensor is not supported") }
                try l.call(.prodDim, ["self": l.t(x), "dim": b.int(l.axis(Int(d), x)), "keepdim": b.bool(l.attrBool(op, "keepdim")), "dtype": dtype, "out": o])
            } else {
                try l.call(.prodAll, ["self": l.t(x), "dtype": dtype, "out": o])
            }
        },
        PortableRule("edge.scatter", [.scatterSrc, .scatterAdd], "`scatter.src_out` (reduce none) or `scatter_add.out` (add); run-time indices must lie in 0..<size (as in ATen); importers wrap negative ones") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            let kernel: ATenKernel = l.attrString(op, "reduce") == "add" ? .scatterAdd : .scatterSrc
            if kernel == .scatterAdd { try l.require(op, numeric) }
            let o = try l.out(op.result)
            let dim = x.type.rank == 0 ? 0 : l.axis(l.attrInt(op, "dim"), x)
            try l.call(kernel, ["self": l.t(x), "dim": l.builder.int(dim), "index": l.t(op.operand(1)!), "src": l.t(op.operand(2)!), "out": o])
        },
        PortableRule("edge.topk", [.topk], "sorted = true; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            let x = op.operand(0)!
            let values = try l.out(op.results[0]), indices = try l.out(op.results[1])
            let b = l.builder
            try l.call(.topk, ["self": l.t(x), "k": b.int(l.attrInt(op, "k")), "dim": b.int(l.axis(l.attrInt(op, "dim"), x)),
                               "largest": b.bool(l.attrBool(op, "largest")), "sorted": b.bool(true), "values": values, "indices": indices])
        },
        PortableRule("edge.grid_sample", [.gridSampler2d], "interpolation_mode 0 bilinear, 1 nearest, 2 bicubic; padding_mode 0 zeros, 1 border, 2 reflection; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            guard let mode = Ops.gridSampleMode(op.attribute("mode")?.stringValue), let padding = Ops.gridSamplePadding(op.attribute("padding")?.stringValue) else {
                throw Unsupported("grid_sample mode or padding is not supported")
            }
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.gridSampler2d, ["input": l.t(op.operand(0)!), "grid": l.t(op.operand(1)!), "interpolation_mode": b.int(mode.rawValue),
                                        "padding_mode": b.int(padding.rawValue), "align_corners": b.bool(l.attrBool(op, "align_corners")), "out": o])
        },
    ]

    static func bitwise(_ op: String, _ kernel: ATenKernel, _ types: Set<ScalarType>) -> PortableRule {
        PortableRule(op, [kernel], "element types: \(typeList(types))") { l, op throws(Unsupported) in
            try l.require(op, types)
            let o = try l.out(op.result)
            try l.call(kernel, ["self": l.t(op.operand(0)!), "other": l.t(op.operand(1)!), "out": o])
        }
    }
}
