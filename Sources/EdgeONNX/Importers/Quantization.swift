import EdgeIR
import EdgeKernels
import Foundation

// Pre-quantized ONNX (docs/quantization.md, "Pre-quantized ONNX"): QuantizeLinear /
// DequantizeLinear become `edge.quantize` / `edge.dequantize` with the parameters written into
// quantized element types (so scales and zero points must be constants); an integer
// initializer read by DequantizeLinear becomes a quantized constant + `edge.dequantize` (the
// form the arm-cpu INT8 lowering takes weights in). QLinearConv / QLinearMatMul are dequantize →
// float op → quantize; ConvInteger / MatMulInteger compute their exact int32 results in f32
// where that is provably exact; DynamicQuantizeLinear computes its run-time parameters with
// float ops.

/// The quantization parameters one ONNX node gives a tensor (constant scale and zero point inputs).
struct ONNXQuantization {
    var storage: ScalarType
    var scales: [Double]
    var zeroPoints: [Int64]
    /// The channel axis (non-negative), nil per tensor.
    var axis: Int?
    /// The element type of the scale input (a DequantizeLinear's default result type).
    var scaleType: ScalarType

    var scheme: QuantizationScheme {
        if let axis { return .perChannel(axis: axis, scales: scales, zeroPoints: zeroPoints) }
        return .perTensor(scale: scales[0], zeroPoint: zeroPoints[0])
    }

    var quantizedType: QuantizedType { QuantizedType(storage: storage, scheme: scheme) }
    var element: ElementType { .quantized(quantizedType) }
    var hasZeroPoint: Bool { zeroPoints.contains { $0 != 0 } }

    /// The shape that broadcasts one value per channel against a rank-`rank` tensor.
    func broadcastShape(rank: Int) -> [Int] {
        guard let axis else { return [] }
        return [scales.count] + Array(repeating: 1, count: rank - 1 - axis)
    }
}

extension ONNXOps {
    /// The ONNX data type named by an `output_dtype`-like attribute, as an Edge IR type.
    static func dataType(_ ctx: NodeContext, attribute: String) throws -> ScalarType? {
        guard ctx.hasAttribute(attribute) else { return nil }
        let code = try ctx.int(attribute, 0)
        if code == 0 { return nil }
        return try ONNXType.require(Int32(truncatingIfNeeded: code), "'\(attribute)'")
    }

    /// Blocked quantization (opset 21 `block_size`, or a scale of rank > 1) has no Edge IR type.
    static func refuseBlocked(_ ctx: NodeContext) throws {
        let block = ctx.version >= 21 ? try ctx.int("block_size", 0) : 0
        if block != 0 { throw ctx.unsupported("blocked quantization (block_size = \(block))") }
    }

