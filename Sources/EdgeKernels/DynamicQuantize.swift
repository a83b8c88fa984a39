// Dynamic INT8 quantization per row, as XNNPACK's qd8 activations (XNNPACK's
// `xnn_f32_qd8_asymmetric_quantization_params`): the parameters of each row of the last dim are
// chosen at run time from that row's range. One declaration, used by `edge.dynamic_quantize`'s
// evaluation and by the interpreter's XNNPACK Convert fp32 → qdint8.

public enum DynamicQuantize {
    /// The inverse scale and zero point of a row with minimum `mn` and maximum `mx`: the range is
    /// widened to include 0, the inverse scale is `255 / (rmax - rmin)` (1 for an all-zero row),
    /// the zero point comes from the bound with the smaller error, clamped to int8 and rounded
    /// half to even. Rows with inf/NaN get inverse scale 1, zero point 0 (never traps).
    public static func rowParameters(_ mn: Float, _ mx: Float) -> (inverseScale: Float, zeroPoint: Int32) {
        let rmin = Swift.min(0, mn), rmax = Swift.max(0, mx)
        let inv: Float = rmin == rmax ? 1 : 255 / (rmax - rmin)
        let lo = rmin * inv, hi = rmax * inv
        var zp = (-128 + lo) + (127 + hi) > 0 ? -128 - lo : 127 - hi
        guard zp.isFinite, inv.isFinite, inv > 0 else { return (1, 0) }
        zp = Swift.min(Swift.max(zp, -128), 127)
        return (inv, Int32(zp.rounded(.toNearestOrEven)))
    }

    /// `q = saturate(round_half_even(x * inv) + zp)` (XNNPACK's qd8 rounding: its f32 → qs8 convert
    /// rounds before adding the zero point, which moves ties when `zp` is odd; NaN → -128).
    @inline(__always)
    public static func quantize(_ x: Float, inverseScale inv: Float, zeroPoint zp: Int32) -> Int8 {
        let v = (x * inv).rounded(.toNearestOrEven)
        if v.isNaN { return -128 }
        return Int8(Swift.min(Swift.max(v + Float(zp), -128), 127))
    }

    /// Each row of the last dim quantized with its own parameters and dequantized again
    /// (`(q - zp) / inv`): what a dynamically quantized activation holds.
    public static func run(_ input: Tensor) throws -> Tensor {
        guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: "dynamic_quantize", dtype: input.dtype) }
        let x = input.floats()
        let n = input.shape.last ?? 1
        var y = [Float](repeating: 0, count: x.count)
        if n > 0 {
            for r in 0 ..< x.count / n {
                let row = x[(r * n) ..< (r * n + n)]
                let (inv, zp) = rowParameters(row.min() ?? 0, row.max() ?? 0)
                let scale = 1 / inv
                for i in r * n ..< r * n + n { y[i] = Float(Int32(quantize(x[i], inverseScale: inv, zeroPoint: zp)) - zp) * scale }
            }
        }
        return try Tensor(y, shape: input.shape)
    }
}
