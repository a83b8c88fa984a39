import EdgeKernels

extension Ops {
    static func moreMath(_ name: String, summary: String, _ op: MoreMathOp) -> OpDefinition {
        unary(name, summary: summary, reference: "aten::\(op.rawValue)", evaluate: { v, _ in [try MoreMath.run(op, v.first)] })
    }

    public static let tan = moreMath("edge.tan", summary: "Tangent per element.", .tan)
    public static let asin = moreMath("edge.asin", summary: "Arcsine per element.", .asin)
    public static let acos = moreMath("edge.acos", summary: "Arccosine per element.", .acos)
    public static let atan = moreMath("edge.atan", summary: "Arctangent per element.", .atan)
    public static let sinh = moreMath("edge.sinh", summary: "Hyperbolic sine per element.", .sinh)
    public static let cosh = moreMath("edge.cosh", summary: "Hyperbolic cosine per element.", .cosh)
    public static let asinh = moreMath("edge.asinh", summary: "Inverse hyperbolic sine per element.", .asinh)
    public static let acosh = moreMath("edge.acosh", summary: "Inverse hyperbolic cosine per element.", .acosh)
    public static let atanh = moreMath("edge.atanh", summary: "Inverse hyperbolic tangent per element.", .atanh)
    public static let round = moreMath("edge.round", summary: "Rounds to the nearest integer per element, halves to even.", .round)
}
