import EdgeKernels
import EdgeProgram

// Interpreter kernels for the ops beyond the CNN set (activations, math, comparisons, reductions,
// indexing, normalization, resizing), with ExecuTorch's argument layouts (see PortableRules).

extension Kernels {
    static func unary(_ op: MathOp) -> Kernel {
        Kernel(arity: 3) { a in try Math.run(op, input: a.tensor(0), output: a.out(1)) }
    }

    static func compare(_ op: CompareOp) -> Kernel {
        Kernel(arity: 4) { a in try Compare.run(op, a.tensor(0), a.tensor(1), output: a.out(2)) }
    }

    static func logical(_ op: LogicalOp) -> Kernel {
        Kernel(arity: 4) { a in try Logical.run(op, a.tensor(0), a.tensor(1), output: a.out(2)) }
    }

    static func pad(_ mode: PadMode, _ pairs: Int) -> Kernel {
        Kernel(arity: 4) { a in
            let pad = try a.intList(1)
            guard pad.count == 2 * pairs else { throw RuntimeError("padding must have \(2 * pairs) values, got \(pad)") }
            try Pad.run(input: a.tensor(0), pad: pad, mode: mode, output: a.out(2))
        }
    }

    /// `op.Scalar_out(self, other[, alpha], *, out)` through the tensor kernel with a 0-d operand.
    static func scalarBinary(_ op: BinaryOp, alpha: Bool) -> Kernel {
        Kernel(arity: alpha ? 5 : 4) { a in
            let x = try a.tensor(0)
            let other = try a.scalarTensor(1, x.dtype)
            let scale = alpha ? try a.scalar(2) : 1
            try other.withView { try Binary.run(op, x, $0, alpha: scale, output: a.out(alpha ? 3 : 2)) }
        }
    }

    static func argExtreme(_ which: Extreme) -> Kernel {
        Kernel(arity: 5) { a in
            var x = try a.tensor(0)
            let keep = try a.bool(2)
            let out = try a.out(3)
            guard let dim = try a.optionalInt(1) else {
                // No dim: over the flattened input.
                x = try x.reshaped([-1])
                return try ArgExtreme.run(which, input: x, dim: 0, keepDims: false, output: try out.reshaped([]))
            }
            try ArgExtreme.run(which, input: x, dim: dim, keepDims: keep, output: out)
        }
    }

