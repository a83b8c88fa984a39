import EdgeKernels

extension Ops {
    /// Declares a binary op with numpy broadcasting whose result keeps the operands' element type.
    static func binary(_ name: String, summary: String, reference: String, traits: OpTraits = [],
                       evaluate: OpEvaluator? = nil) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference,
                     operands: [OperandSpec("lhs"), OperandSpec("rhs")],
                     traits: OpTraits([.pure, .elementwise]).union(traits), evaluate: evaluate) { ctx throws(OpError) in
            let a = ctx.type("lhs")!, b = ctx.type("rhs")!
            let element = try ShapeRules.sameElement([a, b], "binary op")
            return [TensorType(element, try ShapeRules.broadcast(a.shape, b.shape))]
        }
    }

    public static let add = binary("edge.add", summary: "lhs + rhs with numpy broadcasting.", reference: "aten::add.Tensor", traits: .commutative, evaluate: evaluateBinary(.add))
    public static let sub = binary("edge.sub", summary: "lhs - rhs with numpy broadcasting.", reference: "aten::sub.Tensor", evaluate: evaluateBinary(.sub))
    public static let mul = binary("edge.mul", summary: "lhs * rhs with numpy broadcasting.", reference: "aten::mul.Tensor", traits: .commutative, evaluate: evaluateBinary(.mul))
    public static let div = binary("edge.div", summary: "lhs / rhs with numpy broadcasting (integer division truncates).", reference: "aten::div.Tensor", evaluate: evaluateBinary(.div))
}

extension Ops {
    public static let pow = binary("edge.pow", summary: "lhs ^ rhs with numpy broadcasting.", reference: "aten::pow.Tensor_Tensor", evaluate: evaluateBinaryMath(.pow))
    public static let maximum = binary("edge.maximum", summary: "The larger of lhs and rhs per element, broadcasting.", reference: "aten::maximum", traits: .commutative, evaluate: evaluateBinaryMath(.maximum))
    public static let minimum = binary("edge.minimum", summary: "The smaller of lhs and rhs per element, broadcasting.", reference: "aten::minimum", traits: .commutative, evaluate: evaluateBinaryMath(.minimum))
}
