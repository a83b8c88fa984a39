import EdgeKernels

extension Ops {
    public static let exp = unary("edge.exp", summary: "e^x per element.", reference: "aten::exp", evaluate: evaluateMath(.exp))
    public static let log = unary("edge.log", summary: "Natural logarithm per element.", reference: "aten::log", evaluate: evaluateMath(.log))
    public static let sqrt = unary("edge.sqrt", summary: "Square root per element.", reference: "aten::sqrt", evaluate: evaluateMath(.sqrt))
    public static let rsqrt = unary("edge.rsqrt", summary: "1 / sqrt(x) per element.", reference: "aten::rsqrt", evaluate: evaluateMath(.rsqrt))
    public static let reciprocal = unary("edge.reciprocal", summary: "1 / x per element.", reference: "aten::reciprocal", evaluate: evaluateMath(.reciprocal))
    public static let erf = unary("edge.erf", summary: "Gauss error function per element.", reference: "aten::erf", evaluate: evaluateMath(.erf))
    public static let neg = unary("edge.neg", summary: "-x per element.", reference: "aten::neg", floatOnly: false, evaluate: evaluateMath(.neg))
    public static let abs = unary("edge.abs", summary: "|x| per element.", reference: "aten::abs", floatOnly: false, evaluate: evaluateMath(.abs))
    public static let floor = unary("edge.floor", summary: "Rounds down per element.", reference: "aten::floor", evaluate: evaluateMath(.floor))
    public static let ceil = unary("edge.ceil", summary: "Rounds up per element.", reference: "aten::ceil", evaluate: evaluateMath(.ceil))
    public static let sin = unary("edge.sin", summary: "Sine per element.", reference: "aten::sin", evaluate: evaluateMath(.sin))
    public static let cos = unary("edge.cos", summary: "Cosine per element.", reference: "aten::cos", evaluate: evaluateMath(.cos))

    public static let logicalNot = OpDefinition(
        "edge.logical_not", summary: "Boolean negation per element.", reference: "aten::logical_not",
        operands: [OperandSpec("input")], traits: [.pure, .elementwise],
        evaluate: { v, _ in [try Logical.not(v.first)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard x.element == .bool else { throw OpError("input must be bool, got \(TypeText.type(x))") }
        return [x]
    }

    public static let cast = OpDefinition(
        "edge.cast", summary: "Converts each element to `dtype` (floats truncate toward zero into integers).",
        reference: "aten::_to_copy (dtype)",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dtype", .string, .required, "the element type: f32, f16, i64, bool, ...")],
        traits: [.pure, .elementwise],
        evaluate: { v, ctx in
            guard let s = ScalarType(rawValue: ctx.attribute("dtype")?.stringValue ?? "") else { throw EvaluationError("bad dtype") }
            return [try Cast.run(v.first, to: s)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let name = ctx.attribute("dtype")?.stringValue ?? ""
        guard let s = ScalarType(rawValue: name) else {
            throw OpError("dtype \"\(name)\" is not an element type (one of \(ScalarType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return [TensorType(.scalar(s), x.shape)]
    }
}
