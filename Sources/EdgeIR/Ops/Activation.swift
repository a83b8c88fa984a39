extension Ops {
    /// Declares a one-input op whose result has the input's type.
    static func unary(_ name: String, summary: String, reference: String, attributes: [AttributeSpec] = [], floatOnly: Bool = true) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference, operands: [OperandSpec("input")],
                     attributes: attributes, traits: [.pure, .elementwise]) { ctx throws(OpError) in
            let x = ctx.type("input")!
            if floatOnly { try ShapeRules.requireFloat(x, "input") }
            return [x]
        }
    }

    public static let relu = unary("edge.relu", summary: "max(x, 0) per element.", reference: "aten::relu", floatOnly: false)

    public static let clamp = OpDefinition(
        "edge.clamp",
        summary: "Limits each element to [min, max]; either bound may be absent.",
        reference: "aten::clamp",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("min", .float, .optional, "lower bound"),
            AttributeSpec("max", .float, .optional, "upper bound"),
        ],
        traits: [.pure, .elementwise]
    ) { ctx throws(OpError) in
        if let lo = ctx.float("min"), let hi = ctx.float("max"), lo > hi {
            throw OpError("min \(lo) is greater than max \(hi)")
        }
        return [ctx.type("input")!]
    }
}
