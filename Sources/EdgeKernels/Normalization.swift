// Inference batch norm, softmax and log-softmax (with self-contained exp/log: no libm dependency).

/// Inference batch normalization over channel dim 1:
/// `y = (x - mean) / sqrt(var + eps) * scale + bias`. f32 and f64; output may alias input.
public enum BatchNorm {
    static let name = "batch_norm"

    /// Output shape (equal to the input's); validates the [C] parameter shapes.
    public static func outputShape(input: [Int], scale: [Int]?, bias: [Int]?, mean: [Int], variance: [Int]) throws -> [Int] {
        guard input.count >= 2 else {
            throw KernelError.shapeMismatch(kernel: name, message: "input must be [N, C, ...], got \(input)")
        }
        _ = try Shapes.elementCount(input, kernel: name)
        let c = [input[1]]
        for (what, s) in [("scale", scale), ("bias", bias), ("mean", mean), ("variance", variance)] {
            if let s, s != c {
                throw KernelError.shapeMismatch(kernel: name, message: "\(what) shape \(s), expected \(c)")
            }
        }
        return input
    }

    /// Out-variant; `scale`/`bias` default to 1/0 when nil.
    public static func run(input: TensorView, scale: TensorView?, bias: TensorView?, mean: TensorView,
                           variance: TensorView, epsilon: Double, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, scale: scale?.shape, bias: bias?.shape, mean: mean.shape,
                                    variance: variance.shape)
        try requireShape(output.shape, shape, name)
        let dt = input.dtype
        for (what, v) in [("scale", scale), ("bias", bias), ("mean", mean), ("variance", variance)] {
            if let v { try requireDType(v.dtype, dt, name, what) }
        }
        try requireDType(output.dtype, dt, name, "output")
        switch dt {
        case .f32: typed(Float.self, input, scale, bias, mean, variance, epsilon, output)
        case .f64: typed(Double.self, input, scale, bias, mean, variance, epsilon, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: dt)
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, scale: Tensor?, bias: Tensor?, mean: Tensor, variance: Tensor,
                           epsilon: Double = 1e-5) throws -> Tensor {
        try withExtendedLifetime((input, scale, bias, mean, variance)) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, scale: scale?.unsafeView, bias: bias?.unsafeView, mean: mean.unsafeView,
                        variance: variance.unsafeView, epsilon: epsilon, output: $0)
            }
        }
    }

    static func typed<T: BinaryFloatingPoint & StorageScalar>(_: T.Type, _ input: TensorView, _ scale: TensorView?,
                                                              _ bias: TensorView?, _ mean: TensorView, _ variance: TensorView,
                                                              _ eps: Double, _ output: MutableTensorView) {
        let n = input.shape[0], c = input.shape[1]
        let inner = product(input.shape[2...])
        let x = input.typed(T.self), y = output.typed(T.self)
        let sc = scale?.typed(T.self), bi = bias?.typed(T.self), mu = mean.typed(T.self), va = variance.typed(T.self)
        for ch in 0..<c {
            // Fold into y = x*a + b, computed in Double to avoid cancellation.
            let a = (sc.map { $0[ch].asDouble } ?? 1) / (va[ch].asDouble + eps).squareRoot()
            let b = (bi.map { $0[ch].asDouble } ?? 0) - mu[ch].asDouble * a
            let at = T(a), bt = T(b)
            for img in 0..<n {
                let off = (img * c + ch) * inner
                let xs = x + off, ys = y + off
                for i in 0..<inner { ys[i] = xs[i] * at + bt }
            }
        }
    }
}

/// Softmax along one axis (numerically stable: the row max is subtracted first). f32 and f64.
public enum Softmax {
    /// Out-variant; output shape equals input shape; output may alias input.
    public static func run(input: TensorView, axis: Int, output: MutableTensorView) throws {
        try SoftmaxCore.run(input: input, axis: axis, output: output, log: false)
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, axis: Int) throws -> Tensor {
        try SoftmaxCore.run(input, axis: axis, log: false)
    }
}

