import EdgeIR

// TopK and GridSample.

extension ONNXOps {
    static let selection: [OpImporter] = [
        OpImporter("TopK", [1, 10, 11, 24]) { ctx in
            let x = try ctx.input(0)
            let k: Int
            if ctx.version >= 10 {
                let ks = try ctx.ints(1, "K")
                guard ks.count == 1 else { throw ImportError("TopK's K must hold one value, got \(ks)") }
                k = ks[0]
            } else {
                k = try ctx.int("k", -1)
            }
            let a = try axis(try ctx.int("axis", -1), rank: x.type.rank)
            let largest = ctx.version >= 11 ? try ctx.int("largest", 1) != 0 : true
            // sorted = 0 allows any order; the sorted one is a valid answer.
            return try ctx.apply(Ops.topk, [x], ["k": .int(Int64(k)), "dim": .int(Int64(a)), "largest": .bool(largest)])
        },
        OpImporter("GridSample", [16, 20, 22]) { ctx in
            let x = try ctx.input(0), grid = try ctx.input(1)
            guard x.type.rank == 4 else { throw ctx.unsupported("GridSample of a rank-\(x.type.rank) input (edgec imports 4-D inputs)") }
            let names = ctx.version >= 20 ? ["linear": "bilinear", "nearest": "nearest", "cubic": "bicubic"]
                : ["bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic"]
            let modeName = try ctx.string("mode", ctx.version >= 20 ? "linear" : "bilinear")
            guard let mode = names[modeName] else { throw ctx.unsupported("mode \"\(modeName)\"") }
            let padding = try ctx.string("padding_mode", "zeros")
            guard Ops.gridSamplePadding(padding) != nil else { throw ctx.unsupported("padding_mode \"\(padding)\"") }
            return [try ctx.apply1(Ops.gridSample, [x, grid], [
                "mode": .string(mode), "padding": .string(padding), "align_corners": .bool(try ctx.int("align_corners", 0) != 0),
            ])]
        },
    ]
}
