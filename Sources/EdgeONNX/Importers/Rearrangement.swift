import EdgeIR

// Ops that rearrange or select elements, expressed with reshape / permute / compare / where /
// index_select on static shapes: DepthToSpace, SpaceToDepth, EyeLike, OneHot, Hardmax, GatherND.

extension ONNXOps {
    /// The static shape of input `i`, or an error naming `op` and the `--input-shape` fix.
    static func requireStatic(_ ctx: NodeContext, _ x: Imported, _ op: String) throws -> [Int] {
        guard let shape = x.type.staticShape else {
            throw ImportError("\(op) needs a static input shape, got \(TypeText.type(x.type))\(ctx.shapeFix(x.type))")
        }
        return shape
    }

    /// reshape → permute → reshape (all static).
    static func rearrange(_ ctx: NodeContext, _ x: Imported, split: [Int], permutation: [Int], to result: [Int]) throws -> Imported {
        let spread = try reshape(ctx, x, to: split.map(Dim.known))
        let moved = try ctx.apply1(Ops.permute, [spread], ["dims": .ints(permutation.map(Int64.init))])
        return try reshape(ctx, moved, to: result.map(Dim.known))
    }

    /// A constant i64 tensor 0..<n shaped [n, 1, ..., 1] (`trailing` ones), to compare against
    /// values along one axis.
    static func positions(_ ctx: NodeContext, _ n: Int, trailing: Int) throws -> Imported {
        .constant(try ctx.constantTensor((0 ..< n).map(Double.init), .i64, shape: [n] + Array(repeating: 1, count: trailing)))
    }

    static let rearrangement: [OpImporter] = [
        // DCR: [N, b, b, C/b², H, W] → [N, C/b², H, b, W, b]; CRD: [N, C/b², b, b, H, W] → same.
        OpImporter("DepthToSpace", [1, 11, 13, 28]) { ctx in
            let x = try ctx.input(0)
            let shape = try requireStatic(ctx, x, "DepthToSpace")
            guard shape.count == 4 else { throw ImportError("DepthToSpace needs a 4-D input, got \(TypeText.type(x.type))") }
            let b = try ctx.int("blocksize", 0)
            let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
            guard b > 0, c % (b * b) == 0 else { throw ImportError("DepthToSpace: blocksize \(b) does not divide \(c) channels into b² groups") }
            let mode = ctx.version >= 11 ? try ctx.string("mode", "DCR") : "DCR"
            let result = [n, c / (b * b), h * b, w * b]
            switch mode {
            case "DCR": return [try rearrange(ctx, x, split: [n, b, b, c / (b * b), h, w], permutation: [0, 3, 4, 1, 5, 2], to: result)]
            case "CRD": return [try rearrange(ctx, x, split: [n, c / (b * b), b, b, h, w], permutation: [0, 1, 4, 2, 5, 3], to: result)]
            default: throw ctx.unsupported("mode \"\(mode)\"")
            }
        },
        // DCR (the only order before opset 28): channels (block row, block column, c); CRD: (c, row, column).
        OpImporter("SpaceToDepth", [1, 13, 28]) { ctx in
            let x = try ctx.input(0)
            let shape = try requireStatic(ctx, x, "SpaceToDepth")
            guard shape.count == 4 else { throw ImportError("SpaceToDepth needs a 4-D input, got \(TypeText.type(x.type))") }
            let b = try ctx.int("blocksize", 0)
            let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
            guard b > 0, h % b == 0, w % b == 0 else { throw ImportError("SpaceToDepth: blocksize \(b) does not divide \(h)x\(w)") }
            let mode = ctx.version >= 28 ? try ctx.string("mode", "DCR") : "DCR"
            guard mode == "DCR" || mode == "CRD" else { throw ctx.unsupported("mode \"\(mode)\"") }
            return [try rearrange(ctx, x, split: [n, c, h / b, b, w / b, b], permutation: mode == "DCR" ? [0, 3, 5, 1, 2, 4] : [0, 1, 3, 5, 2, 4],
                                  to: [n, c * b * b, h / b, w / b])]
        },
        // A constant: ones on diagonal k of a 2-D shape (the input's values are not read).
        OpImporter("EyeLike", [9, 22]) { ctx in
            let x = try ctx.input(0)
            let shape = try requireStatic(ctx, x, "EyeLike")
            guard shape.count == 2 else { throw ImportError("EyeLike needs a 2-D input, got \(TypeText.type(x.type))") }
            let element: ScalarType
            if ctx.hasAttribute("dtype") {
                element = try ONNXType.require(Int32(truncatingIfNeeded: try ctx.int("dtype", 0)), "EyeLike's dtype")
            } else {
                element = x.type.element.storage
            }
            let k = try ctx.int("k", 0)
            var values: [Double] = []
            values.reserveCapacity(shape[0] * shape[1])
            for i in 0 ..< shape[0] { for j in 0 ..< shape[1] { values.append(j - i == k ? 1 : 0) } }
            return [.constant(try ctx.constantTensor(values, element, shape: shape))]
        },
        // where(unsqueeze(indices, axis) == 0..<depth, on, off); negative indices count from depth.
        OpImporter("OneHot", [9, 11, 28]) { ctx in
            let raw = try ctx.input(0)
            let depth = Int(try ctx.scalar(1, "depth"))
            guard depth > 0 else { throw ImportError("OneHot's depth must be positive, got \(depth)") }
            let values = try ctx.input(2)
            guard values.type.elementCount == 2 else { throw ImportError("OneHot's values must hold [off, on], got \(TypeText.type(values.type))") }
            let rank = raw.type.rank + 1
            let a = try axis(try ctx.int("axis", -1), rank: rank)
            var index = try cast(ctx, raw, to: .i64)
            if ctx.version >= 11 {
                let negative = try ctx.apply1(Ops.lt, [index, .constant(try ctx.constantTensor([0], .i64, shape: []))])
                let wrapped = try ctx.apply1(Ops.add, [index, .constant(try ctx.constantTensor([Double(depth)], .i64, shape: []))])
                index = try ctx.apply1(Ops.where, [negative, wrapped, index])
            }
            let spread = try ctx.apply1(Ops.unsqueeze, [index], ["dim": .int(Int64(a))])
            let hit = try ctx.apply1(Ops.eq, [spread, try positions(ctx, depth, trailing: rank - a - 1)])
            let flat = try reshape(ctx, values, to: [2])
            let off = try reshape(ctx, try ctx.apply1(Ops.slice, [flat], ["dim": .int(0), "start": .int(0), "end": .int(1)]), to: [])
            let on = try reshape(ctx, try ctx.apply1(Ops.slice, [flat], ["dim": .int(0), "start": .int(1), "end": .int(2)]), to: [])
            return [try ctx.apply1(Ops.where, [hit, on, off])]
        },
        // 1 at the first maximum along the axis, 0 elsewhere (opset 13; earlier definitions
        // flatten to 2-D around the axis, the same thing when the axis is the last one).
        OpImporter("Hardmax", [1, 11, 13]) { ctx in
            let x = try ctx.input(0)
            let rank = x.type.rank
            let a = try axis(try ctx.int("axis", ctx.version >= 13 ? -1 : 1), rank: rank)
            guard ctx.version >= 13 || a == rank - 1 else {
                throw ctx.unsupported("Hardmax-\(ctx.version) over axis \(a) of a rank-\(rank) input (edgec imports the last axis)")
            }
            guard let n = x.type.shape[a].value else {
                throw ImportError("Hardmax needs the static size of axis \(a) of \(TypeText.type(x.type))\(ctx.shapeFix(x.type))")
            }
            let first = try ctx.apply1(Ops.argmax, [x], ["dim": .int(Int64(a)), "keepdim": .bool(true)])
            let hit = try ctx.apply1(Ops.eq, [first, try positions(ctx, n, trailing: rank - a - 1)])
            return [try cast(ctx, hit, to: x.type.element.storage)]
        },
        // data viewed as [prod(dims ..< batch + k), rest...]; the row of each index tuple is
        // batch · P + Σ idx[j] · stride[j] (negative indices wrap), picked with index_select.
        OpImporter("GatherND", [11, 12, 13]) { ctx in
            let data = try ctx.input(0), rawIndex = try ctx.input(1)
            let dataShape = try requireStatic(ctx, data, "GatherND")
            let indexShape = try requireStatic(ctx, rawIndex, "GatherND")
            let batch = ctx.version >= 12 ? try ctx.int("batch_dims", 0) : 0
            guard let k = indexShape.last, indexShape.count >= 1 + batch, batch >= 0, k >= 1, batch + k <= dataShape.count else {
                throw ImportError("GatherND: indices \(TypeText.type(rawIndex.type)) do not fit data \(TypeText.type(data.type)) with batch_dims \(batch)")
            }
            let (rows, index) = try flatIndex(ctx, rawIndex, dataShape: dataShape, indexShape: indexShape, batch: batch, k: k)
            let rest = Array(dataShape[(batch + k)...])
            let table = try reshape(ctx, data, to: ([rows] + rest).map(Dim.known))
            let count = indexShape.dropLast().reduce(1, *)
            let picked = try ctx.apply1(Ops.indexSelect, [table, try reshape(ctx, index, to: [.known(count)])], ["dim": .int(0)])
            return [try reshape(ctx, picked, to: (Array(indexShape.dropLast()) + rest).map(Dim.known))]
        },
    ]

