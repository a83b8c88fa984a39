import EdgeIR

extension ATenTable {
    /// 2-D pooling over NCHW input.
    static let pooling: [String: ATenLowering] = [
        "aten.max_pool2d.default": .one("`edge.max_pool2d`") { c throws(OpError) in try maxPool(&c) },
        "aten.max_pool2d_with_indices.default": ATenLowering("`edge.max_pool2d`; the indices output is not produced") { c throws(OpError) in
            [try maxPool(&c), nil]
        },
        "aten.avg_pool2d.default": .one("`edge.avg_pool2d` (no divisor_override)") { c throws(OpError) in
            if c.argument("divisor_override") != nil { throw OpError("avg_pool2d with divisor_override is not supported") }
            var attrs = try window(c)
            attrs["count_include_pad"] = .bool(try c.bool("count_include_pad", default: true))
            return try c.emit(Ops.avgPool2d, [try c.tensor("self")], attrs, output: 0)
        },
        "aten.adaptive_avg_pool2d.default": .one("`edge.global_avg_pool2d` for 1x1, else `edge.avg_pool2d` when the size divides") { c throws(OpError) in
            try adaptiveAvgPool(&c)
        },
        "aten._adaptive_avg_pool2d.default": .one("`edge.global_avg_pool2d` for 1x1, else `edge.avg_pool2d` when the size divides") { c throws(OpError) in
            try adaptiveAvgPool(&c)
        },
    ]

    static func pair(_ v: [Int], _ name: String) throws(OpError) -> [Int] {
        switch v.count {
        case 1: return [v[0], v[0]]
        case 2: return v
        default: throw OpError("'\(name)' must have 1 or 2 values, got \(v)")
        }
    }

    /// kernel_size, stride (empty: the kernel), padding and ceil_mode as Edge IR attributes.
    static func window(_ c: ATenCall) throws(OpError) -> [String: Attribute] {
        let kernel = try pair(try c.ints("kernel_size"), "kernel_size")
        let strideList = try c.ints("stride", default: [])
        let stride = strideList.isEmpty ? kernel : try pair(strideList, "stride")
        return [
            "kernel_size": ints(kernel), "stride": ints(stride),
            "padding": ints(try pair(try c.ints("padding", default: [0]), "padding")),
            "ceil_mode": .bool(try c.bool("ceil_mode", default: false)),
        ]
    }

    static func maxPool(_ c: inout ATenCall) throws(OpError) -> Value {
        var attrs = try window(c)
        attrs["dilation"] = ints(try pair(try c.ints("dilation", default: [1]), "dilation"))
        return try c.emit(Ops.maxPool2d, [try c.tensor("self")], attrs, output: 0)
    }

    static func adaptiveAvgPool(_ c: inout ATenCall) throws(OpError) -> Value {
        let x = try c.tensor("self")
        let out = try pair(try c.ints("output_size"), "output_size")
        guard x.type.rank == 4 else { throw OpError("adaptive_avg_pool2d needs NCHW input, got \(TypeText.type(x.type))") }
        if out == [1, 1] { return try c.emit(Ops.globalAvgPool2d, [x], output: 0) }
        guard let h = x.type.shape[2].value, let w = x.type.shape[3].value, out[0] > 0, out[1] > 0, h % out[0] == 0, w % out[1] == 0 else {
            throw OpError("adaptive_avg_pool2d to \(out) from \(TypeText.type(x.type)) is supported only when the output size divides a static input size")
        }
        let k = [h / out[0], w / out[1]]
        return try c.emit(Ops.avgPool2d, [x], ["kernel_size": ints(k), "stride": ints(k)], output: 0)
    }
}
