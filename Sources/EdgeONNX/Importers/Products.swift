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
            let c = try cumulativeOperands(ctx, "multiply", mask: .bool)
            let spread = try ctx.apply1(Ops.unsqueeze, [c.x], ["dim": .int(Int64(c.dim))])
            let one = Imported.constant(try ctx.constantTensor([1], c.element, shape: []))
            let factors = try ctx.apply1(Ops.where, [c.mask, spread, one])
            return [try ctx.apply1(Ops.prod, [factors], ["dim": .int(Int64(c.dim + 1)), "keepdim": .bool(false)])]
        },
    ]
}
