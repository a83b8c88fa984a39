import EdgeKernels
import EdgeProgram

// Comparisons and logical ops.

extension Kernels {
    static let comparison: [Kernel] = [
        compare(.eq, .eq), compare(.ne, .ne), compare(.lt, .lt), compare(.le, .le), compare(.gt, .gt), compare(.ge, .ge),
        logical(.logicalAnd, .and), logical(.logicalOr, .or), logical(.logicalXor, .xor),
        Kernel(.logicalNot) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Logical.not(input: x, output: out) }
        },
    ]

    static func compare(_ kernel: ATenKernel, _ op: CompareOp) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            return { try Compare.run(op, x, y, output: out) }
        }
    }

    static func logical(_ kernel: ATenKernel, _ op: LogicalOp) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            return { try Logical.run(op, x, y, output: out) }
        }
    }
}
