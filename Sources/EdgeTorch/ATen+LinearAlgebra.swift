import EdgeIR

extension ATenTable {
    /// Matrix products.
    static let linearAlgebra: [String: ATenLowering] = [
        "aten.linear.default": .one("`edge.linear`") { c throws(OpError) in
            try c.emit(Ops.linear, [try c.tensor("input"), try c.tensor("weight"), try c.optionalTensor("bias")], output: 0)
        },
        "aten.mm.default": .one("`edge.matmul` (2-D)") { c throws(OpError) in
            try c.emit(Ops.matmul, [try c.tensor("self"), try c.tensor("mat2")], output: 0)
        },
        "aten.bmm.default": .one("`edge.matmul` (batched, 3-D)") { c throws(OpError) in
            try c.emit(Ops.matmul, [try c.tensor("self"), try c.tensor("mat2")], output: 0)
        },
        "aten.matmul.default": .one("`edge.matmul`") { c throws(OpError) in
            try c.emit(Ops.matmul, [try c.tensor("self"), try c.tensor("other")], output: 0)
        },
        "aten.addmm.default": .one("`edge.matmul` + `edge.add` (with `edge.mul` for beta, alpha ≠ 1)") { c throws(OpError) in
            let bias = try c.tensor("self")
            var product = try c.emit(Ops.matmul, [try c.tensor("mat1"), try c.tensor("mat2")])
            let alpha = try c.float("alpha", default: 1), beta = try c.float("beta", default: 1)
            if alpha != 1 { product = try c.emit(Ops.mul, [product, try c.scalar(alpha, product.type.element.storage)]) }
            if beta == 0 { return product }
            var b = bias
            if beta != 1 { b = try c.emit(Ops.mul, [bias, try c.scalar(beta, bias.type.element.storage)]) }
            return try c.emit(Ops.add, [product, b], output: 0)
        },
    ]
}
