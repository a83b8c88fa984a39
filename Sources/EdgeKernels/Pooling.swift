// 2-D pooling on NCHW f32 tensors with ATen window semantics.

/// Hyper-parameters of `MaxPool2D`.
public struct MaxPool2DParams: Sendable, Hashable {
    /// Window height and width.
    public var kernelH, kernelW: Int
    /// Vertical and horizontal stride.
    public var strideH, strideW: Int
    /// Implicit -inf padding.
    public var padding: Padding2D
    /// Vertical and horizontal dilation.
    public var dilationH, dilationW: Int
    /// Use ceil instead of floor for the output size (last window must start inside input + left pad).
    public var ceilMode: Bool

    /// ATen defaults: stride = kernel, no padding, dilation 1, floor mode.
    public init(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .zero,
                dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) {
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride ?? kernel
        self.padding = padding
        (dilationH, dilationW) = dilation
        self.ceilMode = ceilMode
    }
}

/// Hyper-parameters of `AvgPool2D`.
public struct AvgPool2DParams: Sendable, Hashable {
    /// Window height and width.
    public var kernelH, kernelW: Int
    /// Vertical and horizontal stride.
    public var strideH, strideW: Int
    /// Implicit zero padding.
    public var padding: Padding2D
    /// Use ceil instead of floor for the output size.
    public var ceilMode: Bool
    /// Count padded positions (within input + padding) in the divisor.
    public var countIncludePad: Bool
    /// Fixed divisor replacing the window size.
    public var divisorOverride: Int?

    /// ATen defaults: stride = kernel, no padding, floor mode, count_include_pad = true.
    public init(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .zero, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride ?? kernel
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
    }
}

/// Validates an NCHW f32 pooling input/output pair and returns (N*C, H, W, OH, OW).
private func poolCheck(_ name: String, _ input: TensorView, _ output: MutableTensorView, _ shape: [Int]) throws
    -> (planes: Int, h: Int, w: Int, oh: Int, ow: Int) {
    try requireShape(output.shape, shape, name)
    guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype) }
    try requireDType(output.dtype, .f32, name, "output")
    return (shape[0] * shape[1], input.shape[2], input.shape[3], shape[2], shape[3])
}

/// Tap offsets of a kh×kw window in a padded plane.
private func tapOffsets(_ plane: PaddedPlane, _ kh: Int, _ kw: Int, _ dh: Int, _ dw: Int) -> [Int] {
    var off = [Int]()
    for ky in 0..<kh {
        for kx in 0..<kw { off.append(plane.tapOffset(ky, kx, dilationH: dh, dilationW: dw)) }
    }
    return off
}

private func requireNCHW(_ input: [Int], _ name: String) throws {
    try requireRank(input, 4, name, "input")
    _ = try Shapes.elementCount(input, kernel: name)
}

/// Max pooling (padding acts as -inf; NaN propagates like ATen).
public enum MaxPool2D {
    static let name = "max_pool2d"

    /// Output shape [N, C, OH, OW].
    public static func outputShape(input: [Int], params: MaxPool2DParams) throws -> [Int] {
        try requireNCHW(input, name)
        try params.padding.validate(name)
        let p = params.padding
        let oh = try Window.outputSize(input: input[2], kernel: params.kernelH, stride: params.strideH, padBegin: p.top,
                                       padEnd: p.bottom, dilation: params.dilationH, ceilMode: params.ceilMode,
                                       name: name, axis: "height")
        let ow = try Window.outputSize(input: input[3], kernel: params.kernelW, stride: params.strideW, padBegin: p.left,
                                       padEnd: p.right, dilation: params.dilationW, ceilMode: params.ceilMode,
                                       name: name, axis: "width")
        return [input[0], input[1], oh, ow]
    }

