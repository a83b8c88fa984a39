import EdgeIR
import EdgeKernels

/// `fuse-linear`: folds constant bias adds and scales into the op that produces their input.
///
/// - `matmul(x, W) + b` with a constant 2-D `W` ([in, out]) and a constant `b` that broadcasts
///   only over the last dim becomes `linear(x, Wᵀ, b)` (one addmm kernel instead of two);
/// - `y + c`, `y - c` and `y * c` where `y` is a conv2d, conv_transpose2d or linear with
///   constant weights and `c` is a constant per output channel (or a scalar) are folded into
///   the bias (and, for `*`, the weights).
///
/// Only when the producer has no other user and the result keeps the producer's type.
public enum FuseLinear {
    public static let pass = Pass.perFunction(
        name: "fuse-linear",
        summary: "Fuse matmul + bias into linear; fold constant per-channel add/sub/mul into conv and linear parameters"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil {
            let isAdd = op.is(Ops.add), isSub = op.is(Ops.sub), isMul = op.is(Ops.mul)
            guard isAdd || isSub || isMul else { continue }
            for (yi, ci) in isSub ? [(0, 1)] : [(0, 1), (1, 0)] {
                guard let y = op.operand(yi), let c = op.operand(ci), Constants.isConstant(c), y.soleUser === op,
                      op.result.type == y.type, let producer = y.definingOp else { continue }
                if isAdd, producer.is(Ops.matmul), try matmulWithBias(producer, bias: c, add: op, rewriter) { break }
                guard let (axis, count) = ChannelAffine.channels(of: producer),
                      let v = ChannelAffine.perChannel(c, against: y.type, axis: axis, count: count) else { continue }
                if isMul {
                    try ChannelAffine.fold(producer, into: op, scale: v, shift: nil, rewriter: rewriter)
                } else {
                    try ChannelAffine.fold(producer, into: op, scale: nil, shift: isSub ? v.map { -$0 } : v, rewriter: rewriter)
                }
                break
            }
        }
    }

    /// Rewrites `add(matmul(x, W), b)` into `linear(x, Wᵀ, b)`; false when the pattern does not apply.
    static func matmulWithBias(_ mm: EdgeIR.Operation, bias: Value, add: EdgeIR.Operation, _ rewriter: Rewriter) throws -> Bool {
        guard let x = mm.operand(0), let w = mm.operand(1), w.type.rank == 2, x.type.rank >= 1,
              w.type.element.storage == .f32 || w.type.element.storage == .f64,
              let wt = Constants.tensor(w), let outF = w.type.shape[1].value,
              let b = ChannelAffine.perChannel(bias, against: mm.result.type, axis: mm.result.type.rank - 1, count: outF)
        else { return false }
        let transposed = try Permute.run(wt, permutation: [1, 0])
        rewriter.setInsertionPoint(before: mm)
        let element = w.type.element.storage
        let newW = try Constants.make(transposed, type: TensorType(w.type.element, [outF, wt.shape[0]]),
                                      name: (w.nameHint ?? "weight") + "_t", rewriter: rewriter)
        let newB = try Constants.make(b, element: element, shape: [outF], name: bias.nameHint ?? "bias", rewriter: rewriter)
        let linear = try rewriter.create(Ops.linear, [x, newW, newB], location: .merged([mm.location, add.location]))
        linear.result.nameHint = add.result.nameHint
        rewriter.replaceAndClean(add, with: linear.result)
        return true
    }
}
