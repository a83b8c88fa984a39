import EdgeKernels

extension Ops {
    public static let logSoftmax = OpDefinition(
        "edge.log_softmax",
        summary: "log(softmax(x)) along one axis, computed stably as x - max - log(sum(exp(x - max))).",
        reference: "aten::_log_softmax",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("axis", .int, .defaulted(.int(-1)))],
        evaluate: { v, ctx in [try LogSoftmax.run(v.first, axis: ctx.int("axis") ?? -1)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        try ShapeRules.requireFloat(x, "input")
        _ = try ShapeRules.axis(ctx.int("axis")!, rank: x.rank)
        return [x]
    }
}
