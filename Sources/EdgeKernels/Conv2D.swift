// 2-D convolution (NCHW, OIHW weights): im2col packed straight into GEMM panels,
// a 1×1 fast path that feeds the input to GEMM directly, and a depthwise SIMD path.

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

    /// Out-variant: writes the convolution into `output` (f32 only; output must not alias inputs).
    public static func run(input: TensorView, weight: TensorView, bias: TensorView?, params: Conv2DParams,
                           output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape, params: params)
        try requireShape(output.shape, shape, name)
        guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype) }
        try requireDType(weight.dtype, .f32, name, "weight")
        if let bias { try requireDType(bias.dtype, .f32, name, "bias") }
        try requireDType(output.dtype, .f32, name, "output")
        _ = try output.checkedCount(name)
        if output.count == 0 { return }
        let g = Geometry(input: input.shape, weight: weight.shape, output: shape, params: params)
        if g.cg == 1 {
            depthwise(g, input.f32, weight.f32, bias?.f32, output.f32)
        } else {
            general(g, input.f32, weight.f32, bias?.f32, output.f32)
        }
    }

    /// Allocating wrapper around the out-variant.
    public static func run(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, params: Conv2DParams = .init()) throws -> Tensor {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape, params: params)
        return try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, weight: weight.unsafeView, bias: bias?.unsafeView, params: params, output: $0)
            }
        }
    }

    /// Resolved sizes of one convolution.
    struct Geometry {
        let n, c, h, w, oc, kh, kw, oh, ow: Int
        let sh, sw, dh, dw, pt, pl, pb, pr, groups: Int
        var cg: Int { c / groups }
        var ocg: Int { oc / groups }

        init(input: [Int], weight: [Int], output: [Int], params: Conv2DParams) {
            (n, c, h, w) = (input[0], input[1], input[2], input[3])
            (oc, kh, kw) = (weight[0], weight[2], weight[3])
            (oh, ow) = (output[2], output[3])
            (sh, sw, dh, dw) = (params.strideH, params.strideW, params.dilationH, params.dilationW)
            (pt, pl, pb, pr) = (params.padding.top, params.padding.left, params.padding.bottom, params.padding.right)
            groups = params.groups
        }
    }

    // MARK: General path: GEMM over (out channels) × (output pixels) per image and group.

    static func general(_ g: Geometry, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                        _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>) {
        let kDim = g.cg * g.kh * g.kw
        let spatial = g.oh * g.ow
        let plane = g.h * g.w
        let pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 &&
            g.pt == 0 && g.pl == 0 && g.pb == 0 && g.pr == 0
        // Per-column source offsets for the im2col packer (nr entries each).
        let colH = UnsafeMutablePointer<Int>.allocate(capacity: Gemm.nr)
        let colW = UnsafeMutablePointer<Int>.allocate(capacity: Gemm.nr)
        defer { colH.deallocate(); colW.deallocate() }

        for img in 0..<g.n {
            for grp in 0..<g.groups {
                let src = input + (img * g.c + grp * g.cg) * plane
                let dst = output + (img * g.oc + grp * g.ocg) * spatial
                let wgt = weight + grp * g.ocg * kDim
                if let bias {
                    for o in 0..<g.ocg { (dst + o * spatial).update(repeating: bias[grp * g.ocg + o], count: spatial) }
                }
                if pointwise {
                    Gemm.sgemm(m: g.ocg, n: spatial, k: kDim, a: wgt, lda: kDim, b: src, ldb: plane,
                               c: dst, ldc: spatial, accumulate: bias != nil)
                    continue
                }
                Gemm.blocked(m: g.ocg, n: spatial, k: kDim, c: dst, ldc: spatial, accumulate: bias != nil,
                             packA: { i0, rows, p0, kLen, buf in
                                 Gemm.packA(wgt, kDim, false, i0, rows, p0, kLen, buf)
                             },
                             packB: { p0, kLen, j0, cols, buf in
                                 packIm2col(g, src, p0, kLen, j0, cols, buf, colH, colW)
                             })
            }
        }
    }

    /// Writes im2col rows `p0..<p0+kLen` × output pixels `j0..<j0+cols` as GEMM B panels.
    /// Row index p = (c*KH + kh)*KW + kw; column j = oh*OW + ow.
    static func packIm2col(_ g: Geometry, _ src: UnsafePointer<Float>, _ p0: Int, _ kLen: Int, _ j0: Int, _ cols: Int,
                           _ dst: UnsafeMutablePointer<Float>, _ colH: UnsafeMutablePointer<Int>,
                           _ colW: UnsafeMutablePointer<Int>) {
        let nr = Gemm.nr
        let plane = g.h * g.w
        let taps = g.kh * g.kw
        var jr = 0
        var d = dst
        while jr < cols {
            let width = min(nr, cols - jr)
            for j in 0..<nr {
                if j < width {
                    let col = j0 + jr + j
                    let oy = col / g.ow
                    colH[j] = oy * g.sh - g.pt
                    colW[j] = (col - oy * g.ow) * g.sw - g.pl
                } else {
                    colH[j] = Int.min / 2  // padding column: always out of bounds -> 0
                    colW[j] = 0
                }
            }
            // All nr columns in one output row with unit stride: source pixels are contiguous.
            let sameRow = width == nr && g.sw == 1 && colH[0] == colH[nr - 1]
            var ch = p0 / taps
            let rem = p0 - ch * taps
            var ky = rem / g.kw
            var kx = rem - ky * g.kw
            for p in 0..<kLen {
                let out = d + p * nr
                let base = src + ch * plane
                let offH = ky * g.dh
                let offW = kx * g.dw
                if sameRow {
                    let iy = colH[0] + offH
                    let ix = colW[0] + offW
                    if iy < 0 || iy >= g.h {
                        for q in stride(from: 0, to: nr, by: 8) { store8(SIMD8<Float>(), out + q) }
                    } else if ix >= 0 && ix + nr <= g.w {
                        let s = base + iy * g.w + ix
                        for q in stride(from: 0, to: nr, by: 8) { store8(load8(s + q), out + q) }
                    } else {
                        let row = base + iy * g.w
                        for j in 0..<nr {
                            let x = ix + j
                            out[j] = x >= 0 && x < g.w ? row[x] : 0
                        }
                    }
                } else {
                    for j in 0..<nr {
                        let iy = colH[j] + offH
                        let ix = colW[j] + offW
                        out[j] = UInt(bitPattern: iy) < UInt(g.h) && UInt(bitPattern: ix) < UInt(g.w)
                            ? base[iy * g.w + ix] : 0
                    }
                }
                kx += 1
                if kx == g.kw {
                    kx = 0
                    ky += 1
                    if ky == g.kh { ky = 0; ch += 1 }
                }
            }
            d += nr * kLen
            jr += nr
        }
    }

    // MARK: Depthwise path (one input channel per group, any channel multiplier).

    static func depthwise(_ g: Geometry, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                          _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>) {
        let plane = PaddedPlane(h: g.h, w: g.w, top: g.pt, left: g.pl, bottom: g.pb, right: g.pr, outH: g.oh, outW: g.ow,
                                kernelH: g.kh, kernelW: g.kw, strideH: g.sh, strideW: g.sw,
                                dilationH: g.dh, dilationW: g.dw, fill: 0)
        defer { plane.deallocate() }
        let taps = g.kh * g.kw
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: taps)
        defer { offsets.deallocate() }
        for ky in 0..<g.kh {
            for kx in 0..<g.kw { offsets[ky * g.kw + kx] = plane.tapOffset(ky, kx, dilationH: g.dh, dilationW: g.dw) }
        }
        let mult = g.ocg
        for img in 0..<g.n {
            for ch in 0..<g.c {
                plane.load(input + (img * g.c + ch) * g.h * g.w)
                for m in 0..<mult {
                    let o = ch * mult + m
                    let dst = output + (img * g.oc + o) * g.oh * g.ow
                    let b = bias?[o] ?? 0
                    let wt = weight + o * taps
                    if taps == 9 {
                        depthwise3x3(g, plane, offsets, wt, b, dst)
                    } else {
                        depthwiseAny(g, plane, offsets, taps, wt, b, dst)
                    }
                }
            }
        }
    }

    /// 3×3 taps, fully unrolled with pre-broadcast weights.
    static func depthwise3x3(_ g: Geometry, _ plane: PaddedPlane, _ off: UnsafePointer<Int>,
                             _ wt: UnsafePointer<Float>, _ bias: Float, _ dst: UnsafeMutablePointer<Float>) {
        let w0 = SIMD8<Float>(repeating: wt[0]), w1 = SIMD8<Float>(repeating: wt[1]), w2 = SIMD8<Float>(repeating: wt[2])
        let w3 = SIMD8<Float>(repeating: wt[3]), w4 = SIMD8<Float>(repeating: wt[4]), w5 = SIMD8<Float>(repeating: wt[5])
        let w6 = SIMD8<Float>(repeating: wt[6]), w7 = SIMD8<Float>(repeating: wt[7]), w8 = SIMD8<Float>(repeating: wt[8])
        let (o0, o1, o2, o3, o4, o5, o6, o7, o8) = (off[0], off[1], off[2], off[3], off[4], off[5], off[6], off[7], off[8])
        let bv = SIMD8<Float>(repeating: bias)
        for y in 0..<g.oh {
            let row = plane.rowBase(y, strideH: g.sh)
            let out = dst + y * g.ow
            var x = 0
            while x < g.ow {
                let p = row + x
                var acc = madd(w0, load8(p + o0), bv)
                acc = madd(w1, load8(p + o1), acc)
                acc = madd(w2, load8(p + o2), acc)
                acc = madd(w3, load8(p + o3), acc)
                acc = madd(w4, load8(p + o4), acc)
                acc = madd(w5, load8(p + o5), acc)
                acc = madd(w6, load8(p + o6), acc)
                acc = madd(w7, load8(p + o7), acc)
                acc = madd(w8, load8(p + o8), acc)
                storePartial(acc, out + x, min(8, g.ow - x))
                x += 8
            }
        }
    }

    /// Any kernel size: loop over taps.
    static func depthwiseAny(_ g: Geometry, _ plane: PaddedPlane, _ off: UnsafePointer<Int>, _ taps: Int,
                             _ wt: UnsafePointer<Float>, _ bias: Float, _ dst: UnsafeMutablePointer<Float>) {
        let bv = SIMD8<Float>(repeating: bias)
        for y in 0..<g.oh {
            let row = plane.rowBase(y, strideH: g.sh)
            let out = dst + y * g.ow
            var x = 0
            while x < g.ow {
                let p = row + x
                var acc = bv
                for t in 0..<taps { acc = madd(SIMD8(repeating: wt[t]), load8(p + off[t]), acc) }
                storePartial(acc, out + x, min(8, g.ow - x))
                x += 8
            }
        }
    }
}
