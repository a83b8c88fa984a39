import EdgeIR

extension ATenTable {
    /// Views and data movement: reshape, permute, concatenation, (un)squeeze, expand.
    static let layout: [String: ATenLowering] = {
        var t: [String: ATenLowering] = [:]
        for name in ["aten.view.default", "aten.reshape.default", "aten._unsafe_view.default", "aten.view_copy.default"] {
            t[name] = .one("`edge.reshape`") { c throws(OpError) in
                try reshape(&c, try c.tensor("self"), to: try c.dims(name == "aten.reshape.default" ? "shape" : "size"))
            }
        }
        for name in ["aten.permute.default", "aten.permute_copy.default"] {
            t[name] = .one("`edge.permute`") { c throws(OpError) in
                try c.emit(Ops.permute, [try c.tensor("self")], ["dims": ints(try c.ints("dims"))], output: 0)
            }
        }
        t["aten.transpose.int"] = .one("`edge.permute` swapping two dims") { c throws(OpError) in
            let x = try c.tensor("self")
            let r = x.type.rank
            if r < 2 { return x }
            let a = try ShapeRules.axis(try c.int("dim0"), rank: r, what: "dim0"), b = try ShapeRules.axis(try c.int("dim1"), rank: r, what: "dim1")
            var dims = Array(0..<r)
            dims.swapAt(a, b)
            return try c.emit(Ops.permute, [x], ["dims": ints(dims)], output: 0)
        }
        t["aten.t.default"] = .one("`edge.permute` [1, 0] (identity below rank 2)") { c throws(OpError) in
            let x = try c.tensor("self")
            return x.type.rank < 2 ? x : try c.emit(Ops.permute, [x], ["dims": .ints([1, 0])], output: 0)
        }
        t["aten.flatten.using_ints"] = .one("`edge.flatten`") { c throws(OpError) in
            try c.emit(Ops.flatten, [try c.tensor("self")], ["start_dim": .int(Int64(try c.int("start_dim", default: 0))), "end_dim": .int(Int64(try c.int("end_dim", default: -1)))], output: 0)
        }
        t["aten.cat.default"] = .one("`edge.concat`") { c throws(OpError) in
            let xs = try c.tensors("tensors")
            if xs.count == 1 { return xs[0] }
            return try c.emit(Ops.concat, xs, ["axis": .int(Int64(try c.int("dim", default: 0)))], output: 0)
        }
        t["aten.unsqueeze.default"] = .one("`edge.unsqueeze`") { c throws(OpError) in
            try c.emit(Ops.unsqueeze, [try c.tensor("self")], ["dim": .int(Int64(try c.int("dim")))], output: 0)
        }
        t["aten.squeeze.dim"] = .one("`edge.squeeze` (identity when the dim is not 1)") { c throws(OpError) in
            try squeeze(&c, dims: [try c.int("dim")])
        }
        t["aten.squeeze.dims"] = .one("`edge.squeeze` of the listed size-1 dims") { c throws(OpError) in
            try squeeze(&c, dims: try c.ints("dim"))
        }
        t["aten.squeeze.default"] = .one("`edge.squeeze` of every size-1 dim") { c throws(OpError) in
            try squeeze(&c, dims: Array(0..<(try c.tensor("self")).type.rank))
        }
        for name in ["aten.expand.default", "aten.expand_copy.default"] {
            t[name] = .one("`edge.expand` (symbolic sizes must keep the input's dim)") { c throws(OpError) in
                let x = try c.tensor("self")
                let dims = try c.dims("size")
                let lead = dims.count - x.type.rank
                var shape: [Int64] = []
                for (i, d) in dims.enumerated() {
                    switch d {
                    case .known(let v): shape.append(Int64(v))
                    case .symbolic:
                        guard i >= lead, x.type.shape[i - lead] == d else {
                            throw OpError("expand to the symbolic size \(ShapeRules.describe(d)) in dim \(i) is not supported; fix the input shapes (--input-shape or --static)")
                        }
                        shape.append(-1)
                    }
                }
                return try c.emit(Ops.expand, [x], ["shape": .ints(shape)], output: 0)
            }
        }
        return t
    }()

    /// Squeezes those of `dims` that have size 1 (ATen leaves other dims alone).
    static func squeeze(_ c: inout ATenCall, dims: [Int]) throws(OpError) -> Value {
        let x = try c.tensor("self")
        var drop: [Int64] = []
        for d in dims {
            let a = try ShapeRules.axis(d, rank: x.type.rank, what: "dim")
            if x.type.shape[a] == .known(1), !drop.contains(Int64(a)) { drop.append(Int64(a)) }
        }
        if drop.isEmpty { return x }
        return try c.emit(Ops.squeeze, [x], ["dims": .ints(drop)], output: 0)
    }

    /// `edge.reshape` to `dims`; one symbolic dim becomes -1 (inferred), more are rejected.
    static func reshape(_ c: inout ATenCall, _ x: Value, to target: [Dim]) throws(OpError) -> Value {
        var dims = target
        // `reshape(x, [x.size(0), -1])`: the symbols cancel, so the -1 is the known sizes' quotient.
        let symbolsIn = x.type.shape.filter { $0.value == nil }, symbolsOut = dims.filter { $0.value == nil }
        if let hole = dims.firstIndex(of: .known(-1)), !symbolsOut.isEmpty, !symbolsIn.contains(.unknown),
           symbolsIn.map(ShapeRules.describe).sorted() == symbolsOut.map(ShapeRules.describe).sorted(),
           let knownIn = checkedProduct(x.type.shape.compactMap(\.value)),
           let knownOut = checkedProduct(dims.compactMap(\.value).filter { $0 != -1 }), knownOut != 0, knownIn % knownOut == 0 {
            dims[hole] = .known(knownIn / knownOut)
        }
        var shape: [Int64] = []
        var holes = 0
        for d in dims {
            switch d {
            case .known(let v):
                shape.append(Int64(v))
                if v == -1 { holes += 1 }
            case .symbolic:
                shape.append(-1)
                holes += 1
            }
        }
        guard holes <= 1 else {
            throw OpError("reshape to \(ShapeRules.describe(dims)) has \(holes) dynamic sizes; Edge IR's reshape infers at most one. Fix the dynamic dims at import (--input-shape or --static)")
        }
        return try c.emit(Ops.reshape, [x], ["shape": .ints(shape)], output: 0)
    }
}
