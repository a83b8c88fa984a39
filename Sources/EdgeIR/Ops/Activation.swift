import EdgeKernels

extension Ops {
    /// Declares a one-input op whose result has the input's type.
    static func unary(_ name: String, summary: String, reference: String, attributes: [AttributeSpec] = [], floatOnly: Bool = true,
                      evaluate: OpEvaluator? = nil) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference, operands: [OperandSpec("input")],
                     attributes: attributes, traits: [.pure, .elementwise], evaluate: evaluate) { ctx throws(OpError) in
            let x = ctx.type("input")!
            if floatOnly { try ShapeRules.requireFloat(x, "input") }
            return [x]
        }
    }

    public static let relu = unary("edge.relu", summary: "max(x, 0) per element.", reference: "aten::relu", floatOnly: false,
                                   evaluate: evaluateUnary(.relu))

    public static let clamp = OpDefinition(
        "edge.clamp",
        summary: "Limits each element to [min, max]; either bound may be absent.",
        reference: "aten::clamp",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("min", .float, .optional, "lower bound"),
            AttributeSpec("max", .float, .optional, "upper bound"),
        ],
        traits: [.pure, .elementwise],
        evaluate: { v, ctx in [try Unary.run(.clamp(min: ctx.float("min"), max: ctx.float("max")), v.first)] }
    ) { ctx throws(OpError) in
        if let lo = ctx.float("min"), let hi = ctx.float("max"), lo > hi {
            throw OpError("min \(lo) is greater than max \(hi)")
        }
        return [ctx.type("input")!]
    }
}

extension Ops {
    public static let sigmoid = unary("edge.sigmoid", summary: "1 / (1 + exp(-x)) per element.", reference: "aten::sigmoid")
    public static let tanh = unary("edge.tanh", summary: "Hyperbolic tangent per element.", reference: "aten::tanh")
    public static let hardswish = unary("edge.hardswish", summary: "x * relu6(x + 3) / 6 per element.", reference: "aten::hardswish")
    public static let hardsigmoid = unary("edge.hardsigmoid", summary: "relu6(x + 3) / 6 per element.", reference: "aten::hardsigmoid")
    public static let gelu = unary(
        "edge.gelu", summary: "Gaussian error linear unit; `approximate` is \"none\" (erf) or \"tanh\".", reference: "aten::gelu",
        attributes: [AttributeSpec("approximate", .string, .defaulted(.string("none")), "\"none\" or \"tanh\"")])
    public static let leakyRelu = unary(
        "edge.leaky_relu", summary: "x for x >= 0, negative_slope * x otherwise.", reference: "aten::leaky_relu",
        attributes: [AttributeSpec("negative_slope", .float, .defaulted(.float(0.01)))])
    public static let elu = unary(
        "edge.elu", summary: "x for x > 0, alpha * (exp(x) - 1) otherwise.", reference: "aten::elu (scale = 1, input_scale = 1)",
        attributes: [AttributeSpec("alpha", .float, .defaulted(.float(1)))])
    public static let silu = unary("edge.silu", summary: "x * sigmoid(x) per element (swish).", reference: "aten::silu")
}
