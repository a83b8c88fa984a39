// 2-D convolution (NCHW, OIHW weights): shapes and validation here; the arithmetic is
// CEdgeKernels' ek_conv2d (im2col packed straight into GEMM panels, a 1×1 fast path that feeds
// the input to GEMM directly, and a depthwise SIMD path), in the run-time chosen variant.
import CEdgeKernels

/// An activation a convolution applies to its outputs as it stores them (its epilogue), instead
/// of a separate pass over the output.
public enum ConvActivation: Sendable, Hashable {
    /// ``UnaryOp/clamp(min:max:)`` (relu is `clamp(min: 0, max: nil)`).
    case clamp(min: Double?, max: Double?)
    /// ``MathOp/sigmoid``.
    case sigmoid
    /// `x * sigmoid(x)`.
    case silu

    var c: ek_activation {
        switch self {
        case let .clamp(lo, hi):
            return ek_activation(kind: Int32(EK_ACT_CLAMP), lo: lo.map { Float.clampBound($0, lower: true) } ?? -.infinity,
                                 hi: hi.map { Float.clampBound($0, lower: false) } ?? .infinity)
        case .sigmoid: return ek_activation(kind: Int32(EK_ACT_SIGMOID), lo: 0, hi: 0)
        case .silu: return ek_activation(kind: Int32(EK_ACT_SILU), lo: 0, hi: 0)
        }
    }
}

/// Spatial padding in pixels (top, left, bottom, right), as in ONNX `pads`.
public struct Padding2D: Sendable, Hashable {
    /// Rows added above.
    public var top: Int
    /// Columns added on the left.
    public var left: Int
    /// Rows added below.
    public var bottom: Int
    /// Columns added on the right.
    public var right: Int

    /// Explicit (possibly asymmetric) padding.
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// Symmetric padding (ATen `padding=[h, w]`).
    public init(_ h: Int, _ w: Int) { self.init(top: h, left: w, bottom: h, right: w) }

    /// From `[p]`, `[h, w]` or `[top, left, bottom, right]`.
    public init(_ values: [Int]) throws {
        switch values.count {
        case 1: self.init(values[0], values[0])
        case 2: self.init(values[0], values[1])
        case 4: self.init(top: values[0], left: values[1], bottom: values[2], right: values[3])
        default:
            throw KernelError.invalidArgument(kernel: "padding", message: "expected 1, 2 or 4 values, got \(values)")
        }
    }

    /// No padding.
    public static let zero = Padding2D(0, 0)

    func validate(_ kernel: String) throws {
        guard top >= 0, left >= 0, bottom >= 0, right >= 0 else {
            throw KernelError.invalidArgument(kernel: kernel, message: "negative padding \(self)")
        }
    }
}

/// Output-size arithmetic for sliding windows (shared by conv and pooling).
enum Window {
    /// Number of window positions along one axis (ATen `pooling_output_shape_pad_lr`).
    static func outputSize(input: Int, kernel k: Int, stride: Int, padBegin: Int, padEnd: Int,
                           dilation: Int, ceilMode: Bool, name: String, axis: String) throws -> Int {
        guard k > 0, stride > 0, dilation > 0 else {
            throw KernelError.invalidArgument(kernel: name,
                                              message: "kernel, stride and dilation must be positive along \(axis)")
        }
        let padded = try Shapes.add(try Shapes.add(input, padBegin, kernel: name), padEnd, kernel: name)
        let extent = try Shapes.add(try Shapes.mul(dilation, k - 1, kernel: name), 1, kernel: name)
        var num = padded - extent
        if ceilMode { num = try Shapes.add(num, stride - 1, kernel: name) }
        guard num >= 0 else {
            throw KernelError.shapeMismatch(kernel: name,
                                            message: "window extent \(extent) exceeds padded input \(padded) along \(axis)")
        }
        var out = num / stride + 1
        if ceilMode && (out - 1) * stride >= input + padBegin { out -= 1 }
        guard out > 0 else {
            throw KernelError.shapeMismatch(kernel: name, message: "empty output along \(axis)")
        }
        return out
    }
}

/// Hyper-parameters of `Conv2D`.
public struct Conv2DParams: Sendable, Hashable {
    /// Vertical stride.
    public var strideH: Int
    /// Horizontal stride.
    public var strideW: Int
    /// Zero padding.
    public var padding: Padding2D
    /// Vertical dilation.
    public var dilationH: Int
    /// Horizontal dilation.
    public var dilationW: Int
    /// Number of channel groups (`C` for depthwise).
    public var groups: Int

    /// Parameters with ATen defaults (stride 1, no padding, dilation 1, one group).
    public init(stride: (Int, Int) = (1, 1), padding: Padding2D = .zero, dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        strideH = stride.0
        strideW = stride.1
        self.padding = padding
        dilationH = dilation.0
        dilationW = dilation.1
        self.groups = groups
    }
}

/// 2-D convolution: input [N, C, H, W], weight [OC, C/groups, KH, KW], bias [OC] -> [N, OC, OH, OW].
public enum Conv2D {
    static let name = "conv2d"

