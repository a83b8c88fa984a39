import EdgeIR

extension ONNXOps {
    /// CumSum (ONNX 11, 14): a running sum along `axis` (a rank-0 or one-element input), with the
    /// `exclusive` and `reverse` attributes, expressed as a masked sum (``CumulativeSum``). Known
    /// inputs fold at import; Hugging Face's RoBERTa-family exports use it for position ids
    /// (`cumsum(input_ids != pad) * mask + pad`).
    static let cumulative: [OpImporter] = [
        OpImporter("CumSum", [11, 14]) { ctx in
            let x = try ctx.input(0)
            let rank = x.type.rank
            guard ctx.has(1) else { throw ImportError("CumSum needs its axis input") }
            let axes = try ctx.ints(1, "axis")
            guard axes.count == 1 else { throw ImportError("CumSum's axis must hold one value, got \(axes)") }
            guard rank > 0 else { throw ImportError("CumSum of a rank-0 tensor has no axis to sum along") }
            let d = try axis(axes[0], rank: rank)
            guard let n = x.type.shape[d].value else {
                throw ImportError("CumSum along axis \(d) of \(TypeText.type(x.type)) needs the axis's static size\(ctx.shapeFix(x.type))")
            }
            guard n <= CumulativeSum.maxLength else {
                throw ImportError("CumSum along an axis of \(n) elements is too large to lower as an [N, N] product (at most \(CumulativeSum.maxLength))")
            }
            guard case .scalar(let element) = x.type.element, element != .bool else {
                throw ImportError("CumSum of \(TypeText.type(x.type)) is not supported (numeric tensors only)")
            }
            let mask = CumulativeSum.mask(length: n, exclusive: try ctx.int("exclusive", 0) != 0, reverse: try ctx.int("reverse", 0) != 0)
            let m = Imported.constant(try ctx.constantTensor(mask, element, shape: CumulativeSum.maskShape(length: n, dim: d, rank: rank)))
            let spread = try ctx.apply1(Ops.unsqueeze, [x], ["dim": .int(Int64(d))])
            let products = try ctx.apply1(Ops.mul, [spread, m])
            return [try ctx.apply1(Ops.sum, [products], ["axes": .ints([Int64(d + 1)]), "keepdim": .bool(false)])]
        },
    ]
}
