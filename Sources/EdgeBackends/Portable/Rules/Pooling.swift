import EdgeIR
import EdgeProgram

// Max and average pooling, with explicit padding where ATen's kernels cannot take it as is.

extension PortableLowering {
    static let poolingRules: [PortableRule] = [
        PortableRule("edge.max_pool2d", [.maxPool2dWithIndices, .constantPadNd],
                     "asymmetric padding, or more than half the kernel, first pads explicitly with -inf") { l, op throws(Unsupported) in try l.maxPool(op) },
        PortableRule("edge.avg_pool2d", [.avgPool2d, .constantPadNd, .mul],
                     "asymmetric padding, or more than half the kernel, first pads explicitly with zeros; with count_include_pad = false the result is rescaled by a constant [OH, OW] factor (`mul.out`)") { l, op throws(Unsupported) in
            try l.avgPool(op)
        },
        PortableRule("edge.global_avg_pool2d", [.mean], "dims [2, 3], keepdim") { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.mean, ["self": l.t(op.operand(0)!), "dim": b.intList([2, 3]), "keepdim": b.bool(true), "out": o])
        },
    ]

    /// The input with `p` applied by `constant_pad_nd` (filled with `value`) when `explicit`,
    /// and the symmetric padding left for the kernel ([0, 0] once padded explicitly).
    mutating func explicitPadding(_ v: Value, _ p: (top: Int, left: Int, bottom: Int, right: Int), value: Double, when explicit: Bool) throws(Unsupported) -> (Int32, [Int]) {
        let x = t(v)
        guard explicit else { return (x, [p.top, p.left]) }
        // constant_pad_nd's `pad` lists the last dim first.
        var d = dims(v)
        d[2] += p.top + p.bottom
        d[3] += p.left + p.right
        let padded = temp(scalar(v), d)
        try call(.constantPadNd, ["self": x, "pad": builder.intList([p.left, p.right, p.top, p.bottom]), "value": builder.double(value), "out": padded])
        return (padded, [0, 0])
    }

    /// Pooling padding the ATen kernels take as is: symmetric and at most half the kernel
    /// (ExecuTorch's kernels reject more); anything else is padded explicitly first.
    mutating func poolInput(_ op: Operation, fill: Double) throws(Unsupported) -> (Int32, [Int]) {
        let p = try Self.padding(op)
        let k = try Self.pair(op.attribute("kernel_size")!.intsValue!)
        let explicit = p.top != p.bottom || p.left != p.right || 2 * p.top > k[0] || 2 * p.left > k[1]
        return try explicitPadding(op.operand(0)!, p, value: fill, when: explicit)
    }

    mutating func maxPool(_ op: Operation) throws(Unsupported) {
        let (x, pad) = try poolInput(op, fill: -.infinity)
        let o = try out(op.result)
        let indices = temp(.long, dims(op.result))
        let b = builder
        try call(.maxPool2dWithIndices, [
            "self": x, "kernel_size": b.intList(try Self.pair(op.attribute("kernel_size")!.intsValue!)),
            "stride": b.intList(op.attribute("stride")!.intsValue!.isEmpty ? [] : try Self.pair(op.attribute("stride")!.intsValue!)),
            "padding": b.intList(pad), "dilation": b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)),
            "ceil_mode": b.bool(attrBool(op, "ceil_mode")), "out": o, "indices": indices,
        ])
    }

    mutating func avgPool(_ op: Operation) throws(Unsupported) {
        let p = try Self.padding(op)
        let k = try Self.pair(op.attribute("kernel_size")!.intsValue!)
        let includePad = attrBool(op, "count_include_pad")
        let explicit = p.top != p.bottom || p.left != p.right || 2 * p.top > k[0] || 2 * p.left > k[1]
        let (x, pad) = try explicitPadding(op.operand(0)!, p, value: 0, when: explicit)
        // With explicit zero padding the kernel divides by the window inside the padded input;
        // count_include_pad = false divides by the window inside the original input instead, so
        // the result is rescaled by a compile-time [OH, OW] factor.
        let rescale = explicit && !includePad
        guard !rescale || scalar(op.result) == .float else {
            throw Unsupported("pooling padding \([p.top, p.left, p.bottom, p.right]) with count_include_pad = false needs f32")
        }
        let o = rescale ? temp(scalar(op.result), dims(op.result)) : try out(op.result)
        let b = builder
        try call(.avgPool2d, [
            "self": x, "kernel_size": b.intList(k),
            "stride": b.intList(op.attribute("stride")!.intsValue!.isEmpty ? [] : try Self.pair(op.attribute("stride")!.intsValue!)),
            "padding": b.intList(pad), "ceil_mode": b.bool(attrBool(op, "ceil_mode")),
            "count_include_pad": b.bool(explicit || includePad), "out": o,
        ])
        if rescale {
            let inDims = dims(op.operand(0)!), outDims = dims(op.result)
            let strides = op.attribute("stride")!.intsValue!.isEmpty ? k : try Self.pair(op.attribute("stride")!.intsValue!)
            func counts(_ o: Int, _ k: Int, _ s: Int, _ before: Int, _ size: Int, _ after: Int) -> (padded: Int, real: Int) {
                let start = o * s, end = min(start + k, before + size + after)
                return (end - start, max(0, min(end, before + size) - max(start, before)))
            }
            var factors: [Float] = []
            for oh in 0 ..< outDims[2] {
                let h = counts(oh, k[0], strides[0], p.top, inDims[2], p.bottom)
                for ow in 0 ..< outDims[3] {
                    let w = counts(ow, k[1], strides[1], p.left, inDims[3], p.right)
                    let real = h.real * w.real
                    factors.append(real == 0 ? 0 : Float(h.padded * w.padded) / Float(real))
                }
            }
            let f = b.constant(.float, [outDims[2], outDims[3]], bytes: factors.withUnsafeBytes { Array($0) })
            let result = try out(op.result)
            try call(.mul, ["self": o, "other": f, "out": result])
        }
    }
}
