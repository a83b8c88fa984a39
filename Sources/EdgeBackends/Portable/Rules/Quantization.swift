import EdgeIR
import EdgeKernels
import EdgeProgram

// edge.quantize / edge.dequantize on portable float and integer kernels. ExecuTorch's pip
// runtime registers no quantized portable kernels (no quantized_decomposed::*), so the affine
// maps are written with ones it has; a quantized value is its storage integers (an int8 /
// uint8 / int16 / int32 tensor). The results are exactly those of `Quantize.run` /
// `Dequantize.run` (Sources/EdgeKernels/Quantize.swift), which the IR's evaluation facets and
// constant folding use:
//
//   quantize:   t = f32(f64(x) / scale)             _to_copy, div (f64: ExecuTorch's f32 div is not correctly rounded), _to_copy
//               t = t == t ? t : 0                  eq, where      (NaN gives the zero point)
//               t = clamp(t, lo - zp, hi - zp)      clamp (per tensor) / maximum, minimum (per channel)
//               t = (t + 1.5·2²³) − 1.5·2²³        add.Scalar_out twice (round half to even, below)
//               q = t + zp                          add (omitted when every zp is 0)
//               q = _to_copy(q → storage)
//   dequantize: x = (f32(q) − zp) · scale           _to_copy, sub, mul (i32 storage subtracts in i64)
//
// Rounding: for |t| < 2²², t + 1.5·2²³ lies in [2²³, 2²⁴), where f32's spacing is exactly 1, so
// the f32 addition itself rounds t to an integer, half to even (IEEE 754's default); subtracting
// the constant again is exact. Clamping first keeps |t| within the storage range (at most 65535
// for the 8- and 16-bit types) and commutes with rounding because the bounds are integers.
// Quantizing to i32 or u32 (which no ONNX node test writes) is refused: their range exceeds 2²².

extension PortableLowering {
    static let quantizationRules: [PortableRule] = [
        PortableRule("edge.quantize", [.toCopy, .div, .divScalar, .eq, .where, .clamp, .maximum, .minimum, .addScalar, .add],
                     "decomposed on float kernels: divide (in f64, rounded once to f32), NaN → 0, clamp, round half to even by adding and subtracting 1.5·2²³ in f32, add the zero point, `_to_copy` to the storage type; i8, u8, i16, u16 storage") { l, op throws(Unsupported) in
            try l.quantize(op)
        },
        PortableRule("edge.dequantize", [.toCopy, .sub, .mul, .mulScalar],
                     "decomposed: `_to_copy` to f32 (i64 for i32 and u32 storage), subtract the zero point, multiply by the scale") { l, op throws(Unsupported) in
            try l.dequantize(op)
        },
    ]

    /// 1.5 · 2²³: adding it to an f32 of magnitude below 2²² rounds to an integer, half to even.
    static let roundingMagic: Double = 12_582_912

    /// A constant f32 tensor holding one value per channel, shaped to broadcast along `axis` of a
    /// rank-`rank` operand (`[C, 1, ..., 1]`).
    mutating func channelConstant(_ values: [Double], axis: Int, rank: Int) -> Int32 {
        let floats = values.map { Float($0) }
        let bytes = floats.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        return builder.constant(.float, [values.count] + Array(repeating: 1, count: rank - 1 - axis), bytes: bytes)
    }

