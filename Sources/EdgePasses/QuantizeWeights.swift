import EdgeIR
import EdgeKernels
import Foundation

/// `quantize-weights`: stores the constant weights of quantized conv2d / linear / matmul as
/// per-output-channel symmetric INT8 and their biases as INT32 (docs/quantization.md, "QDQ
/// Edge IR", rules 2–3). An op counts as quantized when its activation input is an
/// `edge.dequantize` (``InsertQDQ`` made it so); float ops are left alone.
///
/// `scale[c] = max|w[c]| / 127` (an all-zero channel gets scale 1), `q = round_half_even(w /
/// scale[c])` in [-127, 127]. The bias becomes `qi32` at `input_scale × scale[c]` when the
/// input's dequantize is per tensor. Scales are floored only where an INT8 runtime could not
/// hold them (``minimumScale(bias:inputScale:)``): a weight scale is at least the smallest normal
/// float32, and, with a quantized bias, large enough that `input_scale × scale[c]` is normal and
/// the channel's bias fits in i32 (XNNPACK rejects subnormal scales, and a saturated bias is
/// a wrong one). Such a channel's weights are tiny next to its bias (max|w| × input_scale below
/// 6e-8 × |bias|) and mostly round to 0.
public enum QuantizeWeights {
    public static let pass = Pass.perFunction(
        name: "quantize-weights",
        summary: "Store the weights of quantized conv2d/linear/matmul as per-channel INT8 and their biases as INT32 (QDQ form)"
    ) { function, rewriter in
        try run(function, rewriter: rewriter)
    }

    /// Runs the pass on one function (the quantizer calls it after ``InsertQDQ``, with `only`
    /// its plan's quantized ops, so a float island reading a dequantize keeps f32 weights).
    public static func run(_ function: Function, rewriter: Rewriter, only: (EdgeIR.Operation) -> Bool = { _ in true }) throws {
        for op in function.body.operations where op.block != nil && only(op) {
            try quantize(op, rewriter: rewriter)
        }
    }

    /// A weight quantized per channel along `axis`, symmetric INT8 in [-127, 127]:
    /// `scale[c] = max(max|w[c]| / 127, floors[c], smallest normal float32)`, and 1 for an
    /// all-zero (or non-finite) channel. Returns the type, the integers and each channel's max |w|
    /// (callers may refuse non-finite ones). Shared by `quantize-weights` and `quantize-dynamic-int8`.
    public static func symmetricPerChannel(_ values: Tensor, shape: [Int], axis: Int, floors: [Float] = []) throws -> (type: QuantizedType, data: Tensor, absMax: [Float]) {
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var absMax = [Float](repeating: 0, count: channels)
        for (i, x) in values.floats().enumerated() {
            let c = (i / inner) % channels
            absMax[c] = max(absMax[c], abs(x))
        }
        let scales = absMax.indices.map { c -> Double in
            let m = absMax[c]
            guard m > 0 && m.isFinite else { return 1 }
            return Double(max(m / 127, Float.leastNormalMagnitude, c < floors.count ? floors[c] : 0))
        }
        let type = QuantizedType(storage: .i8, scheme: .perChannel(axis: axis, scales: scales, zeroPoints: Array(repeating: 0, count: channels)))
        return (type, try Quantize.run(values, storage: .i8, parameters: type.scheme.parameters), absMax)
    }

    /// The smallest weight scale `w` of a channel with this bias at this input scale such that
    /// the bias scale `Float(inputScale × w)` is a normal float32 and `round(|bias| / (inputScale × w))`
    /// fits in i32 (0 when the input scale is not a positive finite float, which nothing then quantizes).
    public static func minimumScale(bias: Float, inputScale s: Float) -> Float {
        guard s > 0, s.isFinite else { return 0 }
        let magnitude = bias.isFinite ? abs(bias) : 0
        func holds(_ w: Float) -> Bool {
            let bs = s * w
            return bs.isNormal && (Double(magnitude) / Double(bs)).rounded(.toNearestOrEven) <= Double(Int32.max)
        }
        var w = max(Float.leastNormalMagnitude / s, Float(Double(magnitude) / (Double(s) * Double(Int32.max))), Float.leastNormalMagnitude)
        guard w.isFinite else { return .greatestFiniteMagnitude }
        while !holds(w), w < .greatestFiniteMagnitude { w = w.nextUp }
        return w
    }

