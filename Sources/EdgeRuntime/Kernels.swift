import EdgeKernels
import EdgeProgram

/// One interpreter kernel: how many arguments the call carries and what it does.
struct Kernel: Sendable {
    let arity: Int
    let run: @Sendable (Arguments) throws -> Void
}

/// The ATen out-variant kernels the interpreter implements, by `name.overload`, with the
/// argument layout ExecuTorch's emitter writes (schema arguments, outs, returned values).
enum Kernels {
    static func pair(_ v: [Int], _ what: String) throws -> (Int, Int) {
        switch v.count {
        case 1: return (v[0], v[0])
        case 2: return (v[0], v[1])
        default: throw RuntimeError("\(what) must have 1 or 2 values, got \(v)")
        }
    }

    static let table: [String: Kernel] = core.merging(extended) { a, _ in a }

    static let core: [String: Kernel] = [
        "aten::add.out": Kernel(arity: 5) { a in try Binary.run(.add, a.tensor(0), a.tensor(1), alpha: a.scalar(2), output: a.out(3)) },
        "aten::sub.out": Kernel(arity: 5) { a in try Binary.run(.sub, a.tensor(0), a.tensor(1), alpha: a.scalar(2), output: a.out(3)) },
        "aten::mul.out": Kernel(arity: 4) { a in try Binary.run(.mul, a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::div.out": Kernel(arity: 4) { a in
            let x = try a.tensor(0)
            guard x.dtype.isFloatingPoint else { throw RuntimeError("div.out on \(x.dtype) needs a float type (integers use div.out_mode)") }
            try Binary.run(.div, x, a.tensor(1), output: a.out(2))
        },
        "aten::div.out_mode": Kernel(arity: 5) { a in
            let x = try a.tensor(0), mode = try a.string(2)
            guard (mode == "trunc" && x.dtype.isIntegral) || (mode == nil && x.dtype.isFloatingPoint) else {
                throw RuntimeError("div.out_mode with rounding_mode \(mode ?? "None") on \(x.dtype) is not supported")
            }
            try Binary.run(.div, x, a.tensor(1), output: a.out(3))
        },
        "aten::relu.out": Kernel(arity: 3) { a in try Unary.run(.relu, input: a.tensor(0), output: a.out(1)) },
        "aten::clamp.out": Kernel(arity: 5) { a in
            try Unary.run(.clamp(min: a.optionalScalar(1), max: a.optionalScalar(2)), input: a.tensor(0), output: a.out(3))
        },
        "aten::convolution.out": Kernel(arity: 11) { a in
            let p = try pair(a.intList(4), "padding")
            if try a.bool(6) {
                let params = ConvTranspose2DParams(stride: try pair(a.intList(3), "stride"), padding: p, outputPadding: try pair(a.intList(7), "output_padding"),
                                                   dilation: try pair(a.intList(5), "dilation"), groups: try a.int(8))
                return try ConvTranspose2D.run(input: a.tensor(0), weight: a.tensor(1), bias: a.optionalTensor(2), params: params, output: a.out(9))
            }
            let params = Conv2DParams(stride: try pair(a.intList(3), "stride"), padding: Padding2D(p.0, p.1),
                                      dilation: try pair(a.intList(5), "dilation"), groups: try a.int(8))
            try Conv2D.run(input: a.tensor(0), weight: a.tensor(1), bias: a.optionalTensor(2), params: params, output: a.out(9))
        },
        "aten::constant_pad_nd.out": Kernel(arity: 5) { a in try Pad.run(input: a.tensor(0), pad: a.intList(1), mode: .constant, value: a.scalar(2), output: a.out(3)) },
        "aten::_native_batch_norm_legit_no_training.out": Kernel(arity: 11) { a in
            try BatchNorm.run(input: a.tensor(0), scale: a.optionalTensor(1), bias: a.optionalTensor(2), mean: a.tensor(3),
                              variance: a.tensor(4), epsilon: a.scalar(6), output: a.out(7))
        },
        "aten::mm.out": Kernel(arity: 4) { a in try MatMul.run(a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::bmm.out": Kernel(arity: 4) { a in try MatMul.run(a.tensor(0), a.tensor(1), output: a.out(2)) },
        "aten::addmm.out": Kernel(arity: 7) { a in
            let out = try a.out(5)
            try MatMul.run(a.tensor(1), a.tensor(2), output: out)
            let alpha = try a.scalar(4), beta = try a.scalar(3)
            guard alpha == 1 else { throw RuntimeError("addmm with alpha \(alpha) is not supported") }
            try Binary.run(.add, out.readOnly, a.tensor(0), alpha: beta, output: out)
        },
        "aten::expand_copy.out": Kernel(arity: 5) { a in try Expand.run(input: a.tensor(0), output: a.out(3)) },
        "aten::permute_copy.out": Kernel(arity: 4) { a in try Permute.run(input: a.tensor(0), permutation: a.intList(1), output: a.out(2)) },
        "aten::view_copy.out": Kernel(arity: 4) { a in try Extra.copy(a.tensor(0), output: a.out(2)) },
        "aten::clone.out": Kernel(arity: 4) { a in try Extra.copy(a.tensor(0), output: a.out(2)) },
        "aten::max_pool2d_with_indices.out": Kernel(arity: 9) { a in
            let p = try pair(a.intList(3), "padding")
            let stride = try a.intList(2)
            let params = MaxPool2DParams(kernel: try pair(a.intList(1), "kernel_size"), stride: stride.isEmpty ? nil : try pair(stride, "stride"),
                                         padding: Padding2D(p.0, p.1), dilation: try pair(a.intList(4), "dilation"), ceilMode: try a.bool(5))
            try MaxPool2D.run(input: a.tensor(0), params: params, output: a.out(6))
            try Extra.maxPoolIndices(a.tensor(0), params: params, output: a.out(7))
        },
        "aten::avg_pool2d.out": Kernel(arity: 9) { a in
            let p = try pair(a.intList(3), "padding")
            let stride = try a.intList(2)
            let params = AvgPool2DParams(kernel: try pair(a.intList(1), "kernel_size"), stride: stride.isEmpty ? nil : try pair(stride, "stride"),
                                         padding: Padding2D(p.0, p.1), ceilMode: try a.bool(4), countIncludePad: try a.bool(5),
                                         divisorOverride: try a.optionalInt(6))
            try AvgPool2D.run(input: a.tensor(0), params: params, output: a.out(7))
        },
        "aten::mean.out": Kernel(arity: 6) { a in
            let x = try a.tensor(0)
            guard a.value(3) == .null else { throw RuntimeError("mean.out with a dtype is not supported") }
            let dims = try a.optionalIntList(1) ?? []
            try Reduce.run(.mean, input: x, axes: dims.isEmpty ? Array(0 ..< x.rank) : dims, keepDims: a.bool(2), output: a.out(4))
        },
        "aten::_softmax.out": Kernel(arity: 5) { a in try Softmax.run(input: a.tensor(0), axis: a.int(1), output: a.out(3)) },
        "aten::cat.out": Kernel(arity: 4) { a in try Concat.run(inputs: a.tensorList(0), axis: a.int(1), output: a.out(2)) },
    ]
}
