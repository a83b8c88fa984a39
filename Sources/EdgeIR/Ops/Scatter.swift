import EdgeKernels

extension Ops {
    public static let scatter = OpDefinition(
        "edge.scatter",
        summary: "The input with, for every position p of `index`, out[p with p[dim] = index[p]] = src[p] (`reduce` \"add\": +=).",
        reference: "aten::scatter.src / aten::scatter_add",
        operands: [OperandSpec("input"), OperandSpec("index", .single, "i32 or i64, the input's rank; indices in 0..<size"),
                   OperandSpec("src", .single, "the input's element type and rank, at least the index's size")],
        attributes: [AttributeSpec("dim", .int, .required),
                     AttributeSpec("reduce", .string, .defaulted(.string("none")), "none (later writes win) or add")],
        traits: [.pure],
        evaluate: { v, ctx in
            guard let reduce = ScatterReduce(rawValue: ctx.attribute("reduce")?.stringValue ?? "none") else { throw EvaluationError("bad reduce") }
            return [try Scatter.run(reduce, v.first, dim: try ctx.required(ctx.int("dim"), "dim"), index: v.tensor("index")!, src: v.tensor("src")!)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, idx = ctx.type("index")!, src = ctx.type("src")!
        guard idx.element == .i64 || idx.element == .i32 else { throw OpError("index must be i32 or i64, got \(TypeText.type(idx))") }
        guard idx.rank == x.rank, src.rank == x.rank else {
            throw OpError("index \(TypeText.type(idx)) and src \(TypeText.type(src)) must have the input's rank \(x.rank)")
        }
        guard src.element == x.element else { throw OpError("src \(TypeText.type(src)) must have the input's element type") }
        let reduce = ctx.attribute("reduce")?.stringValue ?? "none"
        guard ScatterReduce(rawValue: reduce) != nil else { throw OpError("reduce \"\(reduce)\" is not none or add") }
        _ = try ShapeRules.axis(ctx.int("dim")!, rank: max(x.rank, 1), what: "dim")
        return [x]
    }
}
