import EdgeIR
import EdgeKernels

/// Folding a per-output-channel affine map `y * scale + shift` into the constant weights and
/// bias of the conv2d, conv_transpose2d or linear that produces `y` (used by fold-batchnorm
/// and fuse-linear).
enum ChannelAffine {
    /// The axis and size of the output channels of a foldable producer: a conv2d,
    /// conv_transpose2d or linear of a float type whose weight is a constant and whose bias is
    /// a constant or absent.
    static func channels(of producer: EdgeIR.Operation) -> (axis: Int, count: Int)? {
        guard producer.is(Ops.conv2d) || producer.is(Ops.convTranspose2d) || producer.is(Ops.linear) else { return nil }
        guard producer.result.type.element.storage.isFloat, producer.result.type.element.storage != .f16,
              producer.result.type.element.storage != .bf16,
              let w = producer.operand(1), Constants.tensor(w) != nil else { return nil }
        if let b = producer.operand(2), Constants.tensor(b) == nil { return nil }
        let type = producer.result.type
        let axis = producer.is(Ops.linear) ? type.rank - 1 : 1
        guard let count = type.shape[axis].value else { return nil }
        return (axis, count)
    }

    /// The per-channel values of constant `c` when, broadcast against `type`, it varies at
    /// most along `axis` and does not enlarge the result (`[C]`, `[C,1,1]`, `[1,C,1,1]`, a scalar).
    static func perChannel(_ c: Value, against type: TensorType, axis: Int, count: Int) -> [Double]? {
        guard let t = Constants.tensor(c), let shape = c.type.staticShape, shape.count <= type.rank else { return nil }
        let aligned = [Int](repeating: 1, count: type.rank - shape.count) + shape
        for (i, d) in aligned.enumerated() where d != 1 && !(i == axis && d == count) { return nil }
        let values = t.doubles()
        return aligned[axis] == count ? values : [Double](repeating: values[0], count: count)
    }

    /// Replaces `consumer` (which reads `producer`'s only use) with a copy of `producer` whose
    /// weight rows are multiplied by `scale[c]` and whose bias becomes `bias * scale + shift`.
    static func fold(_ producer: EdgeIR.Operation, into consumer: EdgeIR.Operation, scale: [Double]?, shift: [Double]?,
                     rewriter: Rewriter) throws {
        let w = producer.operand(1)!
        let wt = Constants.tensor(w)!
        guard let (_, count) = channels(of: producer), let wShape = wt.shape.isEmpty ? nil : wt.shape else { return }
        let element = w.type.element.storage
        var weights = wt.doubles()
        if let scale {
            let per = weights.count / max(wShape[0], 1)
            if producer.is(Ops.convTranspose2d) {
                // Weight [Cin, OC/groups, KH, KW]: output channel g*(OC/groups) + j.
                let groups = Int(producer.attribute("groups")?.intValue ?? 1)
                let ocPerGroup = wShape[1], inPerGroup = wShape[0] / groups, spatial = wShape[2] * wShape[3]
                for i in weights.indices {
                    let ci = i / (ocPerGroup * spatial), j = (i / spatial) % ocPerGroup
                    weights[i] *= scale[(ci / inPerGroup) * ocPerGroup + j]
                }
            } else {
                // Weight [OC, ...] (conv2d) or [out, in] (linear): output channel = row.
                for i in weights.indices { weights[i] *= scale[i / per] }
            }
        }
        var bias = producer.operand(2).flatMap(Constants.tensor)?.doubles() ?? [Double](repeating: 0, count: count)
        for c in 0 ..< count {
            bias[c] = bias[c] * (scale?[c] ?? 1) + (shift?[c] ?? 0)
        }
        rewriter.setInsertionPoint(before: producer)
        func folded(_ s: String) -> String { s.hasSuffix("_folded") ? s : s + "_folded" }
        let name = w.nameHint ?? "weight"
        let newW = scale == nil ? w : try Constants.make(weights, element: element, shape: wShape, name: folded(name), rewriter: rewriter)
        let newB = try Constants.make(bias, element: element, shape: [count], name: folded(producer.operand(2)?.nameHint ?? name + "_bias"),
                                      rewriter: rewriter)
        let op = try rewriter.create(producer.definition, [producer.operand(0)!, newW, newB], attributes: producer.attributes,
                                     location: .merged([producer.location, consumer.location]))
        op.result.nameHint = consumer.result.nameHint
        rewriter.replaceAndClean(consumer, with: op.result)
    }
}
