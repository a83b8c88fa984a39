import EdgeKernels
import EdgeProgram

// Matrix products.

extension Kernels {
    static let linearAlgebra: [Kernel] = [
        matmul(.mm),
        matmul(.bmm),
        Kernel(.addmm) { a in
            let bias = try a.tensor("self"), m1 = try a.tensor("mat1"), m2 = try a.tensor("mat2"), out = try a.out("out")
            let alpha = try a.scalar("alpha"), beta = try a.scalar("beta")
            guard alpha == 1 else { throw RuntimeError("addmm with alpha \(alpha) is not supported") }
            let packed = try packedSecond(a, "mat2", m2, rows: m1.shape.first ?? 0)
            // The linear-layer case (f32, a bias row [N], beta 1) starts the sums from the bias.
            if beta == 1, out.dtype == .f32, MatMul.takesRowBias(m1, m2, bias: bias) {
                return { try MatMul.runWithRowBias(m1, m2, bias: bias, output: out, packedB: packed) }
            }
            return {
                try MatMul.run(m1, m2, output: out, packedB: packed)
                try Binary.run(.add, out.readOnly, bias, alpha: beta, output: out)
            }
        },
    ]

    /// `mm.out` / `bmm.out(self, mat2, *, out)`.
    static func matmul(_ kernel: ATenKernel) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor("mat2"), out = try a.out("out")
            let packed = try packedSecond(a, "mat2", y, rows: x.shape.dropLast().reduce(1, *))
            return { try MatMul.run(x, y, output: out, packedB: packed) }
        }
    }

    /// A constant rank-2 second operand packed once, at load, instead of in every run — unless
    /// the first operand has one row: a vector-matrix product reads the matrix as it is (a
    /// classifier's weight packed for it would be megabytes never read).
    static func packedSecond(_ a: Arguments, _ name: String, _ b: TensorView, rows: Int) throws -> PackedOperand? {
        guard rows > 1 else { return nil }
        return try a.constant(name).flatMap { index in
            a.interpreter.packed(index, "gemm-b") { MatMul.prepackSecond(b) }
        }
    }
}
