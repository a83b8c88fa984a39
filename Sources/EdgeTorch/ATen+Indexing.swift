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
        "aten.index.Tensor": .one("integer-array indexing: the indexed dims flattened into one, `edge.index_select` of the flat index (negative indices wrapped), reshaped to the broadcast index shape (static shapes; boolean masks are not supported)") { c throws(OpError) in
            try advancedIndex(&c)
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

extension ATenTable {
    /// `x[i0, i1, ...]` with integer index tensors (`aten::index.Tensor`, what `mask[batch, kv]`
    /// and `x[:, idx]` export to). The indices broadcast together to a shape B; when the indexed
    /// dims are adjacent B takes their place, otherwise B comes first (PyTorch's rule). Lowered as
    /// one lookup: the indexed dims are flattened into one dim of size P = ∏ sizes, the indices
    /// combine into a row-major flat index (each wrapped when negative), and `edge.index_select`
    /// picks along the flattened dim; a reshape then restores B.
    static func advancedIndex(_ c: inout ATenCall) throws(OpError) -> Value {
        var x = try c.tensor("self")
        let names: [String?]
        switch c.argument("indices") {
        case .optionalTensors(let ns)?: names = ns
        case .tensors(let ns)?: names = ns          // torch writes a list without None this way
        default: throw OpError("argument 'indices' must be a list of optional tensors")
        }
        let rank = x.type.rank
        guard names.count <= rank else { throw OpError("\(names.count) indices for a tensor of rank \(rank)") }
        var indexed: [(dim: Int, value: Value)] = []
        for (d, n) in names.enumerated() {
            guard let n else { continue }
            let v = try c.value(n)
            switch v.type.element {
            case .bool, .u8:
                throw OpError("indexing with a boolean mask (index \(d), \(TypeText.type(v.type))) has a data-dependent result shape; edgec supports integer index tensors")
            case .i64, .i32: indexed.append((d, v))
            default: throw OpError("index \(d) must be an integer tensor, got \(TypeText.type(v.type))")
            }
        }
        guard !indexed.isEmpty else { return x }
        guard var shape = x.type.staticShape else {
            throw OpError("indexing \(TypeText.type(x.type)) needs a static shape; fix the dynamic dims at import (--input-shape or --static)")
        }
        let dims = indexed.map(\.dim)
        var start = dims[0]
        if dims.last! - dims[0] + 1 != dims.count {       // not adjacent: the indexed dims go first
            let perm = dims + (0 ..< rank).filter { !dims.contains($0) }
            x = try c.emit(Ops.permute, [x], ["dims": ints(perm)])
            shape = perm.map { shape[$0] }
            start = 0
        }
        let indexedSizes = (0 ..< dims.count).map { shape[start + $0] }
        var flat: Value?
        var stride = 1
        for (i, entry) in indexed.enumerated().reversed() {
            var v = entry.value
            if v.type.element != .i64 { v = try c.emit(Ops.cast, [v], ["dtype": .string(ScalarType.i64.rawValue)]) }
            let size = indexedSizes[i]
            let negative = try c.emit(Ops.lt, [v, try c.scalar(0, .i64)])
            v = try c.emit(Ops.where, [negative, try c.emit(Ops.add, [v, try c.scalar(Double(size), .i64)]), v])
            if stride != 1 { v = try c.emit(Ops.mul, [v, try c.scalar(Double(stride), .i64)]) }
            flat = try flat.map { f throws(OpError) in try c.emit(Ops.add, [v, f]) } ?? v
            stride *= size
        }
        guard let flat, let broadcast = flat.type.staticShape else {
            throw OpError("the index tensors need static shapes; fix the dynamic dims at import (--input-shape or --static)")
        }
        let before = Array(shape[..<start]), after = Array(shape[(start + dims.count)...])
        let folded = try c.emit(Ops.reshape, [x], ["shape": ints(before + [stride] + after)])
        let line = try c.emit(Ops.reshape, [flat], ["shape": ints([broadcast.reduce(1, *)])])
        let picked = try c.emit(Ops.indexSelect, [folded, line], ["dim": .int(Int64(start))])
        return try c.emit(Ops.reshape, [picked], ["shape": ints(before + broadcast + after)], output: 0)
    }
}
