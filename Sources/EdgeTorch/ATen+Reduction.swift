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
        return t
    }()
}
