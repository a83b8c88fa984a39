import EdgeKernels
import EdgeProgram

// Normalizations (inference) and softmax.

extension Kernels {
    static let normalization: [Kernel] = [
        Kernel(.batchNormNoTraining) { a in
            let x = try a.tensor("input"), scale = try a.optionalTensor("weight"), bias = try a.optionalTensor("bias")
            let mean = try a.tensor("running_mean"), variance = try a.tensor("running_var"), epsilon = try a.scalar("eps"), out = try a.out("out0")
            return { try BatchNorm.run(input: x, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon, output: out) }
        },
        Kernel(.layerNorm) { a in
            let x = try a.tensor("input"), shape = try a.intList("normalized_shape"), w = try a.optionalTensor("weight"), b = try a.optionalTensor("bias")
            let epsilon = try a.scalar("eps"), out = try a.out("out0"), mean = try a.out("out1"), rstd = try a.out("out2")
            return { try LayerNorm.run(input: x, normalizedShape: shape, weight: w, bias: b, epsilon: epsilon, output: out, mean: mean, rstd: rstd) }
        },
        Kernel(.groupNorm) { a in
            let x = try a.tensor("input"), w = try a.optionalTensor("weight"), b = try a.optionalTensor("bias")
            let (n, c, hw) = (try a.int("N"), try a.int("C"), try a.int("HxW"))
            let groups = try a.int("group"), epsilon = try a.scalar("eps")
            let out = try a.out("out0"), mean = try a.out("out1"), rstd = try a.out("out2")
            guard x.rank >= 2, n == x.shape[0], c == x.shape[1], hw == x.shape[2...].reduce(1, *) else {
                throw RuntimeError("native_group_norm.out N, C, HxW = \(n), \(c), \(hw) do not match the input \(x.shape)")
            }
            return { try GroupNorm.run(input: x, weight: w, bias: b, groups: groups, epsilon: epsilon, output: out, mean: mean, rstd: rstd) }
        },
        Kernel(.softmax) { a in
            let x = try a.tensor("self"), axis = try a.int("dim"), out = try a.out("out")
            return { try Softmax.run(input: x, axis: axis, output: out) }
        },
        Kernel(.logSoftmax) { a in
            guard try !a.bool("half_to_float") else { throw RuntimeError("_log_softmax.out with half_to_float is not supported") }
            let x = try a.tensor("self"), axis = try a.int("dim"), out = try a.out("out")
            return { try LogSoftmax.run(input: x, axis: axis, output: out) }
        },
    ]
}
