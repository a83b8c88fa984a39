import EdgeIR
import EdgeProgram

// Comparisons and logical ops (bool results).

extension PortableLowering {
    static let comparisonRules: [PortableRule] = [
        binaryRule("edge.eq", .eq, anyType),
        binaryRule("edge.lt", .lt, anyType),
        binaryRule("edge.le", .le, anyType),
        binaryRule("edge.gt", .gt, anyType),
        binaryRule("edge.ge", .ge, anyType),
        binaryRule("edge.logical_and", .logicalAnd, anyType),
        binaryRule("edge.logical_or", .logicalOr, anyType),
        binaryRule("edge.logical_xor", .logicalXor, anyType),
        unary("edge.logical_not", .logicalNot, [.bool]),
    ]
}
