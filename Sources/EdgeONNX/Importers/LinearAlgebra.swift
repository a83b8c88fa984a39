import EdgeIR

extension ONNXOps {
    static let linearAlgebra: [OpImporter] = [
        OpImporter("MatMul", [1, 9, 13]) { ctx in
            [.value(try ctx.emit(Ops.matmul, [try ctx.value(0), try ctx.value(1)]))]
        },
        // Y = alpha * A' B' + beta * C, with A' = transA ? Aᵀ : A and B' likewise.
        OpImporter("Gemm", [7, 9, 11, 13]) { ctx in
            let alpha = try ctx.float("alpha", 1), beta = try ctx.float("beta", 1)
            var a = try ctx.value(0)
            guard a.type.rank == 2 else { throw ImportError("A must be 2-D, got \(TypeText.type(a.type))") }
            if try ctx.int("transA", 0) != 0 { a = try ctx.emit(Ops.permute, [a], ["dims": .ints([1, 0])]) }
            let b = try ctx.value(1)
            let transB = try ctx.int("transB", 0) != 0
            // C fits linear's bias when it is one value per output column and needs no scaling.
            var bias: Value?
            var addC = ctx.has(2)
            if transB, ctx.has(2), beta == 1, alpha == 1, let c = ctx.constant(2), let n = b.type.shape.first?.value,
               c.count == n, c.shape.filter({ $0 != 1 }).count <= 1, c.shape.last == n || n == 1 {
                bias = try ctx.constantValue(try c.reshaped([n]), name: ctx.node.input[2])
                addC = false
            } else if transB, ctx.has(2), beta == 1, alpha == 1, let n = b.type.shape.first, case let ct = try ctx.type(2), ct.rank == 1, ct.shape[0] == n {
                bias = try ctx.value(2)
                addC = false
            }
            var y = transB ? try ctx.emit(Ops.linear, [a, b, bias]) : try ctx.emit(Ops.matmul, [a, b])
            if alpha != 1 { y = try ctx.emit(Ops.mul, [y, try ctx.scalarValue(alpha, y.type.element, name: "alpha")]) }
            if addC {
                var c = try ctx.value(2)
                if beta != 1 { c = try ctx.emit(Ops.mul, [c, try ctx.scalarValue(beta, c.type.element, name: "beta")]) }
                y = try ctx.emit(Ops.add, [y, c])
            }
            return [.value(y)]
        },
    ]
}