    /// Output shape; validates ranks, channel/group divisibility, bias length and window geometry.
    public static func outputShape(input: [Int], weight: [Int], bias: [Int]? = nil, params: Conv2DParams) throws -> [Int] {
        try requireRank(input, 4, name, "input")
        try requireRank(weight, 4, name, "weight")
        _ = try Shapes.elementCount(input, kernel: name)
        _ = try Shapes.elementCount(weight, kernel: name)
        try params.padding.validate(name)
        let (n, c, h, w) = (input[0], input[1], input[2], input[3])
        let (oc, cg, kh, kw) = (weight[0], weight[1], weight[2], weight[3])
        let g = params.groups
        guard g > 0 else { throw KernelError.invalidArgument(kernel: name, message: "groups must be positive, got \(g)") }
        guard c % g == 0, oc % g == 0 else {
            throw KernelError.shapeMismatch(kernel: name,
                                            message: "channels \(c) and out channels \(oc) must be divisible by groups \(g)")
        }
        guard cg == c / g else {
            throw KernelError.shapeMismatch(kernel: name,
                                            message: "weight \(weight) expects \(cg) channels per group, input has \(c)/\(g)")
        }
        if let bias {
            guard bias == [oc] else {
                throw KernelError.shapeMismatch(kernel: name, message: "bias shape \(bias), expected [\(oc)]")
            }
        }
        let p = params.padding
        let oh = try Window.outputSize(input: h, kernel: kh, stride: params.strideH, padBegin: p.top, padEnd: p.bottom,
                                       dilation: params.dilationH, ceilMode: false, name: name, axis: "height")
        let ow = try Window.outputSize(input: w, kernel: kw, stride: params.strideW, padBegin: p.left, padEnd: p.right,
                                       dilation: params.dilationW, ceilMode: false, name: name, axis: "width")
        return [n, oc, oh, ow]
    }

    /// Out-variant: writes the convolution into `output` (f32 only; output must not alias inputs),
    /// with `activation` applied to each output as it is stored (the same values as the separate
    /// op: relu / clamp compare as ``Unary`` does, sigmoid and silu are ``Math``'s f32 functions).
    public static func run(input: TensorView, weight: TensorView, bias: TensorView?, params: Conv2DParams,
                           output: MutableTensorView, activation: ConvActivation? = nil, packed: PackedOperand? = nil) throws {
        try run(input: input, weight: weight, bias: bias, params: params, output: output, config: .standard, activation: activation,
                packed: packed)
    }

    /// `weight` (OIHW, f32) packed for convolutions of inputs shaped `input` with `params`, for
    /// ``run(input:weight:bias:params:output:activation:packed:)`` (the packing follows the
    /// output's size); nil for a depthwise convolution (which reads its weights directly) or
    /// shapes the convolution would reject.
    public static func prepackWeight(_ weight: TensorView, input: [Int], params: Conv2DParams,
                                     config: KernelConfig = .standard) -> PackedOperand? {
        let w = weight.shape
        guard weight.dtype == .f32, let out = try? outputShape(input: input, weight: w, params: params),
              out.allSatisfy({ $0 > 0 }) else { return nil }
        let p = params.padding
        var geometry = ek_conv2d_geometry(n: input[0], c: input[1], h: input[2], w: input[3], oc: w[0], kh: w[2], kw: w[3],
                                          oh: out[2], ow: out[3], sh: params.strideH, sw: params.strideW,
                                          dh: params.dilationH, dw: params.dilationW, pt: p.top, pl: p.left, groups: params.groups)
        var cfg = config.c
        return PackedOperand(ek_pack_conv2d_weight(&cfg, &geometry, weight.f32))
    }

    static func run(input: TensorView, weight: TensorView, bias: TensorView?, params: Conv2DParams,
                    output: MutableTensorView, config: KernelConfig, activation: ConvActivation? = nil,
                    packed: PackedOperand? = nil) throws {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape, params: params)
        try requireShape(output.shape, shape, name)
        guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype) }
        try requireDType(weight.dtype, .f32, name, "weight")
        if let bias { try requireDType(bias.dtype, .f32, name, "bias") }
        try requireDType(output.dtype, .f32, name, "output")
        _ = try output.checkedCount(name)
        if output.count == 0 { return }
        let p = params.padding
        var g = ek_conv2d_geometry(n: input.shape[0], c: input.shape[1], h: input.shape[2], w: input.shape[3],
                                   oc: weight.shape[0], kh: weight.shape[2], kw: weight.shape[3], oh: shape[2], ow: shape[3],
                                   sh: params.strideH, sw: params.strideW, dh: params.dilationH, dw: params.dilationW,
                                   pt: p.top, pl: p.left, groups: params.groups)
        var cfg = config.c
        var act = activation?.c ?? ek_activation(kind: Int32(EK_ACT_NONE), lo: 0, hi: 0)
        ek_conv2d_packed(&cfg, &g, input.f32, weight.f32, packed?.pointer, bias?.f32, &act, output.f32)
    }

    /// Allocating wrapper around the out-variant.
    public static func run(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, params: Conv2DParams = .init()) throws -> Tensor {
        try run(input, weight: weight, bias: bias, params: params, config: .standard)
    }

    /// The same with an explicit variant / thread count (and activation).
    public static func run(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, params: Conv2DParams = .init(),
                           config: KernelConfig, activation: ConvActivation? = nil) throws -> Tensor {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape, params: params)
        return try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, weight: weight.unsafeView, bias: bias?.unsafeView, params: params, output: $0, config: config,
                        activation: activation)
            }
        }
    }

}
