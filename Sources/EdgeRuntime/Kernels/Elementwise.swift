import EdgeKernels
import EdgeProgram

// Broadcasting arithmetic, selection, casts and fills.

extension Kernels {
    static let elementwise: [Kernel] = [
        Kernel(.add) { a in try addSub(.add, a) },
        Kernel(.sub) { a in try addSub(.sub, a) },
        tensorBinary(.mul, .mul),
        Kernel(.div) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            guard x.dtype.isFloatingPoint else { throw RuntimeError("div.out on \(x.dtype) needs a float type (integers use div.out_mode)") }
            return { try Binary.run(.div, x, y, output: out) }
        },
        Kernel(.divMode) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), mode = try a.string("rounding_mode"), out = try a.out("out")
            guard (mode == "trunc" && x.dtype.isIntegral) || (mode == nil && x.dtype.isFloatingPoint) else {
                throw RuntimeError("div.out_mode with rounding_mode \(mode ?? "None") on \(x.dtype) is not supported")
            }
            return { try Binary.run(.div, x, y, output: out) }
        },
        scalarBinary(.addScalar, .add),
        scalarBinary(.mulScalar, .mul),
        scalarBinary(.divScalar, .div),
        binaryMath(.pow, .pow, rhs: "exponent"),
        binaryMath(.maximum, .maximum),
        binaryMath(.minimum, .minimum),
        Kernel(.where) { a in
            let c = try a.tensor("condition"), x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            return { try Where.run(condition: c, x, y, output: out) }
        },
        Kernel(.toCopy) { a in
            guard try a.isNull("memory_format") else { throw RuntimeError("_to_copy.out with a memory_format is not supported") }
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Cast.run(input: x, output: out) }
        },
        Kernel(.full) { a in
            let size = try a.intList("size"), value = try a.scalar("fill_value"), out = try a.out("out")
            guard size == out.shape else { throw RuntimeError("full.out size \(size) differs from out \(out.shape)") }
            return { try Full.run(value: value, output: out) }
        },
    ]

    /// `add.out` / `sub.out`: `self ± alpha · other`.
    static func addSub(_ op: BinaryOp, _ a: Arguments) throws -> Kernel.Run {
        let x = try a.tensor("self"), y = try a.tensor("other"), alpha = try a.scalar("alpha"), out = try a.out("out")
        return { try Binary.run(op, x, y, alpha: alpha, output: out) }
    }

    /// `kernel(self, other, *, out)` through `Binary`.
    static func tensorBinary(_ kernel: ATenKernel, _ op: BinaryOp) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            return { try Binary.run(op, x, y, output: out) }
        }
    }

    /// `kernel(self, <rhs>, *, out)` through `BinaryMath`.
    static func binaryMath(_ kernel: ATenKernel, _ op: BinaryMathOp, rhs: String = "other") -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor(rhs), out = try a.out("out")
            return { try BinaryMath.run(op, x, y, output: out) }
        }
    }

    /// `op.Scalar_out(self, Scalar other[, alpha], *, out)` through the tensor kernel with a 0-d operand.
    static func scalarBinary(_ kernel: ATenKernel, _ op: BinaryOp) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            let other = try a.scalarTensor("other", x.dtype)
            let alpha = kernel.schema.position(of: "alpha") == nil ? 1 : try a.scalar("alpha")
            return { try other.withView { try Binary.run(op, x, $0, alpha: alpha, output: out) } }
        }
    }
}
