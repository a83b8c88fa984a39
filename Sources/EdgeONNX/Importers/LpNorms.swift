import EdgeIR

// Lp norms: LpNormalization along an axis and LpPool over windows, from |x|^p, sums and the
// p-th root (p = 1 and 2 exactly with abs / mul / sqrt, other p with pow).

extension ONNXOps {
    /// |x|^p.
    static func powerOfAbs(_ ctx: NodeContext, _ x: Value, p: Int) throws -> Value {
        switch p {
        case 1: return try ctx.emit(Ops.abs, [x])
        case 2: return try ctx.emit(Ops.mul, [x, x])
        default: return try ctx.emit(Ops.pow, [try ctx.emit(Ops.abs, [x]), try ctx.scalarValue(Double(p), x.type.element, name: "p")])
        }
    }

    /// s^(1/p).
    static func root(_ ctx: NodeContext, _ s: Value, p: Int) throws -> Value {
        switch p {
        case 1: return s
        case 2: return try ctx.emit(Ops.sqrt, [s])
        default: return try ctx.emit(Ops.pow, [s, try ctx.scalarValue(1 / Double(p), s.type.element, name: "inverse_p")])
        }
    }

    static let lpNorms: [OpImporter] = [
        OpImporter("LpNormalization", [1, 22]) { ctx in
            let x = try ctx.value(0)
            guard x.type.element.storage.isFloatingPoint else { throw ImportError("LpNormalization needs a floating-point input, got \(TypeText.type(x.type))") }
            let p = try ctx.int("p", 2)
            guard p == 1 || p == 2 else { throw ctx.unsupported("p = \(p) (ONNX allows 1 and 2)") }
            let a = try axis(try ctx.int("axis", -1), rank: x.type.rank)
            let total = try ctx.emit(Ops.sum, [try powerOfAbs(ctx, x, p: p)], ["axes": .ints([Int64(a)]), "keepdim": .bool(true)])
            return [.value(try ctx.emit(Ops.div, [x, try root(ctx, total, p: p)]))]
        },
        // (Σ_window |x|^p)^(1/p) = (avg_pool(|x|^p) · window size)^(1/p), padding counted as zeros.
        OpImporter("LpPool", [2, 11, 18, 22]) { ctx in
            let p = try ctx.int("p", 2)
            guard p >= 1 else { throw ctx.unsupported("p = \(p)") }
            return [.value(try spatial2d(ctx) { x, lifted in
                guard x.type.element.storage.isFloatingPoint else { throw ImportError("LpPool needs a floating-point input, got \(TypeText.type(x.type))") }
                let win = try Window.read(ctx, kernel: nil, spatial: Array(x.type.shape.suffix(2)), lifted: lifted, dilations: false)
                let pooled = try ctx.emit(Ops.avgPool2d, [try powerOfAbs(ctx, x, p: p)], [
                    "kernel_size": .ints(win.kernel.map(Int64.init)), "stride": .ints(win.strides.map(Int64.init)),
                    "padding": win.paddingAttribute, "ceil_mode": .bool(ctx.version >= 18 ? try ctx.int("ceil_mode", 0) != 0 : false),
                    "count_include_pad": .bool(true),
                ])
                let size = try ctx.scalarValue(Double(win.kernel.reduce(1, *)), x.type.element, name: "window_size")
                return try root(ctx, try ctx.emit(Ops.mul, [pooled, size]), p: p)
            })]
        },
    ]
}
