import EdgeKernels
import EdgeProgram

// Reductions over axes and arg reductions.

extension Kernels {
    static let reduction: [Kernel] = [
        Kernel(.mean) { a in
            guard try a.isNull("dtype") else { throw RuntimeError("mean.out with a dtype is not supported") }
            return try reduce(.mean, a)
        },
        Kernel(.sum) { a in
            if let dtype = try a.optionalInt("dtype") {
                guard dtype == Int(PTEScalarType(try a.out("out").dtype).rawValue) else { throw RuntimeError("sum.IntList_out dtype differs from out") }
            }
            return try reduce(.sum, a)
        },
        Kernel(.amax) { a in
            let x = try a.tensor("self"), axes = try a.intList("dim"), keep = try a.bool("keepdim"), out = try a.out("out")
            return { try AMax.run(.max, input: x, axes: axes, keepDims: keep, output: out) }
        },
        Kernel(.amin) { a in
            let x = try a.tensor("self"), axes = try a.intList("dim"), keep = try a.bool("keepdim"), out = try a.out("out")
            return { try AMax.run(.min, input: x, axes: axes, keepDims: keep, output: out) }
        },
        argExtreme(.argmax, .max),
        argExtreme(.argmin, .min),
    ]

    /// `mean.out` / `sum.IntList_out` over `dim` (none or empty = every axis).
    static func reduce(_ op: ReduceOp, _ a: Arguments) throws -> Kernel.Run {
        let x = try a.tensor("self"), out = try a.out("out"), keep = try a.bool("keepdim")
        let dims = try a.optionalIntList("dim") ?? []
        let axes = dims.isEmpty ? Array(0 ..< x.rank) : dims
        return { try Reduce.run(op, input: x, axes: axes, keepDims: keep, output: out) }
    }

    static func argExtreme(_ kernel: ATenKernel, _ which: Extreme) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), keep = try a.bool("keepdim"), out = try a.out("out")
            guard let dim = try a.optionalInt("dim") else {
                // No dim: over the flattened input.
                let flat = try x.reshaped([-1]), scalar = try out.reshaped([])
                return { try ArgExtreme.run(which, input: flat, dim: 0, keepDims: false, output: scalar) }
            }
            return { try ArgExtreme.run(which, input: x, dim: dim, keepDims: keep, output: out) }
        }
    }
}
