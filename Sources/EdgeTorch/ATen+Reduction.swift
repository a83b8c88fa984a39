import EdgeIR

extension ATenTable {
    /// Reductions over dims.
    static let reductions: [String: ATenLowering] = {
        var t: [String: ATenLowering] = [:]
        for (name, def, dimArg) in [("mean.dim", Ops.mean, "dim"), ("sum.dim_IntList", Ops.sum, "dim"), ("amax.default", Ops.amax, "dim")] {
            t["aten.\(name)"] = .one("`\(def.name)` over `\(dimArg)`") { c throws(OpError) in
                if case .scalarType? = c.argument("dtype") { throw OpError("a reduction with a dtype conversion is not supported") }
                let axes = try c.ints(dimArg, default: [])
                return try c.emit(def, [try c.tensor("self")], ["axes": ints(axes), "keepdim": .bool(try c.bool("keepdim", default: false))], output: 0)
            }
        }
        for (name, def) in [("mean.default", Ops.mean), ("sum.default", Ops.sum)] {
            t["aten.\(name)"] = .one("`\(def.name)` over every dim") { c throws(OpError) in
                if case .scalarType? = c.argument("dtype") { throw OpError("a reduction with a dtype conversion is not supported") }
                return try c.emit(def, [try c.tensor("self")], output: 0)
            }
        }
        // any(x) = max(x != 0) > 0: bool masks (SDPA's fully-masked-row check) reduce as f32.
        for (name, dimArg) in [("any.dim", "dim"), ("any.dims", "dim"), ("any.default", nil)] as [(String, String?)] {
            t["aten.\(name)"] = .one("`edge.amax` \(dimArg == nil ? "over every dim" : "over `dim`") of (x ≠ 0) as f32, then `edge.gt` 0") { c throws(OpError) in
                var x = try c.tensor("self")
                if x.type.element != .bool { x = try c.emit(Ops.logicalNot, [try c.emit(Ops.eq, [x, try c.scalar(0, x.type.element.storage)])]) }
                x = try c.emit(Ops.cast, [x], ["dtype": .string(ScalarType.f32.rawValue)])
                let axes = dimArg == nil ? [] : try c.ints(dimArg!, default: [])
                let m = try c.emit(Ops.amax, [x], ["axes": ints(axes), "keepdim": .bool(try c.bool("keepdim", default: false))])
                return try c.emit(Ops.gt, [m, try c.scalar(0, .f32)], output: 0)
            }
        }
        t["aten.cumsum.default"] = .one("running sum along `dim` (static size N) as `edge.sum` over a masked [N, N] product: y[i] = Σⱼ x[j]·[j ≤ i] (O(N²); N ≤ 4096, `CumulativeSum`)") { c throws(OpError) in
            let x = try c.tensor("self")
            let to = try outputElement(c, default: x.type.element.storage.isFloat ? x.type.element.storage : .i64)
            return try cumulativeSum(&c, x, dim: try c.int("dim"), element: to, exclusive: false, reverse: false)
        }
        return t
    }()

    /// A cumulative sum along `dim` without a scan kernel (``CumulativeSum``).
    static func cumulativeSum(_ c: inout ATenCall, _ x: Value, dim: Int, element: ScalarType, exclusive: Bool, reverse: Bool) throws(OpError) -> Value {
        let rank = x.type.rank
        guard rank > 0 else { return try c.emit(Ops.cast, [x], ["dtype": .string(element.rawValue)], output: 0) }
        let d = try ShapeRules.axis(dim, rank: rank, what: "dim")
        guard let n = x.type.shape[d].value else {
            throw OpError("a cumulative sum along the dynamic dim \(d) of \(TypeText.type(x.type)) needs a static size; fix it at import (--input-shape or --static)")
        }
        guard n <= CumulativeSum.maxLength else {
            throw OpError("a cumulative sum along a dim of \(n) elements is too large to lower as an [N, N] product (at most \(CumulativeSum.maxLength))")
        }
        var v = x
        if v.type.element.storage != element { v = try c.emit(Ops.cast, [v], ["dtype": .string(element.rawValue)]) }
        let m = try c.constant(CumulativeSum.mask(length: n, exclusive: exclusive, reverse: reverse),
                               type: TensorType(.scalar(element), CumulativeSum.maskShape(length: n, dim: d, rank: rank)))
        let spread = try c.emit(Ops.unsqueeze, [v], ["dim": .int(Int64(d))])
        let products = try c.emit(Ops.mul, [spread, m])
        return try c.emit(Ops.sum, [products], ["axes": .ints([Int64(d + 1)]), "keepdim": .bool(false)], output: 0)
    }
}
