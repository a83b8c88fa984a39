import EdgeIR

extension ONNXOps {
    static let normalization: [OpImporter] = [
        OpImporter("BatchNormalization", [7, 9, 14, 15]) { ctx in
            try requireSingleOutput(ctx, "training outputs (running mean and variance)")
            if ctx.version == 7, try ctx.int("spatial", 1) != 1 { throw ctx.unsupported("spatial = 0") }
            if ctx.version >= 14, try ctx.int("training_mode", 0) != 0 { throw ctx.unsupported("training_mode = 1") }
            let operands = try (0..<5).map { try ctx.value($0) }
            return [.value(try ctx.emit(Ops.batchNorm, operands, ["epsilon": .float(try ctx.float("epsilon", 1e-5))]))]
        },
        OpImporter("InstanceNormalization", [6, 22]) { ctx in
            let x = try ctx.value(0)
            guard x.type.rank >= 3, let c = x.type.shape[1].value else { throw ImportError("input needs rank 3 or more and a static channel dim, got \(TypeText.type(x.type))") }
            return [.value(try ctx.emit(Ops.groupNorm, [x, try ctx.value(1), try ctx.value(2)],
                                        ["groups": .int(Int64(c)), "epsilon": .float(try ctx.float("epsilon", 1e-5))]))]
        },
        // y = x / sqrt(mean(x², axes axis...) + epsilon) * scale
        OpImporter("RMSNormalization", [23]) { ctx in
            let x = try ctx.value(0)
            let a = try axis(try ctx.int("axis", -1), rank: x.type.rank)
            let axes = Attribute.ints((a..<x.type.rank).map(Int64.init))
            let meanSquare = try ctx.emit(Ops.mean, [try ctx.emit(Ops.mul, [x, x])], ["axes": axes, "keepdim": .bool(true)])
            let eps = try ctx.scalarValue(try ctx.float("epsilon", 1e-5), x.type.element, name: "epsilon")
            let normalized = try ctx.emit(Ops.mul, [x, try ctx.emit(Ops.rsqrt, [try ctx.emit(Ops.add, [meanSquare, eps])])])
            return [.value(try ctx.emit(Ops.mul, [normalized, try ctx.value(1)]))]
        },
        OpImporter("LayerNormalization", [17]) { ctx in
            let x = try ctx.value(0)
            let axis = try ctx.int("axis", -1)
            let a = axis < 0 ? axis + x.type.rank : axis
            guard a >= 0, a < x.type.rank else { throw ImportError("axis \(axis) is out of range for \(TypeText.type(x.type))") }
            if ctx.node.output.dropFirst().contains(where: { !$0.isEmpty }) {
                return try layerNormWithStatistics(ctx, x, from: a)
            }
            guard let normalized = Array(x.type.shape[a...]).staticValues else {
                throw ImportError("the normalized dims \(ShapeRules.describe(Array(x.type.shape[a...]))) must be static")
            }
            let weight = try ctx.value(1), bias = try ctx.optionalValue(2)
            func fit(_ v: Value?) throws -> Value? {
                guard let v, v.type.staticShape != normalized else { return v }
                // Scale and B may be given with fewer (broadcast) dims; expand them to the normalized shape.
                return try ctx.emit(Ops.expand, [v], ["shape": .ints(normalized.map(Int64.init))])
            }
            return [.value(try ctx.emit(Ops.layerNorm, [x, try fit(weight), try fit(bias)], [
                "normalized_shape": .ints(normalized.map(Int64.init)), "epsilon": .float(try ctx.float("epsilon", 1e-5)),
            ]))]
        },
        OpImporter("LRN", [1, 13]) { ctx in
            // y = x / (bias + alpha / size * sum of x² over a channel window) ^ beta, as
            // avg_pool2d over channels of x² (the average is the windowed sum / size).
            let x = try ctx.value(0)
            guard x.type.rank == 4, let s = x.type.staticShape else { throw ImportError("input must be a static 4-D tensor, got \(TypeText.type(x.type))") }
            let size = try ctx.int("size", 0)
            guard size >= 1 else { throw ImportError("'size' must be at least 1") }
            let alpha = try ctx.float("alpha", 1e-4), beta = try ctx.float("beta", 0.75), bias = try ctx.float("bias", 1)
            let e = x.type.element
            let sq = try ctx.emit(Ops.mul, [x, x])
            let planes = try ctx.emit(Ops.reshape, [sq], ["shape": .ints([Int64(s[0]), 1, Int64(s[1]), Int64(s[2] * s[3])])])
            let before = (size - 1) / 2, after = size - 1 - before
            let avg = try ctx.emit(Ops.avgPool2d, [planes], [
                "kernel_size": .ints([Int64(size), 1]), "stride": .ints([1, 1]),
                "padding": .ints([Int64(before), 0, Int64(after), 0]), "count_include_pad": .bool(true),
            ])
            let back = try ctx.emit(Ops.reshape, [avg], ["shape": .ints(s.map(Int64.init))])
            let scaled = try ctx.emit(Ops.mul, [back, try ctx.scalarValue(alpha, e, name: "alpha")])
            let shifted = try ctx.emit(Ops.add, [scaled, try ctx.scalarValue(bias, e, name: "bias")])
            let denominator = try ctx.emit(Ops.pow, [shifted, try ctx.scalarValue(beta, e, name: "beta")])
            return [.value(try ctx.emit(Ops.div, [x, denominator]))]
        },
    ]
}

extension Array where Element == Dim {
    /// The sizes when every dim is known.
    var staticValues: [Int]? { TensorType(.f32, self).staticShape }
}

extension ONNXOps {
    /// LayerNormalization with its Mean and InvStdDev outputs, as the expression ONNX defines:
    /// mean and 1/sqrt(var + epsilon) over the dims from `a` on (kept as size 1).
    static func layerNormWithStatistics(_ ctx: NodeContext, _ x: Value, from a: Int) throws -> [Imported] {
        let axes = Attribute.ints((a..<x.type.rank).map(Int64.init))
        let mean = try ctx.emit(Ops.mean, [x], ["axes": axes, "keepdim": .bool(true)])
        let centered = try ctx.emit(Ops.sub, [x, mean])
        let variance = try ctx.emit(Ops.mean, [try ctx.emit(Ops.mul, [centered, centered])], ["axes": axes, "keepdim": .bool(true)])
        let eps = try ctx.scalarValue(try ctx.float("epsilon", 1e-5), x.type.element, name: "epsilon")
        let invStdDev = try ctx.emit(Ops.rsqrt, [try ctx.emit(Ops.add, [variance, eps])])
        var y = try ctx.emit(Ops.mul, [try ctx.emit(Ops.mul, [centered, invStdDev]), try ctx.value(1)])
        if let bias = try ctx.optionalValue(2) { y = try ctx.emit(Ops.add, [y, bias]) }
        return [.value(y), .value(mean), .value(invStdDev)]
    }
}
