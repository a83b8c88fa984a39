import EdgeKernels

// Explicit quantize / dequantize ops: the quantization parameters live in the quantized
// element type (`qi8<scale=0.1, zp=3>`, `qi8<axis=0, scales=[..], zps=[..]>`, 4-bit blocks
// `qi4<axis=1, block=32, scales=[..]>`), written once
// on the value that holds integers. `edge.quantize` takes them from its written result type,
// `edge.dequantize` from its operand's type.

extension QuantizationScheme {
    /// The kernel parameters of this scheme.
    public var parameters: QuantizationParameters {
        switch self {
        case .perTensor(let scale, let zp): return QuantizationParameters(scale: scale, zeroPoint: zp)
        case .perChannel(let axis, let scales, let zps): return QuantizationParameters(axis: axis, scales: scales, zeroPoints: zps)
        case .blockwise(let axis, let block, let scales): return QuantizationParameters(axis: axis, blockSize: block, scales: scales)
        }
    }

    /// Why this scheme cannot describe a tensor of `shape` stored as `storage`, or nil when it can.
    public func problem(shape: [Dim], storage: ScalarType) -> String? {
        guard let range = QuantizationParameters.range(of: storage) else {
            return "storage \(storage.rawValue) is not an integer type (i8, u8, i16 or i32)"
        }
        if case .blockwise(let axis, let block, let scales) = self {
            guard storage == .i8 else { return "4-bit blockwise values are stored as i8, not \(storage.rawValue)" }
            guard axis >= 0, axis < shape.count else { return "axis \(axis) is out of range for rank \(shape.count)" }
            guard block > 0 else { return "block size \(block) is not positive" }
            for (i, s) in scales.enumerated() where !(s > 0 && s.isFinite) {
                return "scale #\(i) is \(TypeText.float(s)); scales must be positive and finite"
            }
            if let n = shape[axis].value, n % block != 0 { return "block size \(block) does not divide the \(n) elements along axis \(axis)" }
            if let dims = TensorType(.i8, shape).staticShape, let count = checkedProduct(dims), count / block != scales.count {
                return "\(scales.count) scales for \(count / block) blocks of \(block) along axis \(axis)"
            }
            return nil
        }
        let p = parameters
        guard p.scales.count == p.zeroPoints.count else { return "\(p.scales.count) scales but \(p.zeroPoints.count) zero points" }
        for (i, s) in p.scales.enumerated() where !(s > 0 && s.isFinite) {
            return "scale\(p.axis == nil ? "" : " #\(i)") is \(TypeText.float(s)); scales must be positive and finite"
        }
        for (i, z) in p.zeroPoints.enumerated() where !range.contains(z) {
            return "zero point\(p.axis == nil ? "" : " #\(i)") \(z) is outside \(storage.rawValue)'s range \(range.lowerBound)...\(range.upperBound)"
        }
        if let axis = p.axis {
            guard axis >= 0, axis < shape.count else { return "axis \(axis) is out of range for rank \(shape.count)" }
            if let n = shape[axis].value, n != p.scales.count {
                return "\(p.scales.count) scales for \(n) channels along axis \(axis)"
            }
        }
        return nil
    }
}

extension Ops {
    public static let quantize = OpDefinition(
        "edge.quantize",
        summary: "Quantizes a float tensor to the quantized type written as its result: `q = saturate(round_half_even(x / scale) + zp)`, per tensor, per channel or blockwise 4-bit (`qi4`).",
        reference: "ONNX QuantizeLinear; aten::quantize_per_tensor / quantize_per_channel",
        operands: [OperandSpec("input", .single, "a floating-point tensor")],
        traits: [.pure, .elementwise],
        evaluate: { v, ctx in
            guard let result = ctx.declaredResultTypes?.first, case .quantized(let q) = result.element else {
                throw EvaluationError("result type is not quantized")
            }
            return [try Quantize.run(v.first, storage: q.storage, parameters: q.scheme.parameters)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard case .scalar(let s) = x.element, s.isFloat else {
            throw OpError("input must be a floating-point tensor, got \(TypeText.type(x))")
        }
        guard let declared = ctx.declaredResultTypes, declared.count == 1, case .quantized(let q) = declared[0].element else {
            throw OpError("needs its quantized result type written out (`: qi8<scale=0.1, zp=0>[2,3]`)")
        }
        if let problem = q.scheme.problem(shape: x.shape, storage: q.storage) { throw OpError(problem) }
        return [TensorType(declared[0].element, x.shape)]
    }

    public static let dequantize = OpDefinition(
        "edge.dequantize",
        summary: "Maps a quantized tensor back to real numbers of `dtype`: `x = scale * (q - zp)`, with the operand type's parameters.",
        reference: "ONNX DequantizeLinear; aten::dequantize",
        operands: [OperandSpec("input", .single, "a tensor of quantized type")],
        attributes: [AttributeSpec("dtype", .string, .defaulted(.string("f32")), "the floating-point result type")],
        traits: [.pure, .elementwise],
        evaluate: { v, ctx in
            guard let x = ctx.type("input"), case .quantized(let q) = x.element,
                  let out = ScalarType(rawValue: ctx.attribute("dtype")?.stringValue ?? "") else {
                throw EvaluationError("operand is not quantized")
            }
            return [try Dequantize.run(v.first, parameters: q.scheme.parameters, to: out)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard case .quantized(let q) = x.element else {
            throw OpError("input must have a quantized type (like qi8<scale=0.1, zp=0>), got \(TypeText.type(x))")
        }
        if let problem = q.scheme.problem(shape: x.shape, storage: q.storage) { throw OpError(problem) }
        let name = ctx.attribute("dtype")?.stringValue ?? ""
        guard let s = ScalarType(rawValue: name), s.isFloat else {
            throw OpError("dtype \"\(name)\" is not a floating-point type (f32, f16, bf16, f64)")
        }
        return [TensorType(.scalar(s), x.shape)]
    }
}
