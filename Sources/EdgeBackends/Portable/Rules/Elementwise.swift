import EdgeIR
import EdgeProgram

// Broadcasting arithmetic, selection and casts.

extension PortableLowering {
    static let elementwiseRules: [PortableRule] = [
        PortableRule("edge.add", [.add], "alpha = Int 1") { l, op throws(Unsupported) in try l.binary(.add, op) },
        PortableRule("edge.sub", [.sub], "alpha = Int 1") { l, op throws(Unsupported) in try l.binary(.sub, op) },
        PortableRule("edge.mul", [.mul]) { l, op throws(Unsupported) in try l.binary(.mul, op) },
        PortableRule("edge.div", [.div, .divMode], "integer division: `div.out_mode` with \"trunc\"") { l, op throws(Unsupported) in try l.div(op) },
        binaryRule("edge.pow", .pow, f32f64, rhs: "exponent"),
        binaryRule("edge.maximum", .maximum, numeric),
        binaryRule("edge.minimum", .minimum, numeric),
        PortableRule("edge.where", [.where]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            try l.call(.where, ["condition": l.t(op.operand(0)!), "self": l.t(op.operand(1)!), "other": l.t(op.operand(2)!), "out": o])
        },
        PortableRule("edge.cast", [.toCopy], "non_blocking = false, memory_format = Null; a cast to the same type is a view") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            if x.type.element == op.result.type.element { return l.bind(op.result, l.t(x)) }
            let o = try l.out(op.result)
            try l.call(.toCopy, ["self": l.t(x), "out": o])
        },
    ]

    /// `kernel(self, other, *, out)`: a broadcasting binary op on operand 0's element `types`.
    static func binaryRule(_ op: String, _ kernel: ATenKernel, _ types: Set<ScalarType>, rhs: String = "other") -> PortableRule {
        PortableRule(op, [kernel], types == anyType ? "" : "element types: \(typeList(types))") { l, op throws(Unsupported) in
            try l.require(op, types, operand: 0)
            try l.binary(kernel, op, rhs: rhs)
        }
    }

    /// `kernel(self, <rhs>, *, out)` of the op's two operands (schema defaults such as alpha = 1 apply).
    mutating func binary(_ kernel: ATenKernel, _ op: Operation, rhs: String = "other") throws(Unsupported) {
        let o = try out(op.result)
        try call(kernel, ["self": t(op.operand(0)!), rhs: t(op.operand(1)!), "out": o])
    }

    mutating func div(_ op: Operation) throws(Unsupported) {
        if op.result.type.element.storage.isFloat { return try binary(.div, op) }
        // Edge IR integer division truncates: div.out_mode with rounding_mode "trunc".
        let o = try out(op.result)
        try call(.divMode, ["self": t(op.operand(0)!), "other": t(op.operand(1)!), "rounding_mode": builder.string("trunc"), "out": o])
    }
}
