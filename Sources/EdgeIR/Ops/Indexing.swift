import EdgeKernels

extension Ops {
    /// The length of `start..<end` by `step` along a dim of `size`, clamped as Python slicing does.
    public static func sliceLength(size: Int, start: Int, end: Int, step: Int) -> Int {
        func clampIndex(_ i: Int) -> Int { min(max(i < 0 ? i + size : i, 0), size) }
        let s = clampIndex(start), e = clampIndex(end)
        return e > s ? (e - s + step - 1) / step : 0
    }

    public static let slice = OpDefinition(
        "edge.slice",
        summary: "Elements start, start+step, ... before end along `dim` (indices clamped as in Python).",
        reference: "aten::slice_copy.Tensor",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("dim", .int, .required),
            AttributeSpec("start", .int, .defaulted(.int(0))),
            AttributeSpec("end", .int, .defaulted(.int(Int64.max)), "exclusive; clamped to the dim size"),
            AttributeSpec("step", .int, .defaulted(.int(1)), "positive"),
        ],
        evaluate: { v, ctx in
            [try Slice.run(v.first, dim: try ctx.required(ctx.int("dim"), "dim"), start: try ctx.required(ctx.int("start"), "start"),
                           end: try ctx.required(ctx.int("end"), "end"), step: try ctx.required(ctx.int("step"), "step"))]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let dim = try ShapeRules.existingAxis(ctx.int("dim")!, rank: x.rank, what: "dim")
        let step = ctx.int("step")!
        guard step > 0 else { throw OpError("step must be positive, got \(step)") }
        var shape = x.shape
        if let size = x.shape[dim].value {
            shape[dim] = .known(sliceLength(size: size, start: ctx.int("start")!, end: ctx.int("end")!, step: step))
        } else {
            shape[dim] = .unknown
        }
        return [TensorType(x.element, shape)]
    }

    public static let indexSelect = OpDefinition(
        "edge.index_select",
        summary: "Gathers slices along `dim` at the positions in a 1-D integer index tensor.",
        reference: "aten::index_select",
        operands: [OperandSpec("input"), OperandSpec("index", .single, "1-D i32 or i64")],
        attributes: [AttributeSpec("dim", .int, .required)],
        evaluate: { v, ctx in [try IndexSelect.run(v.first, dim: try ctx.required(ctx.int("dim"), "dim"), index: v.tensor("index")!)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, idx = ctx.type("index")!
        try ShapeRules.requireRank(idx, 1, "index")
        guard idx.element == .i64 || idx.element == .i32 else { throw OpError("index must be i32 or i64, got \(TypeText.type(idx))") }
        let dim = try ShapeRules.axis(ctx.int("dim")!, rank: x.rank, what: "dim")
        var shape = x.shape
        if x.rank == 0 { return [x] }
        shape[dim] = idx.shape[0]
        return [TensorType(x.element, shape)]
    }

    public static let gather = OpDefinition(
        "edge.gather",
        summary: "Per element of `index`, the input element with the `dim` coordinate replaced by the index value (the output has the index's shape).",
        reference: "aten::gather",
        operands: [OperandSpec("input"), OperandSpec("index", .single, "i32 or i64, the input's rank; indices in 0..<size")],
        attributes: [AttributeSpec("dim", .int, .required)],
        evaluate: { v, ctx in [try Gather.run(v.first, dim: try ctx.required(ctx.int("dim"), "dim"), index: v.tensor("index")!)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, idx = ctx.type("index")!
        guard idx.element == .i64 || idx.element == .i32 else { throw OpError("index must be i32 or i64, got \(TypeText.type(idx))") }
        guard idx.rank == x.rank else { throw OpError("index \(TypeText.type(idx)) must have the input's rank \(x.rank)") }
        let dim = x.rank == 0 ? 0 : try ShapeRules.axis(ctx.int("dim")!, rank: x.rank, what: "dim")
        for i in 0 ..< x.rank where i != dim {
            if let a = idx.shape[i].value, let b = x.shape[i].value, a > b {
                throw OpError("index size \(a) in dim \(i) exceeds the input's \(b)")
            }
        }
        return [TensorType(x.element, idx.shape)]
    }

    public static let split = OpDefinition(
        "edge.split",
        summary: "Splits along `dim` into pieces of the listed sizes (one result per size).",
        reference: "aten::split_with_sizes_copy",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dim", .int, .required), AttributeSpec("sizes", .ints, .required)],
        results: .variadic,
        evaluate: { v, ctx in try Split.run(v.first, dim: try ctx.required(ctx.int("dim"), "dim"), sizes: try ctx.required(ctx.ints("sizes"), "sizes")) }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let dim = try ShapeRules.existingAxis(ctx.int("dim")!, rank: x.rank, what: "dim")
        let sizes = ctx.ints("sizes")!
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 0 }) else { throw OpError("sizes \(sizes) must be non-empty and non-negative") }
        if let n = x.shape[dim].value, sizes.reduce(0, +) != n {
            throw OpError("sizes \(sizes) add up to \(sizes.reduce(0, +)), but dim \(dim) has size \(n)")
        }
        return sizes.map { s in
            var shape = x.shape
            shape[dim] = .known(s)
            return TensorType(x.element, shape)
        }
    }
}
