import EdgeKernels
import EdgeProgram

// Activations.

extension Kernels {
    static let activation: [Kernel] = [
        Kernel(.relu) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Unary.run(.relu, input: x, output: out) }
        },
        Kernel(.clamp) { a in
            let x = try a.tensor("self"), lo = try a.optionalScalar("min"), hi = try a.optionalScalar("max"), out = try a.out("out")
            return { try Unary.run(.clamp(min: lo, max: hi), input: x, output: out) }
        },
        math(.sigmoid, .sigmoid),
        math(.tanh, .tanh),
        Kernel(.gelu) { a in
            let mode = try a.string("approximate") ?? "none"
            guard mode == "none" || mode == "tanh" else { throw RuntimeError("gelu approximate \"\(mode)\" must be \"none\" or \"tanh\"") }
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Math.run(.gelu(tanhApproximation: mode == "tanh"), input: x, output: out) }
        },
        Kernel(.leakyRelu) { a in
            let x = try a.tensor("self"), slope = try a.scalar("negative_slope"), out = try a.out("out")
            return { try Math.run(.leakyRelu(slope: slope), input: x, output: out) }
        },
        Kernel(.elu) { a in
            guard try a.scalar("scale") == 1, try a.scalar("input_scale") == 1 else {
                throw RuntimeError("elu with scale or input_scale other than 1 is not supported")
            }
            let x = try a.tensor("self"), alpha = try a.scalar("alpha"), out = try a.out("out")
            return { try Math.run(.elu(alpha: alpha), input: x, output: out) }
        },
    ]

    /// `kernel(self, *, out)` through `Math`.
    static func math(_ kernel: ATenKernel, _ op: MathOp) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Math.run(op, input: x, output: out) }
        }
    }
}