    mutating func quantize(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        guard case .quantized(let qt) = op.result.type.element else { throw Unsupported("result type is not quantized") }
        guard let range = QuantizationParameters.range(of: qt.storage), qt.storage != .i32, qt.storage != .u32 else {
            throw Unsupported("quantizing to \(qt.storage.rawValue) storage is not supported on portable kernels (i8, u8, i16, u16)")
        }
        let p = qt.scheme.parameters
        guard p.blockSize == nil else { throw Unsupported("4-bit blockwise (qi4) values have no portable-kernel lowering (they run in XNNPACK's fully connected, --backend arm-cpu)") }
        let d = dims(x), b = builder
        // t = x / scale, correctly rounded to f32. ExecuTorch's f32 div is not (it multiplies by
        // a reciprocal: -2.5 / (5/255) gives -127.5, not -127.49999): divided in f64 and rounded
        // once to f32, which is the correctly rounded f32 quotient (an f32 quotient is never
        // within f64's error of an f32 rounding midpoint).
        let wide = temp(.double, d)
        try call(.toCopy, ["self": t(x), "out": wide])
        let quotient = temp(.double, d)
        if let axis = p.axis {
            let scales = p.scales.map { Double(Float($0)) }
            let bytes = scales.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            let c = builder.constant(.double, [scales.count] + Array(repeating: 1, count: d.count - 1 - axis), bytes: bytes)
            try call(.div, ["self": wide, "other": c, "out": quotient])
        } else {
            try call(.divScalar, ["self": wide, "other": b.double(Double(Float(p.scales[0]))), "out": quotient])
        }
        let scaled = temp(.float, d)
        try call(.toCopy, ["self": quotient, "out": scaled])
        // NaN → 0 (then the zero point).
        let isNumber = temp(.bool, d)
        try call(.eq, ["self": scaled, "other": scaled, "out": isNumber])
        let zero = b.constant(.float, [], bytes: [0, 0, 0, 0])
        let finite = temp(.float, d)
        try call(.where, ["condition": isNumber, "self": scaled, "other": zero, "out": finite])
        // Clamp to the storage range less the zero point.
        let clamped = temp(.float, d)
        if let axis = p.axis {
            let lo = channelConstant(p.zeroPoints.map { Double(range.lowerBound - $0) }, axis: axis, rank: d.count)
            let hi = channelConstant(p.zeroPoints.map { Double(range.upperBound - $0) }, axis: axis, rank: d.count)
            let low = temp(.float, d)
            try call(.maximum, ["self": finite, "other": lo, "out": low])
            try call(.minimum, ["self": low, "other": hi, "out": clamped])
        } else {
            try call(.clamp, ["self": finite, "min": b.double(Double(range.lowerBound - p.zeroPoints[0])),
                              "max": b.double(Double(range.upperBound - p.zeroPoints[0])), "out": clamped])
        }
        // Round half to even in f32.
        let shifted = temp(.float, d)
        try call(.addScalar, ["self": clamped, "other": b.double(Self.roundingMagic), "out": shifted])
        var rounded = temp(.float, d)
        try call(.addScalar, ["self": shifted, "other": b.double(-Self.roundingMagic), "out": rounded])
        if p.zeroPoints.contains(where: { $0 != 0 }) {
            let withZero = temp(.float, d)
            let zp = p.axis.map { channelConstant(p.zeroPoints.map(Double.init), axis: $0, rank: d.count) }
                ?? b.constant(.float, [], bytes: withUnsafeBytes(of: Float(p.zeroPoints[0]).bitPattern.littleEndian) { Array($0) })
            try call(.add, ["self": rounded, "other": zp, "out": withZero])
            rounded = withZero
        }
        let o = try out(op.result, quantizedAsStorage: true)
        try call(.toCopy, ["self": rounded, "out": o])
    }

    mutating func dequantize(_ op: Operation) throws(Unsupported) {
        let q = op.operand(0)!
        guard case .quantized(let qt) = q.type.element else { throw Unsupported("operand type is not quantized") }
        let p = qt.scheme.parameters
        guard p.blockSize == nil else { throw Unsupported("4-bit blockwise (qi4) values have no portable-kernel lowering (they run in XNNPACK's fully connected, --backend arm-cpu)") }
        let d = dims(q), b = builder
        let hasZero = p.zeroPoints.contains { $0 != 0 }
        // q − zp as f32, exactly Float(q − zp) (i32 and u32 storage subtract in i64 first).
        var centered = temp(.float, d)
        if hasZero && (qt.storage == .i32 || qt.storage == .u32) {
            let wide = temp(.long, d)
            try call(.toCopy, ["self": t(q), "out": wide])
            let zp: Int32
            if let axis = p.axis {
                let bytes = p.zeroPoints.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
                zp = b.constant(.long, [p.zeroPoints.count] + Array(repeating: 1, count: d.count - 1 - axis), bytes: bytes)
            } else {
                zp = b.constant(.long, [], bytes: withUnsafeBytes(of: p.zeroPoints[0].littleEndian) { Array($0) })
            }
            let diff = temp(.long, d)
            try call(.sub, ["self": wide, "other": zp, "out": diff])
            try call(.toCopy, ["self": diff, "out": centered])
        } else {
            try call(.toCopy, ["self": t(q), "out": centered])
            if hasZero {
                let zp = p.axis.map { channelConstant(p.zeroPoints.map(Double.init), axis: $0, rank: d.count) }
                    ?? b.constant(.float, [], bytes: withUnsafeBytes(of: Float(p.zeroPoints[0]).bitPattern.littleEndian) { Array($0) })
                let diff = temp(.float, d)
                try call(.sub, ["self": centered, "other": zp, "out": diff])
                centered = diff
            }
        }
        let outType = op.result.type.element.storage
        let o = try out(op.result)
        let product = outType == .f32 ? o : temp(.float, d)
        if let axis = p.axis {
            try call(.mul, ["self": centered, "other": channelConstant(p.scales, axis: axis, rank: d.count), "out": product])
        } else {
            try call(.mulScalar, ["self": centered, "other": b.double(Double(Float(p.scales[0]))), "out": product])
        }
        if outType != .f32 { try call(.toCopy, ["self": product, "out": o]) }
    }
}
