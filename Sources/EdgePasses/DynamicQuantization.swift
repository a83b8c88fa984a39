import EdgeIR
import EdgeKernels
import Foundation

/// `quantize-dynamic-int8`: dynamic INT8 for linear layers, needing no calibration
/// (docs/quantization.md, "Dynamic INT8"). Every `edge.linear` — and `edge.matmul` with a
/// constant 2-D right operand — whose weight is an f32 constant gets
///
/// - its weight stored per output channel, symmetric, INT8 in [-127, 127]
///   (`scale[c] = max|w[c]| / 127`, an all-zero channel scale 1; axis 0 of linear's `[O, I]`,
///   axis 1 of matmul's `[K, N]`) behind an `edge.dequantize`;
/// - its input through `edge.dynamic_quantize` (per-row INT8 chosen at run time);
/// - its bias left f32 (XNNPACK's qd8 fully connected takes an fp32 bias).
///
/// The arm-cpu backend runs each such linear as one qd8 XNNPACK fully connected node.
///
/// `quantize-dynamic-int4` (``int4(groupSize:)``; docs/quantization.md, "INT4 weights") is the
/// same with the weight blockwise 4-bit instead (`qi4`, blocks of `groupSize` along the input
/// axis: axis 1 of linear's `[O, I]`, axis 0 of matmul's `[K, N]`); a layer whose input size
/// `groupSize` does not divide takes the largest multiple of 32 below it that does
/// (``int4GroupSize(inputSize:requested:)``), and one that no multiple of 32 divides is made
/// dynamic INT8.
public enum DynamicQuantization {
    public static let pass = Pass.perFunction(
        name: "quantize-dynamic-int8",
        summary: "Dynamic INT8 linear layers: per-channel INT8 weights, activations quantized per row at run time"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil {
            try quantize(op, rewriter: rewriter, groupSize: nil)
        }
    }

    /// The group size `quantize-dynamic-int4` uses in a pipeline (`--passes`).
    public static let defaultGroupSize = 32

    /// The `quantize-dynamic-int4` pass of the registry (``defaultGroupSize``).
    public static let int4Pass = int4(groupSize: defaultGroupSize)

    /// `quantize-dynamic-int4` with blocks of `groupSize` input features (a positive multiple of 32).
    public static func int4(groupSize: Int) -> Pass {
        Pass.perFunction(
            name: "quantize-dynamic-int4",
            summary: "Dynamic INT8 activations with blockwise 4-bit weights (groups of \(groupSize) input features; layers they do not fit stay dynamic INT8)"
        ) { function, rewriter in
            if let why = groupSizeProblem(groupSize) { throw PassError(why) }
            for op in function.body.operations where op.block != nil {
                try quantize(op, rewriter: rewriter, groupSize: groupSize)
            }
        }
    }

    /// Why `groupSize` is not a block size XNNPACK's 4-bit fully connected takes, or nil.
    public static func groupSizeProblem(_ groupSize: Int) -> String? {
        groupSize > 0 && groupSize % 32 == 0 ? nil : "group size \(groupSize) is not a positive multiple of 32 (XNNPACK's blockwise 4-bit weights need one)"
    }

    /// Why a layer with `inputSize` input features cannot have 4-bit weights in groups of
    /// `groupSize` (it then stays dynamic INT8), or nil.
    public static func int4Refusal(inputSize k: Int, groupSize: Int) -> String? {
        if k % 2 != 0 { return "its \(k) input features are odd (XNNPACK packs two 4-bit weights per byte along them)" }
        if k % groupSize != 0 { return "group size \(groupSize) does not divide its \(k) input features" }
        return nil
    }

    /// The block size 4-bit weights with `inputSize` input features (or embedding rows that long)
    /// get when `requested` is asked for: `requested` when it divides them, else the largest
    /// multiple of 32 below it that does (a 64-feature layer under `--group-size 128` gets blocks
    /// of 64); nil when none does (``int4Refusal(inputSize:groupSize:)`` of 32 then says why).
    public static func int4GroupSize(inputSize k: Int, requested: Int) -> Int? {
        stride(from: requested - requested % 32, through: 32, by: -32).first { int4Refusal(inputSize: k, groupSize: $0) == nil }
    }