    /// Reads the scale (input `si`) and zero point (input `zi`) of a tensor of `shape`.
    /// `storage` is the tensor's integer type when it is given (DequantizeLinear's input), else
    /// the zero point's type, else `fallback`. One value is per tensor; a 1-D scale with more is
    /// per channel along `axis`. Every problem is an error naming the input.
    static func quantization(_ ctx: NodeContext, scale si: Int, zeroPoint zi: Int, of shape: [Dim], storage given: ScalarType?,
                             fallback: ScalarType = .u8, axis axisAttribute: Int) throws -> ONNXQuantization {
        guard ctx.has(si) else { throw ImportError("the scale (input #\(si)) is required") }
        let scaleName = ctx.node.input[si]
        guard let scale = ctx.constant(si) else {
            let kind = (try? ctx.type(si)).map { TypeText.type($0) } ?? "a value"
            throw ImportError("scale \"\(scaleName)\" (\(kind)) must be a constant known at import time: edgec writes quantization parameters into the program's types, so a scale computed at run time is not supported")
        }
        guard scale.dtype.isFloatingPoint else { throw ImportError("scale \"\(scaleName)\" has element type \(scale.dtype), expected a float type") }
        if scale.shape.count > 1 { throw ctx.unsupported("blocked quantization (scale \"\(scaleName)\" has shape \(scale.shape))") }
        let scales = scale.doubles()
        guard !scales.isEmpty else { throw ImportError("scale \"\(scaleName)\" is empty") }
        for (i, s) in scales.enumerated() where !(s > 0 && s.isFinite) {
            throw ImportError("scale \"\(scaleName)\"\(scales.count > 1 ? " #\(i)" : "") is \(s); scales must be positive and finite")
        }
        var storage = given
        var zeroPoints = [Int64](repeating: 0, count: scales.count)
        if ctx.has(zi) {
            let zpName = ctx.node.input[zi]
            guard let zp = ctx.constant(zi) else {
                throw ImportError("zero point \"\(zpName)\" must be a constant known at import time: edgec writes quantization parameters into the program's types")
            }
            guard zp.dtype.isIntegral else { throw ImportError("zero point \"\(zpName)\" has element type \(zp.dtype), expected an integer type") }
            if let given, zp.dtype != given {
                throw ImportError("zero point \"\(zpName)\" is \(zp.dtype) but the quantized tensor is \(given)")
            }
            guard zp.count == scales.count else {
                throw ImportError("zero point \"\(zpName)\" has \(zp.count) values but scale \"\(scaleName)\" has \(scales.count)")
            }
            storage = zp.dtype
            zeroPoints = zp.int64s()
        }
        let s = storage ?? fallback
        guard let range = QuantizationParameters.range(of: s) else {
            throw ImportError("quantized element type \(s) is not supported (edgec quantizes to i8, u8, i16, u16, i32 and u32)")
        }
        for (i, z) in zeroPoints.enumerated() where !range.contains(z) {
            throw ImportError("zero point \(ctx.has(zi) ? "\"\(ctx.node.input[zi])\"" : "")\(scales.count > 1 ? " #\(i)" : "") is \(z), outside \(s)'s range \(range.lowerBound)...\(range.upperBound)")
        }
        var axis: Int?
        if scales.count > 1 {
            let rank = shape.count
            let a = axisAttribute < 0 ? axisAttribute + rank : axisAttribute
            guard a >= 0, a < rank else { throw ImportError("axis \(axisAttribute) is out of range for rank \(rank)") }
            if let n = shape[a].value, n != scales.count {
                throw ImportError("scale \"\(scaleName)\" has \(scales.count) values for \(n) channels along axis \(a)")
            }
            axis = a
        }
        return ONNXQuantization(storage: s, scales: scales, zeroPoints: zeroPoints, axis: axis, scaleType: scale.dtype)
    }

    /// A constant of per-channel (or one) values shaped to broadcast against a rank-`rank` tensor.
    static func parameterConstant(_ ctx: NodeContext, _ values: [Double], _ q: ONNXQuantization, rank: Int, name: String) throws -> Value {
        try ctx.constantValue(try ctx.constantTensor(values, .f32, shape: q.broadcastShape(rank: rank)), name: name)
    }

    /// `x` (input `i`, integers with parameters `q`) dequantized to `output`:
    /// - a quantized value (a QuantizeLinear or QLinear* result) with these parameters → `edge.dequantize`;
    /// - integers known at import time (an initializer) → a quantized constant + `edge.dequantize`;
    /// - integers computed at run time (a graph input) → `(f32(x) − zp) · scale` in float ops.
    static func dequantized(_ ctx: NodeContext, _ i: Int, _ q: ONNXQuantization, to output: ScalarType) throws -> Value {
        let x = try ctx.input(i)
        let name = ctx.node.input[i]
        let attrs: [String: Attribute] = ["dtype": .string(output.rawValue)]
        switch x.type.element {
        case .quantized(let qt):
            guard qt == q.quantizedType else {
                throw ImportError("reads \"\(name)\" of type \(TypeText.type(x.type)) with other parameters than its own (\(TypeText.type(TensorType(q.element, x.type.shape))))")
            }
            return try ctx.emit(Ops.dequantize, [try ctx.materialize(x)], attrs)
        case .scalar(let s):
            guard s.isIntegral else { throw ImportError("input \"\(name)\" must be an integer tensor, got \(TypeText.type(x.type))") }
            let known: Data?
            switch x {
            case .initializer(_, let data, _): known = data
            case .constant(let t, _): known = Data(t.bytes())
            case .value, .sequence, .optional: known = nil  // NodeContext hands importers tensors only
            }
            if let known {
                let c = try ctx.constantValueTyped(known, TensorType(q.element, x.type.shape), name: name)
                return try ctx.emit(Ops.dequantize, [c], attrs)
            }
            let rank = x.type.rank
            var f = try ctx.emit(Ops.cast, [try ctx.materialize(x)], ["dtype": .string("f32")])
            if q.hasZeroPoint {
                f = try ctx.emit(Ops.sub, [f, try parameterConstant(ctx, q.zeroPoints.map(Double.init), q, rank: rank, name: name + "_zero_point")])
            }
            f = try ctx.emit(Ops.mul, [f, try parameterConstant(ctx, q.scales, q, rank: rank, name: name + "_scale")])
            return output == .f32 ? f : try ctx.emit(Ops.cast, [f], attrs)
        }
    }

    /// `x` quantized with `q`: `edge.quantize` (a known `x` is quantized at import time into a
    /// quantized constant).
    static func quantized(_ ctx: NodeContext, _ x: Imported, _ q: ONNXQuantization) throws -> Imported {
        guard case .scalar(let s) = x.type.element, s.isFloat else {
            throw ImportError("the input to quantize must be a float tensor, got \(TypeText.type(x.type))")
        }
        let type = TensorType(q.element, x.type.shape)
        if let t = x.tensor {
            let stored: Tensor
            do { stored = try Quantize.run(t, storage: q.storage, parameters: q.scheme.parameters) } catch {
                throw ImportError("quantizing a constant: \(error)")
            }
            return .initializer(type, Data(stored.bytes()))
        }
        return .value(try ctx.emitOp(Ops.quantize, [try ctx.materialize(x)], resultTypes: [type]).result)
    }

    /// The largest |v − zp| of a `storage` integer less a zero point (`zeroPoints` when known,
    /// else any value of the type).
    static func centeredMagnitude(_ storage: ScalarType, zeroPoints: [Int64]?) -> Double {
        guard let r = QuantizationParameters.range(of: storage) else { return .infinity }
        guard let z = zeroPoints, let lo = z.min(), let hi = z.max() else { return Double(r.upperBound - r.lowerBound) }
        return Double(max(r.upperBound - lo, hi - r.lowerBound))
    }

    /// `x − zp` as f32 for MatMulInteger / ConvInteger (input `i`, zero point input `zi`, whose
    /// values may be known or computed, e.g. by DynamicQuantizeLinear); `zpShape` reshapes a
    /// per-row / per-channel zero point to broadcast. Returns the value and the bound on |x − zp|.
    static func centered(_ ctx: NodeContext, _ i: Int, zeroPoint zi: Int, zpShape: (Int) -> [Int]?) throws -> (Imported, Double) {
        let x = try ctx.input(i)
        guard case .scalar(let s) = x.type.element, s == .i8 || s == .u8 else {
            throw ImportError("input \"\(ctx.node.input[i])\" must be int8 or uint8, got \(TypeText.type(x.type))")
        }
        var f = try cast(ctx, x, to: .f32)
        guard ctx.has(zi) else { return (f, centeredMagnitude(s, zeroPoints: [0])) }
        let zp = try ctx.input(zi)
        guard zp.type.element == .scalar(s) else {
            throw ImportError("zero point \"\(ctx.node.input[zi])\" is \(TypeText.type(zp.type)) but input \"\(ctx.node.input[i])\" is \(s)")
        }
        let count = zp.type.elementCount ?? -1
        var z = try cast(ctx, zp, to: .f32)
        if count != 1 {
            guard let shape = zpShape(count) else {
                throw ImportError("zero point \"\(ctx.node.input[zi])\" of type \(TypeText.type(zp.type)) does not fit input \"\(ctx.node.input[i])\" of type \(TypeText.type(x.type))")
            }
            z = try ctx.apply1(Ops.reshape, [z], ["shape": .ints(shape.map(Int64.init))])
        }
        f = try ctx.apply1(Ops.sub, [f, z])
        return (f, centeredMagnitude(s, zeroPoints: ctx.constant(zi)?.int64s()))
    }

    /// Fails unless sums of `terms` products of magnitude at most `a · b` stay below 2²⁴, where
    /// every partial sum of integers is exact in f32 (whatever the summation order).
    static func requireExactInFloat(_ what: String, terms: Int, _ a: Double, _ b: Double) throws {
        let bound = Double(terms) * a * b
        guard bound < 16_777_216 else {
            throw ImportError("\(what): \(terms) products of up to \(Int(a)) · \(Int(b)) can reach \(Int(bound)), beyond 2^24, where the f32 accumulation edgec uses for exact int32 results is no longer exact (integer kernels are not implemented)")
        }
    }

    /// Adds and subtracts 1.5 · 2²³ in f32: rounds |x| < 2²² to an integer, half to even (the
    /// f32 addition itself rounds; the subtraction is exact).
    static func roundHalfEven(_ ctx: NodeContext, _ x: Value) throws -> Value {
        let magic = try ctx.scalarValue(12_582_912, .f32, name: "round_magic")
        return try ctx.emit(Ops.sub, [try ctx.emit(Ops.add, [x, magic]), magic])
    }

    /// `a / b` correctly rounded to f32: divided in f64 and rounded once (ExecuTorch's portable
    /// f32 division multiplies by a reciprocal, which misses ties such as -2.5 / (5/255)).
    static func exactDivide(_ ctx: NodeContext, _ a: Value, _ b: Value) throws -> Value {
        let f64: [String: Attribute] = ["dtype": .string("f64")], f32: [String: Attribute] = ["dtype": .string("f32")]
        let q = try ctx.emit(Ops.div, [try ctx.emit(Ops.cast, [a], f64), try ctx.emit(Ops.cast, [b], f64)])
        return try ctx.emit(Ops.cast, [q], f32)
    }

    static let quantization: [OpImporter] = [
        OpImporter("QuantizeLinear", [10, 13, 19, 21, 23, 24, 25, 28]) { ctx in
            try refuseBlocked(ctx)
            let x = try ctx.input(0)
            if ctx.hasAttribute("precision"), try dataType(ctx, attribute: "precision") != .f32 {
                throw ctx.unsupported("precision other than FLOAT")
            }
            let q = try quantization(ctx, scale: 1, zeroPoint: 2, of: x.type.shape,
                                     storage: ctx.version >= 21 ? try dataType(ctx, attribute: "output_dtype") : nil,
                                     axis: try ctx.int("axis", 1))
            return [try quantized(ctx, x, q)]
        },
        OpImporter("DequantizeLinear", [10, 13, 19, 21, 23, 24, 25, 28]) { ctx in
            try refuseBlocked(ctx)
            let x = try ctx.type(0)
            let q = try quantization(ctx, scale: 1, zeroPoint: 2, of: x.shape, storage: x.element.storage, axis: try ctx.int("axis", 1))
            let output = (ctx.version >= 23 ? try dataType(ctx, attribute: "output_dtype") : nil) ?? q.scaleType
            guard output.isFloat else { throw ImportError("output type \(output) is not a float type") }
            return [.value(try dequantized(ctx, 0, q, to: output))]
        },
        // y = quantize(dequantize(a) @ dequantize(b)); a per tensor (or per row), b per tensor (or per column).
        OpImporter("QLinearMatMul", [10, 21]) { ctx in
            let a = try ctx.type(0), b = try ctx.type(3)
            guard a.rank >= 2, b.rank >= 2 else { throw ImportError("a and b must have rank 2 or more, got \(TypeText.type(a)) and \(TypeText.type(b))") }
            let qa = try quantization(ctx, scale: 1, zeroPoint: 2, of: a.shape, storage: a.element.storage, axis: a.rank - 2)
            let qb = try quantization(ctx, scale: 4, zeroPoint: 5, of: b.shape, storage: b.element.storage, axis: b.rank - 1)
            let product = try ctx.emit(Ops.matmul, [try dequantized(ctx, 0, qa, to: .f32), try dequantized(ctx, 3, qb, to: .f32)])
            let qy = try quantization(ctx, scale: 6, zeroPoint: 7, of: product.type.shape, storage: nil, fallback: a.element.storage, axis: 0)
            guard qy.axis == nil else { throw ImportError("y_scale must be one value (per-tensor output)") }
            return [try quantized(ctx, .value(product), qy)]
        },
        // y = quantize(conv(dequantize(x), dequantize(w), dequantize(B at x_scale · w_scale))).
        OpImporter("QLinearConv", [10]) { ctx in
            let x = try ctx.type(0), w = try ctx.type(3)
            guard x.rank == 4, w.rank == 4 else { throw ImportError("edgec imports 2-D QLinearConv (rank-4 x and w), got \(TypeText.type(x)) and \(TypeText.type(w))") }
            let qx = try quantization(ctx, scale: 1, zeroPoint: 2, of: x.shape, storage: x.element.storage, axis: 1)
            guard qx.axis == nil else { throw ImportError("x_scale must be one value (per-tensor input)") }
            let qw = try quantization(ctx, scale: 4, zeroPoint: 5, of: w.shape, storage: w.element.storage, axis: 0)
            let xf = try dequantized(ctx, 0, qx, to: .f32), wf = try dequantized(ctx, 3, qw, to: .f32)
            var bias: Value?
            if ctx.has(8) {
                let bt = try ctx.type(8)
                guard bt.element == .i32, bt.rank == 1 else { throw ImportError("B must be a 1-D int32 tensor, got \(TypeText.type(bt))") }
                let scales = qw.scales.map { Double(Float(qx.scales[0]) * Float($0)) }
                let qb = ONNXQuantization(storage: .i32, scales: scales, zeroPoints: Array(repeating: 0, count: scales.count),
                                          axis: scales.count > 1 ? 0 : nil, scaleType: .f32)
                bias = try dequantized(ctx, 8, qb, to: .f32)
            }
            let win = try Window.read(ctx, kernel: w.staticShape.map { Array($0.suffix(2)) }, spatial: Array(x.shape.suffix(2)), lifted: false)
            let y = try ctx.emit(Ops.conv2d, [xf, wf, bias], [
                "stride": .ints(win.strides.map(Int64.init)), "padding": win.paddingAttribute,
                "dilation": .ints(win.dilations.map(Int64.init)), "groups": .int(Int64(try ctx.int("group", 1))),
            ])
            let qy = try quantization(ctx, scale: 6, zeroPoint: 7, of: y.type.shape, storage: nil, fallback: x.element.storage, axis: 1)
            guard qy.axis == nil else { throw ImportError("y_scale must be one value (per-tensor output)") }
            return [try quantized(ctx, .value(y), qy)]
        },
        // Y = (A − a_zp) @ (B − b_zp) in int32, computed in f32 where every partial sum is exact.
        OpImporter("MatMulInteger", [10]) { ctx in
            let at = try ctx.type(0), bt = try ctx.type(1)
            guard at.rank >= 1, bt.rank >= 2, let k = bt.shape[bt.rank - 2].value else {
                throw ImportError("needs B of rank 2 or more with a static K, got \(TypeText.type(at)) and \(TypeText.type(bt))")
            }
            let m = at.rank >= 2 ? at.shape[at.rank - 2].value : nil, n = bt.shape[bt.rank - 1].value
            let (a, ma) = try centered(ctx, 0, zeroPoint: 2) { c in c == m ? [c, 1] : nil }  // per row
            let (b, mb) = try centered(ctx, 1, zeroPoint: 3) { c in c == n ? [c] : nil }     // per column
            try requireExactInFloat("MatMulInteger", terms: k, ma, mb)
            let y = try ctx.apply1(Ops.matmul, [a, b])
            return [try cast(ctx, y, to: .i32)]
        },
        // y = conv(x − x_zp, w − w_zp) in int32 (zero padding in the centered domain), computed in f32.
        OpImporter("ConvInteger", [10]) { ctx in
            try requireSingleOutput(ctx, "ConvInteger")
            let xt = try ctx.type(0), wt = try ctx.type(1)
            guard xt.rank == 4, let ws = wt.staticShape, ws.count == 4 else {
                throw ImportError("edgec imports 2-D ConvInteger (rank-4 x and a static rank-4 w), got \(TypeText.type(xt)) and \(TypeText.type(wt))")
            }
            let (x, mx) = try centered(ctx, 0, zeroPoint: 2) { _ in nil }
            let (w, mw) = try centered(ctx, 1, zeroPoint: 3) { c in c == ws[0] ? [c, 1, 1, 1] : nil }  // per output channel
            try requireExactInFloat("ConvInteger", terms: ws[1] * ws[2] * ws[3], mx, mw)
            let win = try Window.read(ctx, kernel: Array(ws.suffix(2)), spatial: Array(xt.shape.suffix(2)), lifted: false)
            let y = try ctx.emit(Ops.conv2d, [try ctx.materialize(x), try ctx.materialize(w), nil], [
                "stride": .ints(win.strides.map(Int64.init)), "padding": win.paddingAttribute,
                "dilation": .ints(win.dilations.map(Int64.init)), "groups": .int(Int64(try ctx.int("group", 1))),
            ])
            return [try cast(ctx, .value(y), to: .i32)]
        },
        // ONNX's formula in float ops: range [min(0, min x), max(0, max x)], scale = range / 255
        // (1 / 255 for an all-zero x), zp = round(clamp(−min / scale, 0, 255)),
        // y = clamp(round(x / scale) + zp, 0, 255) as uint8. |x / scale| ≤ 255 keeps the rounding exact.
        OpImporter("DynamicQuantizeLinear", [11]) { ctx in
            let x = try ctx.value(0)
            guard x.type.element == .f32 else { throw ImportError("x must be float32, got \(TypeText.type(x.type))") }
            let all: [String: Attribute] = ["axes": .ints([]), "keepdim": .bool(false)]
            let zero = try ctx.scalarValue(0, .f32, name: "zero")
            let lo = try ctx.emit(Ops.minimum, [try ctx.emit(Ops.amin, [x], all), zero])
            let hi = try ctx.emit(Ops.maximum, [try ctx.emit(Ops.amax, [x], all), zero])
            let width = try ctx.emit(Ops.sub, [hi, lo])
            let one = try ctx.scalarValue(1, .f32, name: "one")
            let range = try ctx.emit(Ops.where, [try ctx.emit(Ops.eq, [width, zero]), one, width])
            let scale = try exactDivide(ctx, range, try ctx.scalarValue(255, .f32, name: "qmax"))
            let initialZero = try ctx.emit(Ops.sub, [zero, try exactDivide(ctx, lo, scale)])
            let zp = try roundHalfEven(ctx, try ctx.emit(Ops.clamp, [initialZero], ["min": .float(0), "max": .float(255)]))
            let y = try ctx.emit(Ops.add, [try roundHalfEven(ctx, try exactDivide(ctx, x, scale)), zp])
            let saturated = try ctx.emit(Ops.clamp, [y], ["min": .float(0), "max": .float(255)])
            let u8: [String: Attribute] = ["dtype": .string("u8")]
            return [.value(try ctx.emit(Ops.cast, [saturated], u8)), .value(scale), .value(try ctx.emit(Ops.cast, [zp], u8))]
        },
    ]
}

extension NodeContext {
    /// A constant of `type` (which may be quantized) holding `bytes`, named after `name`.
    func constantValueTyped(_ bytes: Data, _ type: TensorType, name: String) throws -> Value {
        do throws(OpError) {
            return try builder.constant(bytes, type: type, name: name, location: location)
        } catch {
            throw ImportError("constant \"\(name)\": \(error.message)")
        }
    }
}
