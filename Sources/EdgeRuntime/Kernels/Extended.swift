import EdgeKernels
import EdgeProgram

// More unary math (inverse / hyperbolic trigonometry, tan, round), bitwise ops, products,
// scatter, top-k and grid sampling.

extension Kernels {
    static let extended: [Kernel] = moreMath + bitwise + [
        Kernel(.prodDim) { a in
            let x = try a.tensor("self"), out = try a.out("out"), dim = try a.int("dim"), keep = try a.bool("keepdim")
            try requireSameDType(a, out)
            return { try Product.run(input: x, dim: dim, keepDims: keep, output: out) }
        },
        Kernel(.prodAll) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            try requireSameDType(a, out)
            return { try Product.run(input: x, dim: nil, keepDims: false, output: out) }
        },
        scatter(.scatterSrc, .none),
        scatter(.scatterAdd, .add),
        Kernel(.topk) { a in
            let x = try a.tensor("self"), k = try a.int("k"), dim = try a.int("dim"), largest = try a.bool("largest")
            guard try a.bool("sorted") else { throw RuntimeError("topk.values with sorted = false is not supported") }
            let values = try a.out("values"), indices = try a.out("indices")
            return { try TopK.run(input: x, k: k, dim: dim, largest: largest, values: values, indices: indices) }
        },
        Kernel(.gridSampler2d) { a in
            let x = try a.tensor("input"), grid = try a.tensor("grid"), out = try a.out("out"), align = try a.bool("align_corners")
            let m = try a.int("interpolation_mode"), p = try a.int("padding_mode")
            guard let mode = GridSampleMode(rawValue: m), let padding = GridSamplePadding(rawValue: p) else {
                throw RuntimeError("grid_sampler_2d: interpolation_mode \(m) or padding_mode \(p) is not supported")
            }
            return { try GridSample.run(input: x, grid: grid, mode: mode, padding: padding, alignCorners: align, output: out) }
        },
    ]

    /// A `dtype` argument, when given, must name the out tensor's type (edgec's kernels keep the input's).
    static func requireSameDType(_ a: Arguments, _ out: MutableTensorView) throws {
        if let dtype = try a.optionalInt("dtype") {
            guard dtype == Int(PTEScalarType(out.dtype).rawValue) else { throw RuntimeError("prod dtype differs from out") }
        }
    }

    static let moreMath: [Kernel] = [
        (ATenKernel.tan, MoreMathOp.tan), (.asin, .asin), (.acos, .acos), (.atan, .atan), (.sinh, .sinh), (.cosh, .cosh),
        (.asinh, .asinh), (.acosh, .acosh), (.atanh, .atanh), (.round, .round),
    ].map { kernel, op in
        Kernel(kernel) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try MoreMath.run(op, input: x, output: out) }
        }
    }

    static let bitwise: [Kernel] = [
        (ATenKernel.bitwiseAnd, BitwiseOp.and), (.bitwiseOr, .or), (.bitwiseXor, .xor),
        (.bitwiseLeftShift, .leftShift), (.bitwiseRightShift, .rightShift),
    ].map { kernel, op in
        Kernel(kernel) { a in
            let x = try a.tensor("self"), y = try a.tensor("other"), out = try a.out("out")
            return { try Bitwise.run(op, x, y, output: out) }
        }
    } + [
        Kernel(.bitwiseNot) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Bitwise.not(input: x, output: out) }
        },
    ]

    static func scatter(_ kernel: ATenKernel, _ reduce: ScatterReduce) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), dim = try a.int("dim"), index = try a.tensor("index"), src = try a.tensor("src"), out = try a.out("out")
            return { try Scatter.run(reduce, input: x, dim: dim, index: index, src: src, output: out) }
        }
    }
}