    /// A weight quantized blockwise along `axis` (blocks of `blockSize` consecutive elements),
    /// symmetric 4-bit in [-8, 7] (docs/quantization.md, "INT4 weights"): `scale[b] = max|w[b]| / 7`
    /// rounded to bfloat16 (round to nearest even; XNNPACK reads bf16 scales, so the integers are
    /// chosen against the rounded scale), 1 for an all-zero block, the smallest normal float when
    /// the rounded scale would be 0; `q = round_half_even(w / scale[b])` clamped to [-8, 7].
    /// Returns the type, the integers (i8 storage) and each block's max |w|.
    public static func symmetricBlockwise(_ values: Tensor, shape: [Int], axis: Int, blockSize: Int) throws -> (type: QuantizedType, data: Tensor, absMax: [Float]) {
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let blocks = channels / blockSize
        let count = shape.reduce(1, *)
        var absMax = [Float](repeating: 0, count: count / blockSize)
        for (i, x) in values.floats().enumerated() {
            let outer = i / (channels * inner), c = (i / inner) % channels
            let b = (outer * blocks + c / blockSize) * inner + i % inner
            absMax[b] = max(absMax[b], abs(x))
        }
        let scales = absMax.map { m -> Double in
            guard m > 0, m.isFinite else { return 1 }
            let s = HalfPrecision.float(fromBF16: HalfPrecision.bf16(from: m / 7))
            return Double(s.isNormal ? s : Float.leastNormalMagnitude)  // XNNPACK takes normal scales only
        }
        let type = QuantizedType(storage: .i8, scheme: .blockwise(axis: axis, blockSize: blockSize, scales: scales))
        return (type, try Quantize.run(values, storage: .i8, parameters: type.scheme.parameters), absMax)
    }

    /// Quantizes the weight (and bias) of `op` when it is a weighted op with a dequantized input.
    static func quantize(_ op: EdgeIR.Operation, rewriter: Rewriter) throws {
        guard case .weighted(let w, let axisSpec, let b)? = QuantizableOps.role(of: op),
              let input = op.operand(0), let dq = input.definingOp, dq.is(Ops.dequantize),
              let weight = op.operand(w), let values = Constants.tensor(weight), let shape = weight.type.staticShape, !shape.isEmpty else { return }
        let axis = axisSpec < 0 ? shape.count + axisSpec : axisSpec
        let channels = shape[axis]
        // The bias (quantized below when it is a constant [channels] and the input per tensor) floors the scales.
        var floors: [Float] = []
        if let b, let bias = op.operand(b), let bValues = Constants.tensor(bias), bias.type.rank == 1, bias.type.staticShape == [channels],
           case .quantized(let inType)? = dq.operand(0)?.type.element, case .perTensor(let inScale, _) = inType.scheme {
            floors = bValues.floats().map { minimumScale(bias: $0, inputScale: Float(inScale)) }
        }
        let (wType, q, _) = try symmetricPerChannel(values, shape: shape, axis: axis, floors: floors)
        let scales = wType.scheme.parameters.scales
        rewriter.setInsertionPoint(before: op)
        let base = weight.nameHint ?? "w"
        let wq = try rewriter.constant(Data(q.bytes()), type: TensorType(.quantized(wType), shape), name: base + "_q", location: weight.definingOp?.location)
        let wdq = try rewriter.create(Ops.dequantize, [wq], location: op.location)
        wdq.result.nameHint = base + "_dq"
        rewriter.setOperand(w, of: op, to: wdq.result)
        rewriter.eraseIfDead(weight.definingOp)

        guard let b, let bias = op.operand(b), let bValues = Constants.tensor(bias), bias.type.rank == 1, bias.type.staticShape == [channels],
              case .quantized(let inType)? = dq.operand(0)?.type.element, case .perTensor(let inScale, _) = inType.scheme else { return }
        let bScales = scales.map { Double(Float(inScale) * Float($0)) }
        let bType = QuantizedType(storage: .i32, scheme: .perChannel(axis: 0, scales: bScales, zeroPoints: Array(repeating: 0, count: channels)))
        let bq = try Quantize.run(bValues, storage: .i32, parameters: bType.scheme.parameters)
        let bBase = bias.nameHint ?? "b"
        let bqv = try rewriter.constant(Data(bq.bytes()), type: TensorType(.quantized(bType), [channels]), name: bBase + "_q", location: bias.definingOp?.location)
        let bdq = try rewriter.create(Ops.dequantize, [bqv], location: op.location)
        bdq.result.nameHint = bBase + "_dq"
        rewriter.setOperand(b, of: op, to: bdq.result)
        rewriter.eraseIfDead(bias.definingOp)
    }
}
