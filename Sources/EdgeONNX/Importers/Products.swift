import EdgeIR

// Products: ReduceProd over axes (one edge.prod per axis) and CumProd (a masked product).

extension ONNXOps {
    static let products: [OpImporter] = [
        reduce("ReduceProd", [1, 11, 13, 18], axesInputSince: 18, empty: 1) { ctx, x, a in
            let axes = a["axes"]?.intsValue?.map(Int.init) ?? []
            let keep = a["keepdim"]?.boolValue ?? true
            var y = x
            // Highest axis first, so removing a dim does not renumber the ones still to reduce.
            for d in (axes.isEmpty ? Array(0 ..< x.type.rank) : axes).sorted(by: >) {
                y = try ctx.emit(Ops.prod, [y], ["dim": .int(Int64(d)), "keepdim": .bool(keep)])
            }
            return y
        },
        // y[i] = Π_j (M[i, j] ? x[j] : 1) with CumSum's 0/1 matrix M, as edge.prod over j of
        // where(M, unsqueeze(x, axis), 1).
        OpImporter("CumProd", [26]) { ctx in
            let x = try ctx.input(0)
            let rank = x.type.rank
            guard ctx.has(1) else { throw ImportError("CumProd needs its axis input") }
            let axes = try ctx.ints(1, "axis")
            guard axes.count == 1 else { throw ImportError("CumProd's axis must hold one value, got \(axes)") }
            guard rank > 0 else { throw ImportError("CumProd of a rank-0 tensor has no axis to multiply along") }
            let d = try axis(axes[0], rank: rank)
            guard let n = x.type.shape[d].value else {
                throw ImportError("CumProd along axis \(d) of \(TypeText.type(x.type)) needs the axis's static size\(ctx.shapeFix(x.type))")
            }
            guard n <= CumulativeSum.maxLength else {
                throw ImportError("CumProd along an axis of \(n) elements is too large to lower as an [N, N] product (at most \(CumulativeSum.maxLength))")
            }
            guard case .scalar(let element) = x.type.element, element != .bool else {
                throw ImportError("CumProd of \(TypeText.type(x.type)) is not supported (numeric tensors only)")
            }
            let mask = CumulativeSum.mask(length: n, exclusive: try ctx.int("exclusive", 0) != 0, reverse: try ctx.int("reverse", 0) != 0)
            let m = Imported.constant(try ctx.constantTensor(mask, .bool, shape: CumulativeSum.maskShape(length: n, dim: d, rank: rank)))
            let spread = try ctx.apply1(Ops.unsqueeze, [x], ["dim": .int(Int64(d))])
            let one = Imported.constant(try ctx.constantTensor([1], element, shape: []))
            let factors = try ctx.apply1(Ops.where, [m, spread, one])
            return [try ctx.apply1(Ops.prod, [factors], ["dim": .int(Int64(d + 1)), "keepdim": .bool(false)])]
        },
    ]
}
