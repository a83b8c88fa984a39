import EdgeIR
import EdgeProgram

// Convolutions (`convolution.out` for both directions) and their fused activations.

extension PortableLowering {
    static let convolutionRules: [PortableRule] = [
        PortableRule("edge.conv2d", [.convolution, .constantPadNd], "transposed = false; asymmetric padding first pads explicitly") { l, op throws(Unsupported) in
            try l.conv2d(op)
        },
        PortableRule("edge.conv_transpose2d", [.convolution], "transposed = true with output_padding; f32, f64") { l, op throws(Unsupported) in
            try l.convTranspose2d(op)
        },
    ]

    static func pair(_ v: [Int64]) throws(Unsupported) -> [Int] {
        switch v.count {
        case 1: return [Int(v[0]), Int(v[0])]
        case 2: return v.map(Int.init)
        default: throw Unsupported("expected 2 values, got \(v)")
        }
    }

    static func padding(_ op: Operation) throws(Unsupported) -> (top: Int, left: Int, bottom: Int, right: Int) {
        do { return try ShapeRules.padding2d(op.attribute("padding")!.intsValue!.map(Int.init)) } catch { throw Unsupported(error.message) }
    }

    mutating func conv2d(_ op: Operation) throws(Unsupported) {
        let p = try Self.padding(op)
        let (x, pad) = try explicitPadding(op.operand(0)!, p, value: 0, when: p.top != p.bottom || p.left != p.right)
        let activation = op.attribute("fused_activation")?.stringValue ?? "none"
        let o = activation == "none" ? try out(op.result) : temp(scalar(op.result), dims(op.result))
        let b = builder
        try call(.convolution, [
            "input": x, "weight": t(op.operand(1)!), "bias": optional(op.operand(2)),
            "stride": b.intList(try Self.pair(op.attribute("stride")!.intsValue!)), "padding": b.intList(pad),
            "dilation": b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)), "transposed": b.bool(false),
            "output_padding": b.intList([0, 0]), "groups": b.int(attrInt(op, "groups")), "out": o,
        ])
        try fusedActivation(op, from: o)
    }

    mutating func convTranspose2d(_ op: Operation) throws(Unsupported) {
        try require(op, Self.f32f64)
        let o = try out(op.result)
        let b = builder
        try call(.convolution, [
            "input": t(op.operand(0)!), "weight": t(op.operand(1)!), "bias": optional(op.operand(2)),
            "stride": b.intList(try Self.pair(op.attribute("stride")!.intsValue!)), "padding": b.intList(try Self.pair(op.attribute("padding")!.intsValue!)),
            "dilation": b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)), "transposed": b.bool(true),
            "output_padding": b.intList(try Self.pair(op.attribute("output_padding")!.intsValue!)), "groups": b.int(attrInt(op, "groups")), "out": o,
        ])
    }

    /// Applies the op's `fused_activation` (conv2d, linear) as its own kernel: ExecuTorch's portable
    /// library has no fused variants, so `from` (the op's raw result) goes through relu/clamp into the result.
    mutating func fusedActivation(_ op: Operation, from raw: Int32) throws(Unsupported) {
        let activation = op.attribute("fused_activation")?.stringValue ?? "none"
        guard activation != "none" else { return }
        let o = try out(op.result)
        switch activation {
        case "relu": try call(.relu, ["self": raw, "out": o])
        case "relu6": try call(.clamp, ["self": raw, "min": builder.double(0), "max": builder.double(6), "out": o])
        default: throw Unsupported("fused_activation \"\(activation)\"")
        }
    }
}