    /// The row index into data viewed as [prod(dims ..< batch + k), rest...] for each index tuple
    /// of an ND index ([..., k], shaped like the index without its last dim, i64), and the row count.
    static func flatIndex(_ ctx: NodeContext, _ rawIndex: Imported, dataShape: [Int], indexShape: [Int], batch: Int, k: Int) throws -> (rows: Int, index: Imported) {
        let dims = Array(dataShape[batch ..< (batch + k)])
        var strides = [Int](repeating: 1, count: k)
        for j in stride(from: k - 2, through: 0, by: -1) { strides[j] = strides[j + 1] * dims[j + 1] }
        let perBatch = dims.reduce(1, *)
        let batches = dataShape[..<batch].reduce(1, *)
        let index = try cast(ctx, rawIndex, to: .i64)
        let negative = try ctx.apply1(Ops.lt, [index, .constant(try ctx.constantTensor([0], .i64, shape: []))])
        let wrapped = try ctx.apply1(Ops.add, [index, .constant(try ctx.constantTensor(dims.map(Double.init), .i64, shape: [k]))])
        let fixed = try ctx.apply1(Ops.where, [negative, wrapped, index])
        let scaled = try ctx.apply1(Ops.mul, [fixed, .constant(try ctx.constantTensor(strides.map(Double.init), .i64, shape: [k]))])
        var linear = try ctx.apply1(Ops.sum, [scaled], ["axes": .ints([Int64(indexShape.count - 1)]), "keepdim": .bool(false)])
        if batch > 0 {
            let offsets = (0 ..< batches).map { Double($0 * perBatch) }
            let shape = Array(indexShape[..<batch]) + Array(repeating: 1, count: indexShape.count - 1 - batch)
            linear = try ctx.apply1(Ops.add, [linear, .constant(try ctx.constantTensor(offsets, .i64, shape: shape))])
        }
        return (batches * perBatch, linear)
    }
}
