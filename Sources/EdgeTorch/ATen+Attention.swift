import EdgeIR

extension ATenTable {
    /// Attention, decomposed into Edge IR ops.
    static let attention: [String: ATenLowering] = [
        "aten.scaled_dot_product_attention.default": .one("softmax(q·kᵀ·scale + mask)·v as `edge.matmul`, `edge.mul`, `edge.add`/`edge.where`, `edge.softmax`") { c throws(OpError) in
            try scaledDotProductAttention(&c)
        },
    ]

    /// `aten::scaled_dot_product_attention` (inference: dropout_p must be 0).
    static func scaledDotProductAttention(_ c: inout ATenCall) throws(OpError) -> Value {
        let q = try c.tensor("query"), k = try c.tensor("key"), v = try c.tensor("value")
        guard try c.float("dropout_p", default: 0) == 0 else { throw OpError("attention dropout is a training op; export with dropout_p=0 (model.eval())") }
        guard try !c.bool("enable_gqa", default: false) else { throw OpError("grouped-query attention (enable_gqa=True) is not supported") }
        let r = q.type.rank
        guard r >= 2, k.type.rank == r else { throw OpError("query and key must have the same rank (2 or more), got \(TypeText.type(q.type)) and \(TypeText.type(k.type))") }
        let element = q.type.element.storage
        let scale: Double
        if let s = try c.optionalFloat("scale") {
            scale = s
        } else {
            guard let e = q.type.shape[r - 1].value, e > 0 else { throw OpError("the query's last dim must be static to compute the default scale") }
            scale = 1 / Double(e).squareRoot()
        }
        var swap = Array(0..<r)
        swap.swapAt(r - 1, r - 2)
        let kT = try c.emit(Ops.permute, [k], ["dims": ints(swap)])
        var scores = try c.emit(Ops.matmul, [q, kT])
        scores = try c.emit(Ops.mul, [scores, try c.scalar(scale, element)])
        if let mask = try c.optionalTensor("attn_mask") {
            if mask.type.element == .bool {
                scores = try c.emit(Ops.where, [mask, scores, try c.scalar(-.infinity, element)])
            } else {
                scores = try c.emit(Ops.add, [scores, mask])
            }
        }
        if try c.bool("is_causal", default: false) {
            guard let l = scores.type.shape[r - 2].value, let s = scores.type.shape[r - 1].value else {
                throw OpError("causal attention needs static sequence lengths; fix the dynamic dims at import (--input-shape or --static)")
            }
            var bias: [Double] = []
            bias.reserveCapacity(l * s)
            for i in 0..<l { for j in 0..<s { bias.append(j <= i ? 0 : -.infinity) } }
            scores = try c.emit(Ops.add, [scores, try c.constant(bias, type: TensorType(.scalar(element), [l, s]))])
        }
        let weights = try c.emit(Ops.softmax, [scores], ["axis": .int(-1)])
        return try c.emit(Ops.matmul, [weights, v], output: 0)
    }
}