    /// What `quantize-dynamic-int4` with `groupSize` does differently from the request in
    /// `function`, for the compiler's notes: linear / matmul ops with a constant f32 2-D weight
    /// that keep INT8 weights (`blockSize` nil) or take smaller blocks, each with why.
    public static func int4Fallbacks(_ function: Function, groupSize: Int) -> [(op: EdgeIR.Operation, blockSize: Int?, reason: String)] {
        function.body.operations.compactMap { op in
            guard let (_, shape, inputAxis) = weight(of: op),
                  let why = int4Refusal(inputSize: shape[inputAxis], groupSize: groupSize) else { return nil }
            return (op, int4GroupSize(inputSize: shape[inputAxis], requested: groupSize), smallerGroupReason(inputSize: shape[inputAxis], requested: groupSize) ?? why)
        }
    }

    /// Why 4-bit blocks of `inputSize` elements are not `requested` long (nil when they are):
    /// `requested` does not divide them, or no multiple of 32 up to it does, or they are odd.
    public static func smallerGroupReason(inputSize k: Int, requested g: Int) -> String? {
        guard let why = int4Refusal(inputSize: k, groupSize: g) else { return nil }
        if k % 2 != 0 || int4GroupSize(inputSize: k, requested: g) != nil { return why }
        return "no multiple of 32 up to group size \(g) divides its \(k) input features"
    }

    /// The compiler's note for one of ``int4Fallbacks(_:groupSize:)``.
    public static func int4FallbackNote(_ op: EdgeIR.Operation, blockSize: Int?, reason: String) -> String {
        if let g = blockSize { return "note: \(op.diagnosticName) has 4-bit weights in groups of \(g): \(reason)" }
        return "note: \(op.diagnosticName) keeps INT8 weights (dynamic INT8): \(reason)"
    }

    /// The axis of the 2-D weight that runs along the input features: 1 for linear's `[O, I]`, 0
    /// for matmul's `[K, N]`; nil for other ops. The blocks of 4-bit weights run along it.
    public static func inputFeatureAxis(of op: EdgeIR.Operation) -> Int? {
        if op.definition === Ops.linear { return 1 }
        if op.definition === Ops.matmul { return 0 }
        return nil
    }

    /// The f32 constant 2-D weight of a linear (`[O, I]`) or matmul (`[K, N]`) whose input is
    /// f32 and not dynamically quantized yet, its shape, and its input-feature axis.
    static func weight(of op: EdgeIR.Operation) -> (values: Tensor, shape: [Int], inputAxis: Int)? {
        guard let inputAxis = inputFeatureAxis(of: op), let x = op.operand(0), x.type.element == .f32, x.definingOp?.definition !== Ops.dynamicQuantize,
              let weight = op.operand(1), weight.type.element == .f32, let values = Constants.tensor(weight),
              let shape = weight.type.staticShape, shape.count == 2 else { return nil }
        return (values, shape, inputAxis)
    }

    static func quantize(_ op: EdgeIR.Operation, rewriter: Rewriter, groupSize: Int?) throws {
        guard let (values, shape, inputAxis) = weight(of: op), let x = op.operand(0), let weight = op.operand(1) else { return }
        let type: QuantizedType, q: Tensor, absMax: [Float], suffix: String
        if let requested = groupSize, let g = int4GroupSize(inputSize: shape[inputAxis], requested: requested) {
            (type, q, absMax) = try QuantizeWeights.symmetricBlockwise(values, shape: shape, axis: inputAxis, blockSize: g)
            suffix = "_q4"
        } else {
            (type, q, absMax) = try QuantizeWeights.symmetricPerChannel(values, shape: shape, axis: 1 - inputAxis)
            suffix = "_q8"
        }
        guard absMax.allSatisfy(\.isFinite) else { return }  // a weight with inf/NaN stays f32
        rewriter.setInsertionPoint(before: op)
        let base = weight.nameHint ?? "w"
        let wq = try rewriter.constant(Data(q.bytes()), type: TensorType(.quantized(type), shape), name: base + suffix, location: weight.definingOp?.location)
        let wdq = try rewriter.create(Ops.dequantize, [wq], location: op.location)
        wdq.result.nameHint = base + "_dq"
        let xq = try rewriter.create(Ops.dynamicQuantize, [x], location: op.location)
        xq.result.nameHint = (x.nameHint ?? "x") + "_dyn"
        rewriter.setOperand(1, of: op, to: wdq.result)
        rewriter.setOperand(0, of: op, to: xq.result)
        if let d = weight.definingOp, !weight.hasUses { rewriter.erase(d) }
    }
}
