// Layer and group normalization (with the saved mean / reciprocal std ATen's kernels return),
// transposed 2-D convolution and 2-D resizing (nearest, bilinear). f32 and f64.

/// Layer normalization over the trailing `normalizedRank` dims (ATen `native_layer_norm`):
/// `(x - mean) / sqrt(var + eps) * weight + bias` with the biased variance, accumulated in f64.
public enum LayerNorm {
    static let name = "layer_norm"

    /// Shape of the saved mean / rstd: the input's with the normalized dims set to 1.
    public static func statsShape(input: [Int], normalizedRank: Int) -> [Int] {
        Array(input.prefix(input.count - normalizedRank)) + [Int](repeating: 1, count: normalizedRank)
    }

    /// Out-variant; `mean` and `rstd` (optional) receive the per-row statistics.
    public static func run(input: TensorView, normalizedShape: [Int], weight: TensorView?, bias: TensorView?, epsilon: Double,
                           output: MutableTensorView, mean: MutableTensorView? = nil, rstd: MutableTensorView? = nil) throws {
        let k = normalizedShape.count
        guard k >= 1, k <= input.rank, Array(input.shape.suffix(k)) == normalizedShape else {
            throw KernelError.shapeMismatch(kernel: name, message: "normalized_shape \(normalizedShape) is not the trailing dims of \(input.shape)")
        }
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        for (t, what) in [(weight, "weight"), (bias, "bias")] {
            guard let t else { continue }
            try requireShape(t.shape, normalizedShape, name, what)
            try requireDType(t.dtype, input.dtype, name, what)
        }
        let stats = statsShape(input: input.shape, normalizedRank: k)
        for (t, what) in [(mean, "mean"), (rstd, "rstd")] {
            guard let t else { continue }
            try requireShape(t.shape, stats, name, what)
            try requireDType(t.dtype, input.dtype, name, what)
        }
        let n = try Shapes.elementCount(normalizedShape, kernel: name)
        let rows = n == 0 ? 0 : try input.checkedCount(name) / n
        switch input.dtype {
        case .f32: rowsF32(input, weight, bias, epsilon, output, mean, rstd, rows: rows, n: n)
        case .f64: typed(Double.self, input, weight, bias, epsilon, output, mean, rstd, rows: rows, n: n, group: { _ in 0 }, groupSize: n)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// f32 layer norm (the transformer case: one affine parameter per element): the same
    /// arithmetic as ``typed(_:_:_:_:_:_:_:_:rows:n:group:groupSize:paramStride:)`` — f64 sums,
    /// mean, then the sum of squared deviations — but with four partial sums per pass, so the
    /// additions do not wait on one another, and no per-element parameter index.
    static func rowsF32(_ input: TensorView, _ weight: TensorView?, _ bias: TensorView?, _ epsilon: Double,
                        _ output: MutableTensorView, _ mean: MutableTensorView?, _ rstd: MutableTensorView?, rows: Int, n: Int) {
        let x = input.typed(Float.self), y = output.typed(Float.self)
        let w = weight?.typed(Float.self), b = bias?.typed(Float.self)
        let means = mean?.typed(Float.self), rstds = rstd?.typed(Float.self)
        let n4 = n & ~3
        for r in 0..<rows {
            let row = x + r * n, out = y + r * n
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var i = 0
            while i < n4 {
                s0 += Double(row[i]); s1 += Double(row[i + 1]); s2 += Double(row[i + 2]); s3 += Double(row[i + 3])
                i += 4
            }
            while i < n { s0 += Double(row[i]); i += 1 }
            let m = ((s0 + s1) + (s2 + s3)) / Double(n)
            var v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0
            i = 0
            while i < n4 {
                let d0 = Double(row[i]) - m, d1 = Double(row[i + 1]) - m, d2 = Double(row[i + 2]) - m, d3 = Double(row[i + 3]) - m
                v0 += d0 * d0; v1 += d1 * d1; v2 += d2 * d2; v3 += d3 * d3
                i += 4
            }
            while i < n { let d = Double(row[i]) - m; v0 += d * d; i += 1 }
            let inv = 1 / (((v0 + v1) + (v2 + v3)) / Double(n) + epsilon).squareRoot()
            means?[r] = Float(m)
            rstds?[r] = Float(inv)
            switch (w, b) {
            case let (w?, b?): for i in 0..<n { out[i] = Float((Double(row[i]) - m) * inv * Double(w[i]) + Double(b[i])) }
            case let (w?, nil): for i in 0..<n { out[i] = Float((Double(row[i]) - m) * inv * Double(w[i])) }
            case let (nil, b?): for i in 0..<n { out[i] = Float((Double(row[i]) - m) * inv + Double(b[i])) }
            case (nil, nil): for i in 0..<n { out[i] = Float((Double(row[i]) - m) * inv) }
            }
        }
    }

    /// Normalizes `rows` rows of `n` elements; the affine parameters are indexed by
    /// `group(row) * groupSize + (element / (n / (params per row)))`: for layer norm per element,
    /// for group norm per channel (see ``GroupNorm``).
    static func typed<T: BinaryFloatingPoint & StorageScalar>(
        _: T.Type, _ input: TensorView, _ weight: TensorView?, _ bias: TensorView?, _ epsilon: Double,
        _ output: MutableTensorView, _ mean: MutableTensorView?, _ rstd: MutableTensorView?,
        rows: Int, n: Int, group: (Int) -> Int, groupSize: Int, paramStride: Int = 1
    ) {
        let x = input.typed(T.self), y = output.typed(T.self)
        let w = weight?.typed(T.self), b = bias?.typed(T.self)
        for r in 0..<rows {
            let row = x + r * n
            var s = 0.0
            for i in 0..<n { s += row[i].asDouble }
            let m = s / Double(n)
            var v = 0.0
            for i in 0..<n {
                let d = row[i].asDouble - m
                v += d * d
            }
            let inv = 1 / (v / Double(n) + epsilon).squareRoot()
            mean.map { $0.typed(T.self)[r] = T(m) }
            rstd.map { $0.typed(T.self)[r] = T(inv) }
            let out = y + r * n
            let p0 = group(r)
            for i in 0..<n {
                let p = p0 + i / paramStride
                var t = (row[i].asDouble - m) * inv
                if let w { t *= w[p].asDouble }
                if let b { t += b[p].asDouble }
                out[i] = T(t)
            }
        }
    }

    /// Allocating wrapper (the normalized output only).
    public static func run(_ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5) throws -> Tensor {
        try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, normalizedShape: normalizedShape, weight: weight?.unsafeView, bias: bias?.unsafeView,
                        epsilon: epsilon, output: $0)
            }
        }
    }
}

