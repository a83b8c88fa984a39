import EdgeKernels

extension Ops {
    public static let reshape = OpDefinition(
        "edge.reshape",
        summary: "The same elements in a new shape; one entry of `shape` may be -1 (inferred).",
        reference: "aten::view_copy / aten::reshape",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("shape", .ints, .required, "the new shape")],
        evaluate: evaluateAsReshape
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let shape = ctx.ints("shape")!
        guard shape.filter({ $0 == -1 }).count <= 1 else { throw OpError("shape \(shape) has more than one -1") }
        guard shape.allSatisfy({ $0 >= -1 }) else { throw OpError("shape \(shape) has a negative size") }
        let known = shape.filter { $0 != -1 }
        guard let knownCount = checkedProduct(known) else { throw OpError("shape \(shape) overflows") }
        guard let total = x.elementCount else {
            if shape.contains(-1) {
                // One named symbol times known sizes whose product the other entries keep: the
                // inferred entry is that symbol (a bounded batch through a head split and back).
                let symbols = x.shape.filter { $0.value == nil }
                let knownIn = checkedProduct(x.shape.compactMap(\.value))
                let hole: Dim = symbols.count == 1 && symbols[0] != .unknown && knownIn == knownCount ? symbols[0] : .unknown
                return [TensorType(x.element, shape.map { $0 == -1 ? hole : .known($0) })]
            }
            return [TensorType(x.element, shape)]
        }
        if let hole = shape.firstIndex(of: -1) {
            guard knownCount != 0, total % knownCount == 0 else {
                throw OpError("cannot reshape \(total) elements into \(shape)")
            }
            var out = shape
            out[hole] = total / knownCount
            return [TensorType(x.element, out)]
        }
        guard knownCount == total else {
            throw OpError("cannot reshape \(TypeText.type(x)) (\(total) elements) into \(shape) (\(knownCount) elements)")
        }
        return [TensorType(x.element, shape)]
    }

    public static let permute = OpDefinition(
        "edge.permute",
        summary: "Reorders dimensions: result dim i is input dim dims[i].",
        reference: "aten::permute_copy",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dims", .ints, .required, "a permutation of 0..<rank")],
        evaluate: { v, ctx in [try Permute.run(v.first, permutation: try ctx.required(ctx.ints("dims"), "dims"))] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let dims = ctx.ints("dims")!
        guard dims.count == x.rank else { throw OpError("dims \(dims) must list \(x.rank) axes") }
        var seen = Set<Int>()
        var out: [Dim] = []
        for d in dims {
            let a = try ShapeRules.axis(d, rank: x.rank, what: "dim")
            guard seen.insert(a).inserted else { throw OpError("dims \(dims) is not a permutation") }
            out.append(x.shape[a])
        }
        return [TensorType(x.element, out)]
    }

    public static let concat = OpDefinition(
        "edge.concat",
        summary: "Joins tensors along one axis; other dims must match.",
        reference: "aten::cat",
        operands: [OperandSpec("inputs", .variadic)],
        attributes: [AttributeSpec("axis", .int, .required)],
        evaluate: { v, ctx in [try Concat.run(v.tensors("inputs"), axis: try ctx.required(ctx.int("axis"), "axis"))] }
    ) { ctx throws(OpError) in
        let xs = ctx.types("inputs")
        let element = try ShapeRules.sameElement(xs, "concat")
        let rank = xs[0].rank
        let axis = try ShapeRules.existingAxis(ctx.int("axis")!, rank: rank)
        var out = xs[0].shape
        for (i, t) in xs.enumerated().dropFirst() {
            guard t.rank == rank else { throw OpError("input \(i) has rank \(t.rank), input 0 has rank \(rank)") }
            for d in 0..<rank where d != axis {
                try ShapeRules.requireEqual(out[d], t.shape[d], "input \(i) differs in dim \(d)")
            }
            switch (out[axis], t.shape[axis]) {
            case (.known(let a), .known(let b)): out[axis] = .known(a + b)
            default: out[axis] = .unknown
            }
        }
        return [TensorType(element, out)]
    }

    public static let flatten = OpDefinition(
        "edge.flatten",
        summary: "Merges dims start_dim...end_dim into one.",
        reference: "aten::flatten.using_ints",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("start_dim", .int, .defaulted(.int(1))),
            AttributeSpec("end_dim", .int, .defaulted(.int(-1))),
        ],
        evaluate: evaluateAsReshape
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        if x.rank == 0 { return [TensorType(x.element, [1])] }
        let s = try ShapeRules.axis(ctx.int("start_dim")!, rank: x.rank, what: "start_dim")
        let e = try ShapeRules.axis(ctx.int("end_dim")!, rank: x.rank, what: "end_dim")
        guard s <= e else { throw OpError("start_dim \(s) is after end_dim \(e)") }
        let merged = x.shape[s...e]
        var dim = Dim.known(1)
        for d in merged {
            switch (dim, d) {
            case (.known(let a), .known(let b)):
                let (r, o) = a.multipliedReportingOverflow(by: b)
                guard !o else { throw OpError("flattened size overflows") }
                dim = .known(r)
            default: dim = .unknown
            }
        }
        return [TensorType(x.element, Array(x.shape[..<s]) + [dim] + Array(x.shape[(e + 1)...]))]
    }
}