    static let extended: [String: Kernel] = [
        "aten::_log_softmax.out": Kernel(arity: 5) { a in
            guard try !a.bool(2) else { throw RuntimeError("_log_softmax.out with half_to_float is not supported") }
            try LogSoftmax.run(input: a.tensor(0), axis: a.int(1), output: a.out(3))
        },
        "aten::sigmoid.out": unary(.sigmoid),
        "aten::tanh.out": unary(.tanh),
        "aten::exp.out": unary(.exp),
        "aten::log.out": unary(.log),
        "aten::sqrt.out": unary(.sqrt),
        "aten::rsqrt.out": unary(.rsqrt),
        "aten::reciprocal.out": unary(.reciprocal),
        "aten::erf.out": unary(.erf),
        "aten::neg.out": unary(.neg),
        "aten::abs.out": unary(.abs),
        "aten::floor.out": unary(.floor),
        "aten::ceil.out": unary(.ceil),
        "aten::sin.out": unary(.sin),
        "aten::cos.out": unary(.cos),
        "aten::gelu.out": Kernel(arity: 4) { a in
            let mode = try a.string(1) ?? "none"
            guard mode == "none" || mode == "tanh" else { throw RuntimeError("gelu approximate \"\(mode)\" must be \"none\" or \"tanh\"") }
            try Math.run(.gelu(tanhApproximation: mode == "tanh"), input: a.tensor(0), output: a.out(2))
        },
        "aten::leaky_relu.out": Kernel(arity: 4) { a in try Math.run(.leakyRelu(slope: a.scalar(1)), input: a.tensor(0), output: a.out(2)) },
        "aten::elu.out": Kernel(arity: 6) { a in
            guard try a.scalar(2) == 1, try a.scalar(3) == 1 else { throw RuntimeError("elu with scale or input_scale other than 1 is not supported") }
            try Math.run(.elu(alpha: a.scalar(1)), input: a.tensor(0), output: a.out(4))
        },
        "aten::add.Scalar_out": scalarBinary(.add, alpha: true),
        "aten::mul.Scalar_out": scalarBinary(.mul, alpha: false),
        "aten::div.Scalar_out": scalarBinary(.div, alpha: false),
        "aten::pow.Tensor_Tensor_out": Kernel(arity: 4) { a in try BinaryMath.run(.pow, a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::maximum.out": Kernel(arity: 4) { a in try BinaryMath.run(.maximum, a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::minimum.out": Kernel(arity: 4) { a in try BinaryMath.run(.minimum, a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::eq.Tensor_out": compare(.eq),
        "aten::ne.Tensor_out": compare(.ne),
        "aten::lt.Tensor_out": compare(.lt),
        "aten::le.Tensor_out": compare(.le),
        "aten::gt.Tensor_out": compare(.gt),
        "aten::ge.Tensor_out": compare(.ge),
        "aten::logical_and.out": logical(.and),
        "aten::logical_or.out": logical(.or),
        "aten::logical_xor.out": logical(.xor),
        "aten::logical_not.out": Kernel(arity: 3) { a in try Logical.not(input: a.tensor(0), output: a.out(1)) },
        "aten::where.self_out": Kernel(arity: 5) { a in try Where.run(condition: a.tensor(0), a.tensor(1), a.tensor(2), output: a.out(3)) },
        "aten::_to_copy.out": Kernel(arity: 5) { a in
            guard a.value(2) == .null else { throw RuntimeError("_to_copy.out with a memory_format is not supported") }
            try Cast.run(input: a.tensor(0), output: a.out(3))
        },
        "aten::full.out": Kernel(arity: 4) { a in
            let out = try a.out(2)
            guard try a.intList(0) == out.shape else { throw RuntimeError("full.out size \(try a.intList(0)) differs from out \(out.shape)") }
            try Full.run(value: a.scalar(1), output: out)
        },
        "aten::sum.IntList_out": Kernel(arity: 6) { a in
            let x = try a.tensor(0), out = try a.out(4)
            if a.value(3) != .null {
                guard try a.int(3) == Int(PortableScalarCode.code(out.dtype)) else { throw RuntimeError("sum.IntList_out dtype differs from out") }
            }
            let dims = try a.optionalIntList(1) ?? []
            try Reduce.run(.sum, input: x, axes: dims.isEmpty ? Array(0 ..< x.rank) : dims, keepDims: a.bool(2), output: out)
        },
        "aten::amax.out": Kernel(arity: 5) { a in try AMax.run(.max, input: a.tensor(0), axes: a.intList(1), keepDims: a.bool(2), output: a.out(3)) },
        "aten::amin.out": Kernel(arity: 5) { a in try AMax.run(.min, input: a.tensor(0), axes: a.intList(1), keepDims: a.bool(2), output: a.out(3)) },
        "aten::argmax.out": argExtreme(.max),
        "aten::argmin.out": argExtreme(.min),
        "aten::squeeze_copy.dims_out": Kernel(arity: 4) { a in try Reshape.run(input: a.tensor(0), output: a.out(2)) },
        "aten::unsqueeze_copy.out": Kernel(arity: 4) { a in try Reshape.run(input: a.tensor(0), output: a.out(2)) },
        "aten::repeat.out": Kernel(arity: 4) { a in try Repeat.run(input: a.tensor(0), repeats: a.intList(1), output: a.out(2)) },
        "aten::slice_copy.Tensor_out": Kernel(arity: 7) { a in
            try Slice.run(input: a.tensor(0), dim: a.int(1), start: a.optionalInt(2) ?? 0, end: a.optionalInt(3) ?? Int.max,
                          step: a.int(4), output: a.out(5))
        },
        "aten::index_select.out": Kernel(arity: 5) { a in try IndexSelect.run(input: a.tensor(0), dim: a.int(1), index: a.tensor(2), output: a.out(3)) },
        "aten::split_with_sizes_copy.out": Kernel(arity: 5) { a in
            try Split.run(input: a.tensor(0), dim: a.int(2), sizes: a.intList(1), outputs: a.outList(3))
        },
        "aten::reflection_pad1d.out": pad(.reflect, 1),
        "aten::reflection_pad2d.out": pad(.reflect, 2),
        "aten::reflection_pad3d.out": pad(.reflect, 3),
        "aten::replication_pad1d.out": pad(.replicate, 1),
        "aten::replication_pad2d.out": pad(.replicate, 2),
        "aten::replication_pad3d.out": pad(.replicate, 3),
        "aten::native_layer_norm.out": Kernel(arity: 9) { a in
            try LayerNorm.run(input: a.tensor(0), normalizedShape: a.intList(1), weight: a.optionalTensor(2), bias: a.optionalTensor(3),
                              epsilon: a.scalar(4), output: a.out(5), mean: a.out(6), rstd: a.out(7))
        },
        "aten::native_group_norm.out": Kernel(arity: 12) { a in
            let x = try a.tensor(0)
            let (n, c, hw) = (try a.int(3), try a.int(4), try a.int(5))
            guard x.rank >= 2, n == x.shape[0], c == x.shape[1], hw == x.shape[2...].reduce(1, *) else {
                throw RuntimeError("native_group_norm.out N, C, HxW = \(n), \(c), \(hw) do not match the input \(x.shape)")
            }
            try GroupNorm.run(input: x, weight: a.optionalTensor(1), bias: a.optionalTensor(2), groups: a.int(6), epsilon: a.scalar(7),
                              output: a.out(8), mean: a.out(9), rstd: a.out(10))
        },
        "aten::upsample_nearest2d.vec_out": Kernel(arity: 5) { a in
            let out = try a.out(3)
            guard a.value(2) == .null, let size = try a.optionalIntList(1), size == Array(out.shape.suffix(2)) else {
                throw RuntimeError("upsample_nearest2d.vec_out needs an output_size equal to the out tensor's H, W and no scale factors")
            }
            try Upsample2D.nearest(input: a.tensor(0), output: out)
        },
        "aten::upsample_bilinear2d.vec_out": Kernel(arity: 6) { a in
            let out = try a.out(4)
            guard a.value(3) == .null, let size = try a.optionalIntList(1), size == Array(out.shape.suffix(2)) else {
                throw RuntimeError("upsample_bilinear2d.vec_out needs an output_size equal to the out tensor's H, W and no scale factors")
            }
            try Upsample2D.bilinear(input: a.tensor(0), alignCorners: a.bool(2), output: out)
        },
    ]
}

/// ExecuTorch `ScalarType` codes of the kernels' dtypes (for `ScalarType?` arguments).
enum PortableScalarCode {
    static func code(_ d: DType) -> Int8 {
        switch d {
        case .u8: return 0
        case .i8: return 1
        case .i16: return 2
        case .i32: return 3
        case .i64: return 4
        case .f16: return 5
        case .f32: return 6
        case .f64: return 7
        case .bool: return 11
        case .bf16: return 15
        }
    }
}