/// Group normalization of `[N, C, *]` input (ATen `native_group_norm`): the channels split into
/// `groups` groups, each normalized over its channels and all spatial positions, then a
/// per-channel affine. The saved mean / rstd are `[N, groups]`.
public enum GroupNorm {
    static let name = "group_norm"

    /// Out-variant.
    public static func run(input: TensorView, weight: TensorView?, bias: TensorView?, groups: Int, epsilon: Double,
                           output: MutableTensorView, mean: MutableTensorView? = nil, rstd: MutableTensorView? = nil) throws {
        guard input.rank >= 2 else { throw KernelError.shapeMismatch(kernel: name, message: "input must have rank 2 or more, got \(input.shape)") }
        let (batch, c) = (input.shape[0], input.shape[1])
        guard groups >= 1, c % groups == 0 else {
            throw KernelError.invalidArgument(kernel: name, message: "\(c) channels do not divide into \(groups) groups")
        }
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        for (t, what) in [(weight, "weight"), (bias, "bias")] {
            guard let t else { continue }
            try requireShape(t.shape, [c], name, what)
            try requireDType(t.dtype, input.dtype, name, what)
        }
        for (t, what) in [(mean, "mean"), (rstd, "rstd")] {
            guard let t else { continue }
            try requireShape(t.shape, [batch, groups], name, what)
            try requireDType(t.dtype, input.dtype, name, what)
        }
        let hw = product(input.shape[2...])
        let perGroup = c / groups
        let n = perGroup * hw
        let rows = batch * groups
        // Row r is (batch r / groups, group r % groups); its first channel is (r % groups) * perGroup.
        let first: (Int) -> Int = { ($0 % groups) * perGroup }
        switch input.dtype {
        case .f32:
            LayerNorm.typed(Float.self, input, weight, bias, epsilon, output, mean, rstd, rows: rows, n: n, group: first, groupSize: perGroup, paramStride: Swift.max(hw, 1))
        case .f64:
            LayerNorm.typed(Double.self, input, weight, bias, epsilon, output, mean, rstd, rows: rows, n: n, group: first, groupSize: perGroup, paramStride: Swift.max(hw, 1))
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper (the normalized output only).
    public static func run(_ input: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, groups: Int, epsilon: Double = 1e-5) throws -> Tensor {
        try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, weight: weight?.unsafeView, bias: bias?.unsafeView, groups: groups, epsilon: epsilon, output: $0)
            }
        }
    }
}