/// Log-softmax along one axis (`x - max - log(sum(exp(x - max)))`). f32 and f64.
public enum LogSoftmax {
    /// Out-variant; output shape equals input shape; output may alias input.
    public static func run(input: TensorView, axis: Int, output: MutableTensorView) throws {
        try SoftmaxCore.run(input: input, axis: axis, output: output, log: true)
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, axis: Int) throws -> Tensor {
        try SoftmaxCore.run(input, axis: axis, log: true)
    }
}

enum SoftmaxCore {
    static func run(input: TensorView, axis: Int, output: MutableTensorView, log: Bool) throws {
        let name = log ? "log_softmax" : "softmax"
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        _ = try input.checkedCount(name)
        let rank = max(input.rank, 1)
        let ax = try Shapes.normalizeAxis(axis, rank: rank, kernel: name)
        let shape = input.shape.isEmpty ? [1] : input.shape
        let outer = product(shape[..<ax]), len = shape[ax], inner = product(shape[(ax + 1)...])
        if outer * len * inner == 0 { return }
        switch input.dtype {
        case .f32: float(input.f32, output.f32, outer, len, inner, log)
        case .f64: double(input.typed(Double.self), output.typed(Double.self), outer, len, inner, log)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    static func run(_ input: Tensor, axis: Int, log: Bool) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: log ? "log_softmax" : "softmax") {
                try run(input: input.unsafeView, axis: axis, output: $0, log: log)
            }
        }
    }

    static func float(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ outer: Int, _ len: Int,
                      _ inner: Int, _ log: Bool) {
        for o in 0..<outer {
            let xs = x + o * len * inner, ys = y + o * len * inner
            if inner == 1 {
                row(xs, ys, len, log)
                continue
            }
            // Reduce along a strided axis, 8 independent lanes at a time.
            var j = 0
            while j + 8 <= inner {
                var m = load8(xs + j)
                for a in 1..<len { m = m.pointwiseMax8(load8(xs + a * inner + j)) }
                var s = SIMD8<Float>()
                for a in 0..<len {
                    let e = exp8(load8(xs + a * inner + j) - m)
                    if !log { store8(e, ys + a * inner + j) }
                    s += e
                }
                if log {
                    // (x - max) - log(sum): subtracting the max first keeps large inputs exact.
                    var ls = SIMD8<Float>()
                    for l in 0..<8 { ls[l] = Float(logDouble(Double(s[l]))) }
                    for a in 0..<len { store8((load8(xs + a * inner + j) - m) - ls, ys + a * inner + j) }
                } else {
                    let r = 1 / s
                    for a in 0..<len { store8(load8(ys + a * inner + j) * r, ys + a * inner + j) }
                }
                j += 8
            }
            while j < inner {
                var m = xs[j]
                for a in 1..<len { m = Swift.max(m, xs[a * inner + j]) }
                var s: Float = 0
                for a in 0..<len {
                    let e = expScalar(xs[a * inner + j] - m)
                    if !log { ys[a * inner + j] = e }
                    s += e
                }
                if log {
                    let ls = Float(logDouble(Double(s)))
                    for a in 0..<len { ys[a * inner + j] = (xs[a * inner + j] - m) - ls }
                } else {
                    let r = 1 / s
                    for a in 0..<len { ys[a * inner + j] *= r }
                }
                j += 1
            }
        }
    }

    /// Softmax of one contiguous row.
    static func row(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ log: Bool) {
        var mv = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { mv = mv.pointwiseMax8(load8(x + i)); i += 8 }
        var m = mv[0]
        for l in 1..<8 { m = Swift.max(m, mv[l]) }
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        let mb = SIMD8<Float>(repeating: m)
        var sv = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = exp8(load8(x + i) - mb)
            if !log { store8(e, y + i) }
            sv += e
            i += 8
        }
        var s = hsum(sv)
        while i < n {
            let e = expScalar(x[i] - m)
            if !log { y[i] = e }
            s += e
            i += 1
        }
        if log {
            let ls = Float(logDouble(Double(s)))
            let lb = SIMD8<Float>(repeating: ls)
            i = 0
            while i + 8 <= n { store8((load8(x + i) - mb) - lb, y + i); i += 8 }
            while i < n { y[i] = (x[i] - m) - ls; i += 1 }
        } else {
            let r = 1 / s
            let rb = SIMD8<Float>(repeating: r)
            i = 0
            while i + 8 <= n { store8(load8(y + i) * rb, y + i); i += 8 }
            while i < n { y[i] *= r; i += 1 }
        }
    }

    static func double(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ outer: Int, _ len: Int,
                       _ inner: Int, _ log: Bool) {
        for o in 0..<outer {
            for j in 0..<inner {
                let xs = x + o * len * inner + j, ys = y + o * len * inner + j
                var m = -Double.infinity
                for a in 0..<len where xs[a * inner] > m { m = xs[a * inner] }
                var s = 0.0
                for a in 0..<len {
                    let e = expDouble(xs[a * inner] - m)
                    if !log { ys[a * inner] = e }
                    s += e
                }
                if log {
                    let ls = logDouble(s)
                    for a in 0..<len { ys[a * inner] = (xs[a * inner] - m) - ls }
                } else {
                    for a in 0..<len { ys[a * inner] /= s }
                }
            }
        }
    }
}

