import EdgeIR
import EdgeProgram

// Activations: one kernel each where ExecuTorch's portable library registers one, else decomposed.

extension PortableLowering {
    static let activationRules: [PortableRule] = [
        PortableRule("edge.relu", [.relu]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            try l.call(.relu, ["self": l.t(op.operand(0)!), "out": o])
        },
        PortableRule("edge.clamp", [.clamp], "missing bound = Null") { l, op throws(Unsupported) in try l.clamp(op) },
        unary("edge.sigmoid", .sigmoid),
        unary("edge.tanh", .tanh),
        PortableRule("edge.gelu", [.gelu], "`approximate` string \"none\" / \"tanh\"") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let mode = l.attrString(op, "approximate")
            guard mode == "none" || mode == "tanh" else { throw Unsupported("gelu approximate \"\(mode)\" must be \"none\" or \"tanh\"") }
            let o = try l.out(op.result)
            try l.call(.gelu, ["self": l.t(op.operand(0)!), "approximate": l.builder.string(mode), "out": o])
        },
        PortableRule("edge.leaky_relu", [.leakyRelu], "negative_slope as Double") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let o = try l.out(op.result)
            try l.call(.leakyRelu, ["self": l.t(op.operand(0)!), "negative_slope": l.builder.double(l.attrFloat(op, "negative_slope")), "out": o])
        },
        PortableRule("edge.elu", [.elu], "alpha as Double, scale = input_scale = Int 1") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let o = try l.out(op.result)
            try l.call(.elu, ["self": l.t(op.operand(0)!), "alpha": l.builder.double(l.attrFloat(op, "alpha")), "out": o])
        },
        // No silu kernel is registered either: x · sigmoid(x).
        PortableRule("edge.silu", [.sigmoid, .mul], "decomposed: x · `sigmoid.out`(x) with `mul.out`; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let gate = l.temp(l.scalar(x), l.dims(x))
            try l.call(.sigmoid, ["self": l.t(x), "out": gate])
            let o = try l.out(op.result)
            try l.call(.mul, ["self": l.t(x), "other": gate, "out": o])
        },
        // ExecuTorch's portable library registers no hardsigmoid / hardswish kernel; decomposed as
        // ExecuTorch's own export does: relu6(x + 3) / 6 (times x).
        PortableRule("edge.hardsigmoid", [.addScalar, .clamp, .divScalar],
                     "decomposed: `add.Scalar_out` 3, `clamp.out` [0, 6], `div.Scalar_out` 6; f32, f64") { l, op throws(Unsupported) in
            try l.hardActivation(op, swish: false)
        },
        PortableRule("edge.hardswish", [.addScalar, .clamp, .mul, .divScalar],
                     "decomposed: x · relu6(x + 3) / 6 with `add.Scalar_out`, `clamp.out`, `mul.out`, `div.Scalar_out`; f32, f64") { l, op throws(Unsupported) in
            try l.hardActivation(op, swish: true)
        },
    ]

    /// `kernel(self, *, out)`: one-input ops without attributes, on element `types`.
    static func unary(_ op: String, _ kernel: ATenKernel, _ types: Set<ScalarType> = floats) -> PortableRule {
        PortableRule(op, [kernel], types == floats ? "" : "element types: \(typeList(types))") { l, op throws(Unsupported) in
            try l.require(op, types)
            let o = try l.out(op.result)
            try l.call(kernel, ["self": l.t(op.operand(0)!), "out": o])
        }
    }

    mutating func clamp(_ op: Operation) throws(Unsupported) {
        let o = try out(op.result)
        let lo = op.attribute("min")?.floatValue.map(builder.double) ?? builder.null()
        let hi = op.attribute("max")?.floatValue.map(builder.double) ?? builder.null()
        try call(.clamp, ["self": t(op.operand(0)!), "min": lo, "max": hi, "out": o])
    }

    mutating func hardActivation(_ op: Operation, swish: Bool) throws(Unsupported) {
        try require(op, Self.f32f64)
        let x = op.operand(0)!
        let type = scalar(x), d = dims(x), b = builder
        let shifted = temp(type, d)
        try call(.addScalar, ["self": t(x), "other": b.int(3), "out": shifted])
        let clamped = temp(type, d)
        try call(.clamp, ["self": shifted, "min": b.int(0), "max": b.int(6), "out": clamped])
        var numerator = clamped
        if swish {
            numerator = temp(type, d)
            try call(.mul, ["self": t(x), "other": clamped, "out": numerator])
        }
        let o = try out(op.result)
        try call(.divScalar, ["self": numerator, "other": b.int(6), "out": o])
    }
}
