import EdgeIR

extension ATenTable {
    /// Lookups, slices and splits.
    static let indexing: [String: ATenLowering] = [
        "aten.embedding.default": .one("`edge.embedding` (padding_idx only matters for training)") { c throws(OpError) in
            try c.emit(Ops.embedding, [try c.tensor("weight"), try c.tensor("indices")], output: 0)
        },
        "aten.gather.default": .one("`edge.gather` (`sparse_grad` ignored)") { c throws(OpError) in
            try c.emit(Ops.gather, [try c.tensor("self"), try c.tensor("index")], ["dim": .int(Int64(try c.int("dim")))], output: 0)
        },
        "aten.index_select.default": .one("`edge.index_select`") { c throws(OpError) in
            try c.emit(Ops.indexSelect, [try c.tensor("self"), try c.tensor("index")], ["dim": .int(Int64(try c.int("dim")))], output: 0)
        },
        "aten.flip.default": .one("`edge.index_select` with the reversed positions, per flipped dim (static sizes)") { c throws(OpError) in
            var x = try c.tensor("self")
            for raw in try c.ints("dims") {
                let dim = try ShapeRules.axis(raw, rank: x.type.rank, what: "dim")
                guard let n = x.type.shape[dim].value else {
                    throw OpError("flip needs a static size along dim \(dim), got \(TypeText.type(x.type)); fix the dynamic dims at import (--input-shape or --static)")
                }
                let reversed = try c.constant((0..<n).reversed().map(Double.init), type: TensorType(.i64, [n]))
                x = try c.emit(Ops.indexSelect, [x, reversed], ["dim": .int(Int64(dim))])
            }
            return x
        },
        "aten.slice.Tensor": .one("`edge.slice` (identity for a full slice)") { c throws(OpError) in
            let x = try c.tensor("self")
            let dim = try ShapeRules.axis(try c.int("dim", default: 0), rank: x.type.rank, what: "dim")
            let size = x.type.shape[dim]
            func bound(_ name: String, _ d: Int64) throws(OpError) -> Int64 {
                guard let b = try c.symbolicInt(name) else { return d }
                if case .known(let v) = b { return Int64(v) }
                if b == size && b != .unknown { return Int64.max }  // up to the (symbolic) end
                throw OpError("slice bound '\(name)' is the symbolic value \(ShapeRules.describe(b)); fix the dynamic dims at import (--input-shape or --static)")
            }
            let start = try bound("start", 0), end = try bound("end", Int64.max), step = try c.int("step", default: 1)
            if start == 0, step == 1, end == Int64.max || size.value.map({ end >= Int64($0) }) == true { return x }
            return try c.emit(Ops.slice, [x], ["dim": .int(Int64(dim)), "start": .int(start), "end": .int(end), "step": .int(Int64(step))], output: 0)
        },
        "aten.select.int": .one("`edge.slice` of one index + `edge.squeeze`") { c throws(OpError) in
            let x = try c.tensor("self")
            let dim = try ShapeRules.axis(try c.int("dim"), rank: x.type.rank, what: "dim")
            var index = try c.int("index")
            if index < 0 {
                guard let n = x.type.shape[dim].value else { throw OpError("select with a negative index needs a static size in dim \(dim)") }
                index += n
            }
            let one = try c.emit(Ops.slice, [x], ["dim": .int(Int64(dim)), "start": .int(Int64(index)), "end": .int(Int64(index + 1))])
            return try c.emit(Ops.squeeze, [one], ["dims": .ints([Int64(dim)])], output: 0)
        },
        "aten.split.Tensor": ATenLowering("`edge.split` into pieces of `split_size` (static dim)") { c throws(OpError) in
            let x = try c.tensor("self")
            let dim = try ShapeRules.axis(try c.int("dim", default: 0), rank: x.type.rank, what: "dim")
            guard let n = x.type.shape[dim].value else { throw OpError("split along the dynamic dim \(dim) is not supported") }
            let piece = try c.int("split_size")
            guard piece > 0 else { throw OpError("split_size must be positive, got \(piece)") }
            var sizes: [Int] = []
            var left = n
            while left > 0 { sizes.append(min(piece, left)); left -= piece }
            if sizes.isEmpty { sizes = [0] }
            return try c.emitResults(Ops.split, [x], ["dim": .int(Int64(dim)), "sizes": ints(sizes)]).map { Optional($0) }
        },
        "aten.split_with_sizes.default": ATenLowering("`edge.split`") { c throws(OpError) in
            let x = try c.tensor("self")
            let dim = try ShapeRules.axis(try c.int("dim", default: 0), rank: x.type.rank, what: "dim")
            return try c.emitResults(Ops.split, [x], ["dim": .int(Int64(dim)), "sizes": ints(try c.ints("split_sizes"))]).map { Optional($0) }
        },
    ]
}
