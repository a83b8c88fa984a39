import EdgeIR
import EdgeProgram

// Slicing and gathers along one dim.

extension PortableLowering {
    static let indexingRules: [PortableRule] = [
        PortableRule("edge.slice", [.sliceCopy], "start and end as Ints clamped to the dim (Python slicing resolved at compile time)") { l, op throws(Unsupported) in
            try l.slice(op)
        },
        PortableRule("edge.index_select", [.indexSelect], "constant indices: negative ones wrap and out-of-range ones are a compile error; run-time indices must lie in 0..<size (as in ATen)") { l, op throws(Unsupported) in
            try l.indexSelect(op)
        },
        PortableRule("edge.gather", [.gather], "run-time indices must lie in 0..<size (as in ATen); importers wrap negative ones") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            let dim = x.type.rank == 0 ? 0 : l.axis(l.attrInt(op, "dim"), x)
            let o = try l.out(op.result)
            try l.call(.gather, ["self": l.t(x), "dim": l.builder.int(dim), "index": l.t(op.operand(1)!), "out": o])
        },
        PortableRule("edge.embedding", [.indexSelect], "`index_select` along dim 0 of the table with the indices viewed as 1-D (constant indices checked as for `edge.index_select`)") { l, op throws(Unsupported) in
            try l.embedding(op)
        },
    ]

    mutating func indexSelect(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        guard x.type.rank >= 1 else { throw Unsupported("index_select of a 0-d tensor is not supported") }
        let o = try out(op.result)
        try indexSelect(x, dim: axis(attrInt(op, "dim"), x), index: op.operand(1)!, into: o)
    }

    mutating func embedding(_ op: Operation) throws(Unsupported) {
        let w = op.operand(0)!, idx = op.operand(1)!
        let count = dims(idx).reduce(1, *)
        let (type, result) = try Self.tensorType(op.result.type)
        let o = temp(type, [count, dims(w)[1]])
        try indexSelect(w, dim: 0, index: idx, flat: true, into: o)
        bind(op.result, try view(o, result))
    }

    /// `index_select` of IR value `x` into `o`, with constant indices resolved (negative ones
    /// wrap) and range-checked at compile time; `flat` views the index as 1-D.
    mutating func indexSelect(_ x: Value, dim: Int, index indexValue: Value, flat: Bool = false, into o: Int32) throws(Unsupported) {
        var index = t(indexValue)
        let indexDims = flat ? [dims(indexValue).reduce(1, *)] : dims(indexValue)
        if builder.isConstant(index) {
            // Resolve negative constant indices now (ATen's kernel rejects them) and check the range.
            let size = Int64(dims(x)[dim])
            let wide = builder.tensor(index).scalarType == .long
            let bytes = builder.constantBytes(index)
            let width = wide ? 8 : 4
            var fixed: [UInt8] = []
            for k in 0 ..< bytes.count / width {
                var v: Int64 = 0
                for b in 0 ..< width { v |= Int64(bytes[k * width + b]) << (8 * b) }
                if !wide { v = Int64(Int32(truncatingIfNeeded: v)) }
                let resolved = v < 0 ? v + size : v
                guard resolved >= 0, resolved < size else { throw Unsupported("index \(v) is out of range for dim \(dim) of size \(size)") }
                for b in 0 ..< width { fixed.append(UInt8(truncatingIfNeeded: resolved >> (8 * b))) }
            }
            if fixed != bytes { index = builder.constant(builder.tensor(index).scalarType, indexDims, bytes: fixed) }
        }
        try call(.indexSelect, ["self": t(x), "dim": builder.int(dim), "index": try view(index, indexDims), "out": o])
    }

    /// `slice_copy` of `x` (value index) along `dim` with already clamped bounds.
    mutating func sliceCopy(_ x: Int32, dim: Int, start: Int, end: Int, step: Int, into o: Int32) throws(Unsupported) {
        let b = builder
        try call(.sliceCopy, ["self": x, "dim": b.int(dim), "start": b.int(start), "end": b.int(end), "step": b.int(step), "out": o])
    }

    mutating func slice(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        let dim = axis(attrInt(op, "dim"), x)
        let size = dims(x)[dim]
        let step = attrInt(op, "step")
        let start64 = op.attribute("start")!.intValue!, end64 = op.attribute("end")!.intValue!
        func clamp(_ i: Int64) -> Int { Int(min(max(i < 0 ? i + Int64(size) : i, 0), Int64(size))) }
        let start = clamp(start64), end = max(clamp(end64), start)
        let o = try out(op.result)
        try sliceCopy(t(x), dim: dim, start: start, end: end, step: step, into: o)
    }
}