extension SIMD8 where Scalar == Float {
    /// Lane-wise max (no NaN handling; NaN inputs propagate through exp instead).
    @inline(__always) func pointwiseMax8(_ o: SIMD8<Float>) -> SIMD8<Float> {
        replacing(with: o, where: o .> self)
    }
}

// MARK: - Elementary functions (stdlib has no exp/log without Foundation/libm)

/// Vector `exp` for Float: Cody-Waite range reduction + degree-7 polynomial, ~1-2 ulp.
/// Overflows to +inf above ~88.7, underflows gradually to 0 below ~-103, propagates NaN.
@inline(__always) func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var v = x
    let lo = SIMD8<Float>(repeating: -104), hi = SIMD8<Float>(repeating: 89)
    v.replace(with: lo, where: v .< lo)
    v.replace(with: hi, where: v .> hi)
    let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
    let t = v * 1.442_695_04 + magic
    let nf = t - magic
    var r = v - nf * 0.693_359_375
    r = r - nf * -2.121_944_40e-4
    var p = SIMD8<Float>(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n in two halves so both gradual underflow and overflow come out right.
    let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let n1 = n &>> 1
    let n2 = n &- n1
    let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: SIMD8<Float>.self)
    let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = p * s1 * s2
    result.replace(with: x, where: x .!= x)
    return result
}

/// Scalar `exp` for Float (same algorithm as `exp8`).
@inline(__always) func expScalar(_ x: Float) -> Float { exp8(SIMD8(repeating: x))[0] }

/// `exp` for Double: range reduction + degree-13 Taylor polynomial (< 1e-15 relative error).
func expDouble(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709.8 { return .infinity }
    if x < -745.2 { return 0 }
    let magic = 6_755_399_441_055_744.0  // 1.5 * 2^52: adding it rounds to an integer (no libm call)
    let n = (x * 1.442_695_040_888_963_4 + magic) - magic
    let r = (x - n * 6.931_471_803_691_238_164_90e-01) - n * 1.908_214_929_270_587_700_02e-10
    var p = 1.0 / 6_227_020_800  // 1/13!
    var f = 6_227_020_800.0
    for k in stride(from: 12, through: 1, by: -1) {
        f /= Double(k + 1)
        p = p * r + 1 / f
    }
    p = p * r + 1
    let ni = Int(n)
    let n1 = ni >> 1, n2 = ni - n1
    return p * Double(bitPattern: UInt64(n1 + 1023) << 52) * Double(bitPattern: UInt64(n2 + 1023) << 52)
}

/// Natural log for Double via `log(m) = 2 atanh((m-1)/(m+1))`, ~1 ulp.
func logDouble(_ x: Double) -> Double {
    if x.isNaN || x < 0 { return .nan }
    if x == 0 { return -.infinity }
    if x.isInfinite { return x }
    var e = Int(x.exponent)
    var m = x.significand
    if m > 1.414_213_562_373_095_1 { m *= 0.5; e += 1 }
    let f = (m - 1) / (m + 1)
    let f2 = f * f
    var s = 0.0
    for k in stride(from: 12, through: 0, by: -1) { s = s * f2 + 1 / Double(2 * k + 1) }
    return Double(e) * 0.693_147_180_559_945_3 + 2 * f * s
}
