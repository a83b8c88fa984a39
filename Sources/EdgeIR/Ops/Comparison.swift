import EdgeKernels

extension Ops {
    /// Declares a broadcasting comparison whose result is bool.
    static func comparison(_ name: String, summary: String, reference: String, traits: OpTraits = [], kernel: CompareOp) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference,
                     operands: [OperandSpec("lhs"), OperandSpec("rhs")],
                     traits: OpTraits([.pure, .elementwise]).union(traits),
                     evaluate: { v, _ in [try Compare.run(kernel, v.groups[0][0], v.groups[1][0])] }) { ctx throws(OpError) in
            let a = ctx.type("lhs")!, b = ctx.type("rhs")!
            _ = try ShapeRules.sameElement([a, b], "comparison")
            return [TensorType(.bool, try ShapeRules.broadcast(a.shape, b.shape))]
        }
    }

    /// Declares a broadcasting logical op over bool operands.
    static func logical(_ name: String, summary: String, reference: String, kernel: LogicalOp) -> OpDefinition {
        OpDefinition(name, summary: summary, reference: reference,
                     operands: [OperandSpec("lhs"), OperandSpec("rhs")],
                     traits: [.pure, .elementwise, .commutative],
                     evaluate: { v, _ in [try Logical.run(kernel, v.groups[0][0], v.groups[1][0])] }) { ctx throws(OpError) in
            let a = ctx.type("lhs")!, b = ctx.type("rhs")!
            guard a.element == .bool, b.element == .bool else {
                throw OpError("operands must be bool, got \(TypeText.type(a)) and \(TypeText.type(b))")
            }
            return [TensorType(.bool, try ShapeRules.broadcast(a.shape, b.shape))]
        }
    }

    public static let eq = comparison("edge.eq", summary: "lhs == rhs per element (bool), broadcasting.", reference: "aten::eq.Tensor", traits: .commutative, kernel: .eq)
    public static let lt = comparison("edge.lt", summary: "lhs < rhs per element (bool), broadcasting.", reference: "aten::lt.Tensor", kernel: .lt)
    public static let le = comparison("edge.le", summary: "lhs <= rhs per element (bool), broadcasting.", reference: "aten::le.Tensor", kernel: .le)
    public static let gt = comparison("edge.gt", summary: "lhs > rhs per element (bool), broadcasting.", reference: "aten::gt.Tensor", kernel: .gt)
    public static let ge = comparison("edge.ge", summary: "lhs >= rhs per element (bool), broadcasting.", reference: "aten::ge.Tensor", kernel: .ge)
    public static let logicalAnd = logical("edge.logical_and", summary: "lhs and rhs per element, broadcasting.", reference: "aten::logical_and", kernel: .and)
    public static let logicalOr = logical("edge.logical_or", summary: "lhs or rhs per element, broadcasting.", reference: "aten::logical_or", kernel: .or)
    public static let logicalXor = logical("edge.logical_xor", summary: "lhs xor rhs per element, broadcasting.", reference: "aten::logical_xor", kernel: .xor)

    public static let `where` = OpDefinition(
        "edge.where", summary: "Picks lhs where condition is true, else rhs; all three broadcast.",
        reference: "aten::where.self",
        operands: [OperandSpec("condition"), OperandSpec("lhs"), OperandSpec("rhs")],
        traits: [.pure, .elementwise],
        evaluate: { v, _ in [try Where.run(condition: v.groups[0][0], v.groups[1][0], v.groups[2][0])] }
    ) { ctx throws(OpError) in
        let c = ctx.type("condition")!, a = ctx.type("lhs")!, b = ctx.type("rhs")!
        guard c.element == .bool else { throw OpError("condition must be bool, got \(TypeText.type(c))") }
        let element = try ShapeRules.sameElement([a, b], "where")
        return [TensorType(element, try ShapeRules.broadcast(c.shape, try ShapeRules.broadcast(a.shape, b.shape)))]
    }
}
