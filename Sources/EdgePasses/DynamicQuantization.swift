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
public enum DynamicQuantization {
    public static let pass = Pass.perFunction(
        name: "quantize-dynamic-int8",
        summary: "Dynamic INT8 linear layers: per-channel INT8 weights, activations quantized per row at run time"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil {
            try quantize(op, rewriter: rewriter)
        }
    }

    static func quantize(_ op: EdgeIR.Operation, rewriter: Rewriter) throws {
        let axis: Int
        if op.definition === Ops.linear {
            axis = 0
        } else if op.definition === Ops.matmul {
            axis = 1
        } else {
            return
        }
        guard let x = op.operand(0), x.type.element == .f32, x.definingOp?.definition !== Ops.dynamicQuantize,
              let weight = op.operand(1), weight.type.element == .f32, let values = Constants.tensor(weight),
              let shape = weight.type.staticShape, shape.count == 2 else { return }
        let (type, q, absMax) = try QuantizeWeights.symmetricPerChannel(values, shape: shape, axis: axis)
        guard absMax.allSatisfy(\.isFinite) else { return }  // a weight with inf/NaN stays f32
        rewriter.setInsertionPoint(before: op)
        let base = weight.nameHint ?? "w"
        let wq = try rewriter.constant(Data(q.bytes()), type: TensorType(.quantized(type), shape), name: base + "_q8", location: weight.definingOp?.location)
        let wdq = try rewriter.create(Ops.dequantize, [wq], location: op.location)
        wdq.result.nameHint = base + "_dq"
        let xq = try rewriter.create(Ops.dynamicQuantize, [x], location: op.location)
        xq.result.nameHint = (x.nameHint ?? "x") + "_dyn"
        rewriter.setOperand(1, of: op, to: wdq.result)
        rewriter.setOperand(0, of: op, to: xq.result)
        if let d = weight.definingOp, !weight.hasUses { rewriter.erase(d) }
    }
}