    /// Out-variant (f32).
    public static func run(input: TensorView, params: MaxPool2DParams, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, params: params)
        let g = try poolCheck(name, input, output, shape)
        let p = params.padding
        let plane = PaddedPlane(h: g.h, w: g.w, top: p.top, left: p.left, bottom: p.bottom, right: p.right,
                                outH: g.oh, outW: g.ow, kernelH: params.kernelH, kernelW: params.kernelW,
                                strideH: params.strideH, strideW: params.strideW,
                                dilationH: params.dilationH, dilationW: params.dilationW, fill: -.infinity)
        defer { plane.deallocate() }
        let off = tapOffsets(plane, params.kernelH, params.kernelW, params.dilationH, params.dilationW)
        let taps = off.count
        let x = input.f32, y = output.f32
        off.withUnsafeBufferPointer { offs in
            let o = offs.baseAddress!
            for pl in 0..<g.planes {
                plane.load(x + pl * g.h * g.w)
                let dst = y + pl * g.oh * g.ow
                for oy in 0..<g.oh {
                    let row = plane.rowBase(oy, strideH: params.strideH)
                    var ox = 0
                    while ox < g.ow {
                        let src = row + ox
                        var m = SIMD8<Float>(repeating: -.infinity)
                        var nan = SIMDMask<SIMD8<Int32>>()
                        for t in 0..<taps {
                            let v = load8(src + o[t])
                            nan .|= v .!= v
                            m.replace(with: v, where: v .> m)
                        }
                        m.replace(with: .nan, where: nan)
                        storePartial(m, dst + oy * g.ow + ox, min(8, g.ow - ox))
                        ox += 8
                    }
                }
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, params: MaxPool2DParams) throws -> Tensor {
        let shape = try outputShape(input: input.shape, params: params)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, params: params, output: $0)
            }
        }
    }
}

/// Average pooling with ATen divisor rules (windows clipped to input + padding; empty windows give 0).
public enum AvgPool2D {
    static let name = "avg_pool2d"

    /// Output shape [N, C, OH, OW].
    public static func outputShape(input: [Int], params: AvgPool2DParams) throws -> [Int] {
        try requireNCHW(input, name)
        try params.padding.validate(name)
        if let d = params.divisorOverride, d == 0 {
            throw KernelError.invalidArgument(kernel: name, message: "divisor override must be non-zero")
        }
        let p = params.padding
        let oh = try Window.outputSize(input: input[2], kernel: params.kernelH, stride: params.strideH, padBegin: p.top,
                                       padEnd: p.bottom, dilation: 1, ceilMode: params.ceilMode, name: name, axis: "height")
        let ow = try Window.outputSize(input: input[3], kernel: params.kernelW, stride: params.strideW, padBegin: p.left,
                                       padEnd: p.right, dilation: 1, ceilMode: params.ceilMode, name: name, axis: "width")
        return [input[0], input[1], oh, ow]
    }

    /// Out-variant (f32).
    public static func run(input: TensorView, params: AvgPool2DParams, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, params: params)
        let g = try poolCheck(name, input, output, shape)
        let p = params.padding
        let plane = PaddedPlane(h: g.h, w: g.w, top: p.top, left: p.left, bottom: p.bottom, right: p.right,
                                outH: g.oh, outW: g.ow, kernelH: params.kernelH, kernelW: params.kernelW,
                                strideH: params.strideH, strideW: params.strideW, dilationH: 1, dilationW: 1, fill: 0)
        defer { plane.deallocate() }
        let off = tapOffsets(plane, params.kernelH, params.kernelW, 1, 1)
        let taps = off.count
        // The ATen divisor factorizes into a row part and a column part.
        let rowScale = (0..<g.oh).map { scale($0, params.strideH, p.top, p.bottom, params.kernelH, g.h, params) }
        let colScale = (0..<(g.ow + 8)).map { $0 < g.ow ? scale($0, params.strideW, p.left, p.right, params.kernelW, g.w, params) : 0 }
        let divide = params.divisorOverride.map { 1 / Float($0) } ?? 1
        let x = input.f32, y = output.f32
        off.withUnsafeBufferPointer { offs in
            colScale.withUnsafeBufferPointer { cs in
                let o = offs.baseAddress!, c = cs.baseAddress!
                for pl in 0..<g.planes {
                    plane.load(x + pl * g.h * g.w)
                    let dst = y + pl * g.oh * g.ow
                    for oy in 0..<g.oh {
                        let row = plane.rowBase(oy, strideH: params.strideH)
                        let rs = SIMD8<Float>(repeating: rowScale[oy] * divide)
                        var ox = 0
                        while ox < g.ow {
                            let src = row + ox
                            var acc = SIMD8<Float>()
                            for t in 0..<taps { acc += load8(src + o[t]) }
                            storePartial(acc * rs * load8(c + ox), dst + oy * g.ow + ox, min(8, g.ow - ox))
                            ox += 8
                        }
                    }
                }
            }
        }
    }

    /// Reciprocal of the window extent along one axis (ATen rules), or 0 for an empty window.
    /// With a divisor override only emptiness matters (the caller applies the override).
    static func scale(_ o: Int, _ stride: Int, _ padBegin: Int, _ padEnd: Int, _ k: Int, _ size: Int,
                      _ params: AvgPool2DParams) -> Float {
        let start = o * stride - padBegin
        let end = min(start + k, size + padEnd)
        let valid = min(end, size) - max(start, 0)
        if valid <= 0 { return 0 }
        if params.divisorOverride != nil { return 1 }
        return 1 / Float(params.countIncludePad ? end - start : valid)
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, params: AvgPool2DParams) throws -> Tensor {
        let shape = try outputShape(input: input.shape, params: params)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, params: params, output: $0)
            }
        }
    }
}

