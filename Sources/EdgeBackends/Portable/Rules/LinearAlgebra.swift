import EdgeIR
import EdgeProgram

// Matrix products: `mm` / `bmm` / `addmm` on 2-D and 3-D views.

extension PortableLowering {
    static let linearAlgebraRules: [PortableRule] = [
        PortableRule("edge.matmul", [.mm, .bmm, .expandCopy], "`mm` when the rhs has no batch, else `bmm` with `expand_copy` for broadcast batches") { l, op throws(Unsupported) in
            try l.matmul(op)
        },
        PortableRule("edge.linear", [.addmm, .mm, .permuteCopy], "weight transposed at compile time when constant, else `permute_copy`") { l, op throws(Unsupported) in
            try l.linear(op)
        },
    ]

    /// Transposes a row-major [rows, cols] constant of `elementSize`-byte elements.
    static func transposed(_ bytes: [UInt8], rows: Int, cols: Int, elementSize: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes.count)
        for r in 0 ..< rows {
            for c in 0 ..< cols {
                let from = (r * cols + c) * elementSize, to = (c * rows + r) * elementSize
                for k in 0 ..< elementSize { out[to + k] = bytes[from + k] }
            }
        }
        return out
    }

    mutating func linear(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!, w = op.operand(1)!
        let wd = dims(w), xd = dims(x)
        let (outF, inF) = (wd[0], wd[1])
        let rows = xd.dropLast().reduce(1, *)
        // The weight transposed to [in, out]: folded for constants, else permute_copy at run time.
        let wt: Int32
        if let (type, _, bytes) = linearWeights[ObjectIdentifier(w)] {
            wt = builder.constant(type, [inF, outF], bytes: Self.transposed(bytes, rows: outF, cols: inF, elementSize: type.byteSize))
        } else if builder.isConstant(t(w)) {
            wt = builder.constant(scalar(w), [inF, outF], bytes: Self.transposed(builder.constantBytes(t(w)), rows: outF, cols: inF, elementSize: scalar(w).byteSize))
        } else {
            wt = temp(scalar(w), [inF, outF])
            try call(.permuteCopy, ["self": t(w), "dims": builder.intList([1, 0]), "out": wt])
        }
        let x2 = try view(t(x), [rows, inF])
        let (type, outDims) = try Self.tensorType(op.result.type)
        let o2 = temp(type, [rows, outF])
        if let bias = op.operand(2) {
            try call(.addmm, ["self": t(bias), "mat1": x2, "mat2": wt, "out": o2])  // beta = alpha = 1
        } else {
            try call(.mm, ["self": x2, "mat2": wt, "out": o2])
        }
        if op.attribute("fused_activation")?.stringValue ?? "none" == "none" {
            bind(op.result, try view(o2, outDims))
        } else {
            try fusedActivation(op, from: try view(o2, outDims))
        }
    }

    mutating func matmul(_ op: Operation) throws(Unsupported) {
        let a = op.operand(0)!, bv = op.operand(1)!
        var ad = dims(a), bd = dims(bv)
        if ad.count == 1 { ad = [1] + ad }
        if bd.count == 1 { bd = bd + [1] }
        let (m, k, n) = (ad[ad.count - 2], ad[ad.count - 1], bd[bd.count - 1])
        let (type, outDims) = try Self.tensorType(op.result.type)
        let batchA = Array(ad.dropLast(2)), batchB = Array(bd.dropLast(2))
        let batch: [Int]
        do { batch = try ShapeRules.broadcast(batchA.map(Dim.known), batchB.map(Dim.known)).map { $0.value! } } catch { throw Unsupported(error.message) }
        let count = batch.reduce(1, *)
        let o: Int32
        if batchB.reduce(1, *) == 1 && batchB.count <= batch.count {
            // rhs has no batch: fold lhs batch into rows, one mm.
            let a2 = try view(t(a), [count * m, k]), b2 = try view(t(bv), [k, n])
            o = temp(type, [count * m, n])
            try call(.mm, ["self": a2, "mat2": b2, "out": o])
        } else {
            let a3 = try view(try expand(t(a), ad, to: batch + [m, k]), [count, m, k])
            let b3 = try view(try expand(t(bv), bd, to: batch + [k, n]), [count, k, n])
            o = temp(type, [count, m, n])
            try call(.bmm, ["self": a3, "mat2": b3, "out": o])
        }
        bind(op.result, try view(o, outDims))
    }
}