/// Parameters of a transposed 2-D convolution.
public struct ConvTranspose2DParams: Sendable, Hashable {
    public var strideH, strideW, padH, padW, outputPadH, outputPadW, dilationH, dilationW, groups: Int

    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        (strideH, strideW) = stride
        (padH, padW) = padding
        (outputPadH, outputPadW) = outputPadding
        (dilationH, dilationW) = dilation
        self.groups = groups
    }
}

/// Transposed 2-D convolution (the gradient of conv2d with respect to its input) over NCHW input
/// with `[C, OC/groups, KH, KW]` weights (ATen `convolution` with `transposed = true`).
public enum ConvTranspose2D {
    static let name = "conv_transpose2d"

    /// Output shape `[N, OC, (H-1)*s - 2p + d*(k-1) + op + 1, ...]`.
    public static func outputShape(input: [Int], weight: [Int], params p: ConvTranspose2DParams) throws -> [Int] {
        try requireRank(input, 4, name, "input")
        try requireRank(weight, 4, name, "weight")
        guard p.groups >= 1, p.strideH > 0, p.strideW > 0, p.dilationH > 0, p.dilationW > 0, p.padH >= 0, p.padW >= 0,
              p.outputPadH >= 0, p.outputPadW >= 0 else {
            throw KernelError.invalidArgument(kernel: name, message: "invalid parameters \(p)")
        }
        guard input[1] == weight[0], input[1] % p.groups == 0 else {
            throw KernelError.shapeMismatch(kernel: name, message: "input \(input) and weight \(weight) with \(p.groups) groups")
        }
        let oh = (input[2] - 1) * p.strideH - 2 * p.padH + p.dilationH * (weight[2] - 1) + p.outputPadH + 1
        let ow = (input[3] - 1) * p.strideW - 2 * p.padW + p.dilationW * (weight[3] - 1) + p.outputPadW + 1
        guard oh > 0, ow > 0 else { throw KernelError.shapeMismatch(kernel: name, message: "output size \(oh)x\(ow) is not positive") }
        let shape = [input[0], weight[1] * p.groups, oh, ow]
        _ = try Shapes.elementCount(shape, kernel: name)
        return shape
    }

