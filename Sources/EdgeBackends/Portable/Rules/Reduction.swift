import EdgeIR
import EdgeProgram

// Reductions over axes (empty axes = every axis) and arg reductions over one dim.

extension PortableLowering {
    static let reductionRules: [PortableRule] = [
        PortableRule("edge.mean", [.mean], "empty axes = every axis") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            var axes = l.attrInts(op, "axes")
            if axes.isEmpty { axes = Array(0 ..< x.type.rank) }
            let o = try l.out(op.result)
            let b = l.builder
            try l.call(.mean, ["self": l.t(x), "dim": b.intList(axes), "keepdim": b.bool(l.attrBool(op, "keepdim")), "out": o])
        },
        PortableRule("edge.sum", [.sum], "empty axes = every axis; dtype = Null; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction(.sum, op)
        },
        PortableRule("edge.amax", [.amax], "empty axes = every axis; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction(.amax, op)
        },
        PortableRule("edge.amin", [.amin], "empty axes = every axis; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction(.amin, op)
        },
        PortableRule("edge.argmax", [.argmax], "dim as Int; f32, f64, integers") { l, op throws(Unsupported) in try l.argReduction(.argmax, op) },
        PortableRule("edge.argmin", [.argmin], "dim as Int; f32, f64, integers") { l, op throws(Unsupported) in try l.argReduction(.argmin, op) },
    ]

    /// `kernel(self, dim, keepdim, ...)` with non-negative axes (schema defaults such as sum's dtype apply).
    mutating func reduction(_ kernel: ATenKernel, _ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        var axes = attrInts(op, "axes").map { axis($0, x) }
        if axes.isEmpty { axes = Array(0 ..< x.type.rank) }
        let o = try out(op.result)
        let b = builder
        try call(kernel, ["self": t(x), "dim": b.intList(axes), "keepdim": b.bool(attrBool(op, "keepdim")), "out": o])
    }

    mutating func argReduction(_ kernel: ATenKernel, _ op: Operation) throws(Unsupported) {
        try require(op, Self.numeric)
        let x = op.operand(0)!
        guard x.type.rank >= 1 else { throw Unsupported("arg reduction of a 0-d tensor is not supported") }
        let o = try out(op.result)
        let b = builder
        try call(kernel, ["self": t(x), "dim": b.int(axis(attrInt(op, "dim"), x)), "keepdim": b.bool(attrBool(op, "keepdim")), "out": o])
    }
}