/// Adaptive average pooling to a fixed output size (1×1 = global average pool, vectorized).
/// Bin i along an axis of length L covers `[floor(i*L/O), ceil((i+1)*L/O))`.
public enum AdaptiveAvgPool2D {
    static let name = "adaptive_avg_pool2d"

    /// Output shape [N, C, outputH, outputW].
    public static func outputShape(input: [Int], outputSize: (Int, Int)) throws -> [Int] {
        try requireNCHW(input, name)
        guard outputSize.0 > 0, outputSize.1 > 0 else {
            throw KernelError.invalidArgument(kernel: name, message: "output size must be positive")
        }
        guard input[2] > 0, input[3] > 0 else {
            throw KernelError.shapeMismatch(kernel: name, message: "empty spatial input \(input)")
        }
        return [input[0], input[1], outputSize.0, outputSize.1]
    }

    /// Out-variant (f32); the output size is taken from `output.shape`.
    public static func run(input: TensorView, output: MutableTensorView) throws {
        guard output.rank == 4 else {
            throw KernelError.shapeMismatch(kernel: name, message: "output must be rank 4, got \(output.shape)")
        }
        let shape = try outputShape(input: input.shape, outputSize: (output.shape[2], output.shape[3]))
        let g = try poolCheck(name, input, output, shape)
        let x = input.f32, y = output.f32
        let hw = g.h * g.w
        for plane in 0..<g.planes {
            let src = x + plane * hw
            let dst = y + plane * g.oh * g.ow
            if g.oh == 1 && g.ow == 1 {
                var acc = SIMD8<Float>()
                var i = 0
                while i + 8 <= hw { acc += load8(src + i); i += 8 }
                var s = hsum(acc)
                while i < hw { s += src[i]; i += 1 }
                dst[0] = s / Float(hw)
                continue
            }
            for oy in 0..<g.oh {
                let y0 = oy * g.h / g.oh, y1 = ((oy + 1) * g.h + g.oh - 1) / g.oh
                for ox in 0..<g.ow {
                    let x0 = ox * g.w / g.ow, x1 = ((ox + 1) * g.w + g.ow - 1) / g.ow
                    var s: Float = 0
                    for iy in y0..<y1 {
                        for ix in x0..<x1 { s += src[iy * g.w + ix] }
                    }
                    dst[oy * g.ow + ox] = s / Float((y1 - y0) * (x1 - x0))
                }
            }
        }
    }

    /// Allocating wrapper (default output size 1×1 = global average pooling).
    public static func run(_ input: Tensor, outputSize: (Int, Int) = (1, 1)) throws -> Tensor {
        let shape = try outputShape(input: input.shape, outputSize: outputSize)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, output: $0)
            }
        }
    }
}
