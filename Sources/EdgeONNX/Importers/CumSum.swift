import EdgeIR

extension ONNXOps {
    /// CumSum (ONNX 11, 14): a running sum along `axis` (a rank-0 or one-element input), with the
    /// `exclusive` and `reverse` attributes, expressed as a masked sum (``CumulativeSum``). Known
    /// inputs fold at import; Hugging Face's RoBERTa-family exports use it for position ids
    /// (`cumsum(input_ids != pad) * mask + pad`).
    static let cumulative: [OpImporter] = [
        OpImporter("CumSum", [11, 14]) { ctx in
            let c = try cumulativeOperands(ctx, "sum", mask: nil)
            let spread = try ctx.apply1(Ops.unsqueeze, [c.x], ["dim": .int(Int64(c.dim))])
            let products = try ctx.apply1(Ops.mul, [spread, c.mask])
            return [try ctx.apply1(Ops.sum, [products], ["axes": .ints([Int64(c.dim + 1)]), "keepdim": .bool(false)])]
        },
    ]

    /// What CumSum and CumProd share: the operand, the dim they run along (input 1, one value),
    /// its element type, and the 0/1 matrix M (``CumulativeSum/mask(length:exclusive:reverse:)``
    /// after the `exclusive` / `reverse` attributes) as a constant of element type `mask`, or of
    /// the operand's own type when nil. `verb` names the operation in messages ("sum", "multiply").
    static func cumulativeOperands(_ ctx: NodeContext, _ verb: String, mask maskElement: ScalarType?) throws
        -> (x: Imported, dim: Int, element: ScalarType, mask: Imported)
    {
        let op = ctx.node.opType
        let x = try ctx.input(0)
        let rank = x.type.rank
        guard ctx.has(1) else { throw ImportError("\(op) needs its axis input") }
        let axes = try ctx.ints(1, "axis")
        guard axes.count == 1 else { throw ImportError("\(op)'s axis must hold one value, got \(axes)") }
        guard rank > 0 else { throw ImportError("\(op) of a rank-0 tensor has no axis to \(verb) along") }
        let d = try axis(axes[0], rank: rank)
        guard let n = x.type.shape[d].value else {
            throw ImportError("\(op) along axis \(d) of \(TypeText.type(x.type)) needs the axis's static size\(ctx.shapeFix(x.type))")
        }
        guard n <= CumulativeSum.maxLength else {
            throw ImportError("\(op) along an axis of \(n) elements is too large to lower as an [N, N] product (at most \(CumulativeSum.maxLength))")
        }
        guard case .scalar(let element) = x.type.element, element != .bool else {
            throw ImportError("\(op) of \(TypeText.type(x.type)) is not supported (numeric tensors only)")
        }
        let m = CumulativeSum.mask(length: n, exclusive: try ctx.int("exclusive", 0) != 0, reverse: try ctx.int("reverse", 0) != 0)
        let mask = Imported.constant(try ctx.constantTensor(m, maskElement ?? element, shape: CumulativeSum.maskShape(length: n, dim: d, rank: rank)))
        return (x, d, element, mask)
    }
}