extension Ops {
    public static let squeeze = OpDefinition(
        "edge.squeeze",
        summary: "Removes the listed size-1 dims.",
        reference: "aten::squeeze_copy.dims",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dims", .ints, .required, "dims to remove; each must have size 1 (or be symbolic)")],
        evaluate: evaluateAsReshape
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        var drop = Set<Int>()
        for d in ctx.ints("dims")! {
            let a = try ShapeRules.existingAxis(d, rank: x.rank, what: "dim")
            if let v = x.shape[a].value, v != 1 { throw OpError("dim \(d) has size \(v), not 1") }
            guard drop.insert(a).inserted else { throw OpError("dim \(d) is listed twice") }
        }
        return [TensorType(x.element, x.shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element))]
    }

    public static let unsqueeze = OpDefinition(
        "edge.unsqueeze",
        summary: "Inserts a size-1 dim at position `dim` of the result.",
        reference: "aten::unsqueeze_copy",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("dim", .int, .required, "position in the result, -rank-1...rank")],
        evaluate: evaluateAsReshape
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let d = try ShapeRules.axis(ctx.int("dim")!, rank: x.rank + 1, what: "dim")
        var shape = x.shape
        shape.insert(1, at: d)
        return [TensorType(x.element, shape)]
    }

    public static let expand = OpDefinition(
        "edge.expand",
        summary: "Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a dim.",
        reference: "aten::expand_copy",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("shape", .ints, .required, "the result shape")],
        evaluate: { v, ctx in [try Expand.run(v.first, shape: try ctx.resultShape())] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let shape = ctx.ints("shape")!
        guard shape.count >= x.rank else { throw OpError("shape \(shape) has fewer dims than the input \(TypeText.type(x))") }
        let lead = shape.count - x.rank
        var out: [Dim] = []
        for (i, s) in shape.enumerated() {
            if i < lead {
                guard s >= 0 else { throw OpError("new leading dim \(i) cannot be \(s)") }
                out.append(.known(s)); continue
            }
            let d = x.shape[i - lead]
            if s == -1 { out.append(d); continue }
            guard s >= 0 else { throw OpError("shape \(shape) has a negative size") }
            if let v = d.value, v != 1, v != s { throw OpError("dim \(i - lead) of size \(v) cannot expand to \(s)") }
            out.append(.known(s))
        }
        return [TensorType(x.element, out)]
    }

    public static let `repeat` = OpDefinition(
        "edge.repeat",
        summary: "Tiles the input: dim i is repeated repeats[i] times (extra leading repeats add dims).",
        reference: "aten::repeat",
        operands: [OperandSpec("input")],
        attributes: [AttributeSpec("repeats", .ints, .required)],
        evaluate: { v, ctx in [try Repeat.run(v.first, repeats: try ctx.required(ctx.ints("repeats"), "repeats"))] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let reps = ctx.ints("repeats")!
        guard reps.count >= x.rank, reps.allSatisfy({ $0 >= 0 }) else {
            throw OpError("repeats \(reps) must be non-negative and list at least \(x.rank) dims")
        }
        let shape = Array(repeating: Dim.known(1), count: reps.count - x.rank) + x.shape
        return [TensorType(x.element, zip(shape, reps).map { d, r in
            if let v = d.value { return .known(v * r) }
            return r == 1 ? d : .unknown
        })]
    }
}
