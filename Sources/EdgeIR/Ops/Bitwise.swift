import EdgeKernels

extension Ops {
    /// Declares a broadcasting bitwise op over integer (and, for and / or / xor, bool) operands.
    static func bitwise(_ name: String, summary: String, reference: String, traits: OpTraits = [], kernel: BitwiseOp) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference,
                     operands: [OperandSpec("lhs"), OperandSpec("rhs")],
                     traits: OpTraits([.pure, .elementwise]).union(traits),
                     evaluate: { v, _ in [try Bitwise.run(kernel, v.groups[0][0], v.groups[1][0])] }) { ctx throws(OpError) in
            let a = ctx.type("lhs")!, b = ctx.type("rhs")!
            let element = try ShapeRules.sameElement([a, b], "bitwise op")
            guard case .scalar(let s) = element, kernel.dtypes.contains(s) else {
                throw OpError("operands must be \(kernel.dtypes.contains(.bool) ? "integers or bool" : "integers"), got \(TypeText.type(a))")
            }
            return [TensorType(element, try ShapeRules.broadcast(a.shape, b.shape))]
        }
    }

    public static let bitwiseAnd = bitwise("edge.bitwise_and", summary: "lhs & rhs per element (integers, bool), broadcasting.", reference: "aten::bitwise_and.Tensor", traits: .commutative, kernel: .and)
    public static let bitwiseOr = bitwise("edge.bitwise_or", summary: "lhs | rhs per element (integers, bool), broadcasting.", reference: "aten::bitwise_or.Tensor", traits: .commutative, kernel: .or)
    public static let bitwiseXor = bitwise("edge.bitwise_xor", summary: "lhs ^ rhs per element (integers, bool), broadcasting.", reference: "aten::bitwise_xor.Tensor", traits: .commutative, kernel: .xor)
    public static let bitwiseLeftShift = bitwise("edge.bitwise_left_shift", summary: "lhs << rhs per element (integers; 0 for shifts outside 0..<bit width), broadcasting.", reference: "aten::bitwise_left_shift.Tensor", kernel: .leftShift)
    public static let bitwiseRightShift = bitwise("edge.bitwise_right_shift", summary: "lhs >> rhs per element (integers, arithmetic for signed types; the sign fill for shifts outside 0..<bit width), broadcasting.", reference: "aten::bitwise_right_shift.Tensor", kernel: .rightShift)

    public static let bitwiseNot = OpDefinition(
        "edge.bitwise_not", summary: "~x per element (integers; logical not for bool).", reference: "aten::bitwise_not",
        operands: [OperandSpec("input")], traits: [.pure, .elementwise],
        evaluate: { v, _ in [try Bitwise.not(v.first)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard case .scalar(let s) = x.element, s.isIntegral || s == .bool else {
            throw OpError("input must be an integer or bool tensor, got \(TypeText.type(x))")
        }
        return [x]
    }
}
