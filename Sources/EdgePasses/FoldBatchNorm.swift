import EdgeIR

/// `fold-batchnorm`: folds an inference `batch_norm` into the conv2d, conv_transpose2d or
/// linear that feeds it: with `a = scale / sqrt(var + eps)`, the weights' output-channel rows
/// are multiplied by `a` and the bias becomes `(bias - mean) * a + shift`.
///
/// Only when the producer's weight and bias and all batch-norm parameters are constants, the
/// producer's result has no other user, and (for linear) the channel dim of the batch norm
/// (dim 1) is the linear's output dim.
public enum FoldBatchNorm {
    public static let pass = Pass.perFunction(
        name: "fold-batchnorm",
        summary: "Fold batch_norm into the weights and bias of the preceding conv2d, conv_transpose2d or linear"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil && op.is(Ops.batchNorm) {
            guard let x = op.operand(0), let producer = x.definingOp, x.soleUser === op,
                  let (axis, count) = ChannelAffine.channels(of: producer), axis == 1 else { continue }
            let params = (1 ... 4).map { op.operand($0).flatMap(Constants.tensor)?.doubles() }
            guard let scale = params[0], let shift = params[1], let mean = params[2], let variance = params[3],
                  [scale, shift, mean, variance].allSatisfy({ $0.count == count }) else { continue }
            let eps = op.attribute("epsilon")?.floatValue ?? 1e-5
            let a = (0 ..< count).map { scale[$0] / (variance[$0] + eps).squareRoot() }
            let b = (0 ..< count).map { shift[$0] - mean[$0] * a[$0] }
            try ChannelAffine.fold(producer, into: op, scale: a, shift: b, rewriter: rewriter)
        }
    }
}
