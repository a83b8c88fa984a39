import EdgeIR
import EdgeProgram

// One-input math ops, one kernel each.

extension PortableLowering {
    static let unaryMathRules: [PortableRule] = [
        unary("edge.exp", .exp),
        unary("edge.log", .log),
        unary("edge.sqrt", .sqrt),
        unary("edge.rsqrt", .rsqrt),
        unary("edge.reciprocal", .reciprocal),
        unary("edge.erf", .erf),
        unary("edge.floor", .floor),
        unary("edge.ceil", .ceil),
        unary("edge.sin", .sin),
        unary("edge.cos", .cos),
        unary("edge.neg", .neg, floats.union(numeric)),
        unary("edge.abs", .abs, floats.union(numeric)),
    ]
}