    /// Out-variant (output must not alias the inputs).
    public static func run(input: TensorView, weight: TensorView, bias: TensorView?, params p: ConvTranspose2DParams, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, weight: weight.shape, params: p)
        try requireShape(output.shape, shape, name)
        try requireDType(weight.dtype, input.dtype, name, "weight")
        try requireDType(output.dtype, input.dtype, name, "output")
        if let bias {
            try requireShape(bias.shape, [shape[1]], name, "bias")
            try requireDType(bias.dtype, input.dtype, name, "bias")
        }
        switch input.dtype {
        case .f32: typed(Float.self, input, weight, bias, p, output)
        case .f64: typed(Double.self, input, weight, bias, p, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    static func typed<T: BinaryFloatingPoint>(_: T.Type, _ input: TensorView, _ weight: TensorView, _ bias: TensorView?,
                                               _ p: ConvTranspose2DParams, _ output: MutableTensorView) {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ocg, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
        let (oc, oh, ow) = (output.shape[1], output.shape[2], output.shape[3])
        let cg = c / p.groups
        let x = input.typed(T.self), wt = weight.typed(T.self), y = output.typed(T.self)
        let b = bias?.typed(T.self)
        for b0 in 0..<n {
            for o in 0..<oc {
                let v = b?[o] ?? 0
                let plane = y + (b0 * oc + o) * oh * ow
                for i in 0..<(oh * ow) { plane[i] = v }
            }
            for g in 0..<p.groups {
                for ci in 0..<cg {
                    let ch = g * cg + ci
                    let xin = x + (b0 * c + ch) * h * w
                    for co in 0..<ocg {
                        let out = y + (b0 * oc + g * ocg + co) * oh * ow
                        let kern = wt + (ch * ocg + co) * kh * kw
                        for i in 0..<h {
                            for j in 0..<w {
                                let xv = xin[i * w + j]
                                if xv == 0 { continue }
                                for a in 0..<kh {
                                    let yy = i * p.strideH - p.padH + a * p.dilationH
                                    guard yy >= 0, yy < oh else { continue }
                                    for bb in 0..<kw {
                                        let xx = j * p.strideW - p.padW + bb * p.dilationW
                                        guard xx >= 0, xx < ow else { continue }
                                        out[yy * ow + xx] += xv * kern[a * kw + bb]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, params: ConvTranspose2DParams) throws -> Tensor {
        let shape = try outputShape(input: input.shape, weight: weight.shape, params: params)
        return try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, weight: weight.unsafeView, bias: bias?.unsafeView, params: params, output: $0)
            }
        }
    }
}

/// Resizing of the H and W dims of NCHW input to the output's size (ATen `upsample_nearest2d`
/// and `upsample_bilinear2d` given an output size and no scale factors).
public enum Upsample2D {
    /// The source row of output row `i` for nearest resizing (ATen's `nearest_idx`: exact for
    /// equal sizes and 2x, else `min(floor(i * (in / out)), in - 1)` in f32).
    public static func nearestIndex(_ i: Int, input: Int, output: Int) -> Int {
        if output == input { return i }
        if output == 2 * input { return i >> 1 }
        let scale = Float(input) / Float(output)
        return Swift.min(Int((Float(i) * scale).rounded(.down)), input - 1)
    }

    /// Bilinear source position of output `i`: (lower index, upper offset 0/1, weight of the upper).
    static func linearSource(_ i: Int, input: Int, output: Int, alignCorners: Bool) -> (Int, Int, Float) {
        let scale: Float = alignCorners ? (output > 1 ? Float(input - 1) / Float(output - 1) : 0) : Float(input) / Float(output)
        let src: Float = alignCorners ? scale * Float(i) : Swift.max(scale * (Float(i) + 0.5) - 0.5, 0)
        let lo = Swift.min(Int(src), input - 1)
        let step = lo < input - 1 ? 1 : 0
        return (lo, step, Swift.min(Swift.max(src - Float(lo), 0), 1))
    }

    static func check(_ input: TensorView, _ output: MutableTensorView, _ name: String) throws {
        try requireRank(input.shape, 4, name, "input")
        try requireRank(output.shape, 4, name, "output")
        guard output.shape[0] == input.shape[0], output.shape[1] == input.shape[1], output.shape[2] > 0, output.shape[3] > 0,
              input.shape[2] > 0, input.shape[3] > 0 else {
            throw KernelError.shapeMismatch(kernel: name, message: "cannot resize \(input.shape) to \(output.shape)")
        }
        try requireDType(output.dtype, input.dtype, name, "output")
        _ = try output.checkedCount(name)
    }

    /// Nearest-neighbour out-variant (any dtype).
    public static func nearest(input: TensorView, output: MutableTensorView) throws {
        try check(input, output, "upsample_nearest2d")
        let (h, w, oh, ow) = (input.shape[2], input.shape[3], output.shape[2], output.shape[3])
        let rowsIdx = (0..<oh).map { nearestIndex($0, input: h, output: oh) }
        let colsIdx = (0..<ow).map { nearestIndex($0, input: w, output: ow) }
        let e = input.dtype.byteSize
        for plane in 0..<(input.shape[0] * input.shape[1]) {
            let src = input.base + plane * h * w * e, dst = output.base + plane * oh * ow * e
            for (i, si) in rowsIdx.enumerated() {
                for (j, sj) in colsIdx.enumerated() {
                    (dst + (i * ow + j) * e).copyMemory(from: src + (si * w + sj) * e, byteCount: e)
                }
            }
        }
    }

    /// Bilinear out-variant (f32, f64).
    public static func bilinear(input: TensorView, alignCorners: Bool, output: MutableTensorView) throws {
        try check(input, output, "upsample_bilinear2d")
        switch input.dtype {
        case .f32: bilinearTyped(Float.self, input, alignCorners, output)
        case .f64: bilinearTyped(Double.self, input, alignCorners, output)
        default: throw KernelError.unsupportedDType(kernel: "upsample_bilinear2d", dtype: input.dtype)
        }
    }

    static func bilinearTyped<T: BinaryFloatingPoint>(_: T.Type, _ input: TensorView, _ alignCorners: Bool, _ output: MutableTensorView) {
        let (h, w, oh, ow) = (input.shape[2], input.shape[3], output.shape[2], output.shape[3])
        let rows = (0..<oh).map { linearSource($0, input: h, output: oh, alignCorners: alignCorners) }
        let cols = (0..<ow).map { linearSource($0, input: w, output: ow, alignCorners: alignCorners) }
        let x = input.typed(T.self), y = output.typed(T.self)
        for plane in 0..<(input.shape[0] * input.shape[1]) {
            let src = x + plane * h * w, dst = y + plane * oh * ow
            for (i, (r0, dr, lr)) in rows.enumerated() {
                let l1 = T(lr), l0 = 1 - l1
                for (j, (c0, dc, lc)) in cols.enumerated() {
                    let m1 = T(lc), m0 = 1 - m1
                    let top = m0 * src[r0 * w + c0] + m1 * src[r0 * w + c0 + dc]
                    let bottom = m0 * src[(r0 + dr) * w + c0] + m1 * src[(r0 + dr) * w + c0 + dc]
                    dst[i * ow + j] = l0 * top + l1 * bottom
                }
            }
        }
    }

    /// Allocating wrappers.
    public static func nearest(_ input: Tensor, size: (Int, Int)) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: [input.shape.first ?? 0, input.shape.count > 1 ? input.shape[1] : 0, size.0, size.1], dtype: input.dtype, kernel: "upsample_nearest2d") {
                try nearest(input: input.unsafeView, output: $0)
            }
        }
    }

    public static func bilinear(_ input: Tensor, size: (Int, Int), alignCorners: Bool) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: [input.shape.first ?? 0, input.shape.count > 1 ? input.shape[1] : 0, size.0, size.1], dtype: input.dtype, kernel: "upsample_bilinear2d") {
                try bilinear(input: input.unsafeView, alignCorners: alignCorners, output: $0)
            }
        }
    }
}
