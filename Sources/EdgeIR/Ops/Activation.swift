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
    public static let sigmoid = unary("edge.sigmoid", summary: "1 / (1 + exp(-x)) per element.", reference: "aten::sigmoid", evaluate: evaluateMath(.sigmoid))
    public static let tanh = unary("edge.tanh", summary: "Hyperbolic tangent per element.", reference: "aten::tanh", evaluate: evaluateMath(.tanh))
    public static let hardswish = unary("edge.hardswish", summary: "x * relu6(x + 3) / 6 per element.", reference: "aten::hardswish", evaluate: evaluateMath(.hardswish))
    public static let hardsigmoid = unary("edge.hardsigmoid", summary: "relu6(x + 3) / 6 per element.", reference: "aten::hardsigmoid", evaluate: evaluateMath(.hardsigmoid))
    public static let gelu = unary(
        "edge.gelu", summary: "Gaussian error linear unit; `approximate` is \"none\" (erf) or \"tanh\".", reference: "aten::gelu",
        attributes: [AttributeSpec("approximate", .string, .defaulted(.string("none")), "\"none\" or \"tanh\"")],
        evaluate: { v, ctx in
            let approximate = ctx.attribute("approximate")?.stringValue ?? "none"
            guard approximate == "none" || approximate == "tanh" else { throw EvaluationError("approximate \"\(approximate)\"") }
            return [try Math.run(.gelu(tanhApproximation: approximate == "tanh"), v.first, config: .folding)]
        })
    public static let leakyRelu = unary(
        "edge.leaky_relu", summary: "x for x >= 0, negative_slope * x otherwise.", reference: "aten::leaky_relu",
        attributes: [AttributeSpec("negative_slope", .float, .defaulted(.float(0.01)))],
        evaluate: { v, ctx in [try Math.run(.leakyRelu(slope: try ctx.required(ctx.float("negative_slope"), "negative_slope")), v.first)] })
    public static let elu = unary(
        "edge.elu", summary: "x for x > 0, alpha * (exp(x) - 1) otherwise.", reference: "aten::elu (scale = 1, input_scale = 1)",
        attributes: [AttributeSpec("alpha", .float, .defaulted(.float(1)))],
        evaluate: { v, ctx in [try Math.run(.elu(alpha: try ctx.required(ctx.float("alpha"), "alpha")), v.first)] })
    public static let silu = unary(
        "edge.silu", summary: "x * sigmoid(x) per element (swish).", reference: "aten::silu",
        // As the portable lowering runs it: sigmoid, then mul.
        evaluate: { v, _ in [try Binary.run(.mul, v.first, try Math.run(.sigmoid, v.first, config: .folding))] })
}
