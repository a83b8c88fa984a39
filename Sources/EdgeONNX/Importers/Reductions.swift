import EdgeIR

extension ONNXOps {
    /// A Reduce* op; `axesInputSince` is the opset in which axes moved from attribute to input.
    /// `empty` is the result of reducing an empty set (ONNX's identity of the reduction); a
    /// reduction over a static zero-size dim becomes a `full` of it.
    static func reduce(_ opType: String, _ versions: [Int], axesInputSince: Int, empty: Double? = nil,
                       _ body: @escaping @Sendable (NodeContext, Value, [String: Attribute]) throws -> Value) -> OpImporter {
        OpImporter(opType, versions) { ctx in
            let x = try ctx.value(0)
            let axes: [Int]
            if ctx.version >= axesInputSince {
                axes = ctx.has(1) ? try ctx.ints(1, "axes") : []
                if axes.isEmpty, try ctx.int("noop_with_empty_axes", 0) != 0 { return [.value(x)] }
            } else {
                axes = try ctx.ints("axes") ?? []
            }
            let normalized = try axes.map { try axis($0, rank: x.type.rank) }
            let keep = try ctx.int("keepdims", 1) != 0
            if let empty, let shape = x.type.staticShape, case .scalar(let e) = x.type.element, e.isFloat {
                let reduced = normalized.isEmpty ? Array(shape.indices) : normalized
                if reduced.contains(where: { shape[$0] == 0 }) {
                    let out = shape.indices.compactMap { d -> Int? in reduced.contains(d) ? (keep ? 1 : nil) : shape[d] }
                    return [.value(try ctx.emit(Ops.full, [], ["shape": .ints(out.map(Int64.init)), "value": .float(empty), "dtype": .string(e.rawValue)]))]
                }
            }
            let attrs: [String: Attribute] = [
                "axes": .ints(normalized.map(Int64.init)),
                "keepdim": .bool(keep),
            ]
            return [.value(try body(ctx, x, attrs))]
        }
    }

    /// ArgMax / ArgMin along one axis. With `select_last_index` the last extreme is picked:
    /// the largest index i with x[i] equal to the extreme, as
    /// `amax(where(x == extreme(x), i, -1))` over the axis (a static size).
    static func argReduce(_ opType: String, _ def: OpDefinition, extreme: OpDefinition) -> OpImporter {
        OpImporter(opType, [1, 11, 12, 13]) { ctx in
            let keep = try ctx.int("keepdims", 1) != 0
            guard ctx.version >= 12, try ctx.int("select_last_index", 0) != 0 else {
                return [.value(try ctx.emit(def, [try ctx.value(0)], [
                    "dim": .int(Int64(try ctx.int("axis", 0))), "keepdim": .bool(keep),
                ]))]
            }
            let x = try ctx.input(0)
            let rank = x.type.rank
            guard rank > 0 else { throw ImportError("\(opType) with select_last_index needs an input of rank 1 or more") }
            let a = try axis(try ctx.int("axis", 0), rank: rank)
            guard let n = x.type.shape[a].value else {
                throw ImportError("\(opType) with select_last_index needs the static size of axis \(a) of \(TypeText.type(x.type))\(ctx.shapeFix(x.type))")
            }
            let along: [String: Attribute] = ["axes": .ints([Int64(a)]), "keepdim": .bool(true)]
            let best = try ctx.apply1(extreme, [x], along)
            let hit = try ctx.apply1(Ops.eq, [x, best])
            let positions = Imported.constant(try ctx.constantTensor((0 ..< n).map(Double.init), .i64, shape: [n] + Array(repeating: 1, count: rank - a - 1)))
            let none = Imported.constant(try ctx.constantTensor([-1], .i64, shape: []))
            let candidates = try ctx.apply1(Ops.where, [hit, positions, none])
            return [try ctx.apply1(Ops.amax, [candidates], ["axes": .ints([Int64(a)]), "keepdim": .bool(keep)])]
        }
    }

    /// Softmax-like ops: before opset 13 the input is treated as 2-D [prod(..<axis), prod(axis...)].
    static func softmax(_ opType: String, log: Bool) -> OpImporter {
        OpImporter(opType, [1, 11, 13]) { ctx in
            let x = try ctx.value(0)
            let rank = x.type.rank
            var y: Value
            if ctx.version >= 13 {
                y = try ctx.emit(Ops.softmax, [x], ["axis": .int(Int64(try axis(try ctx.int("axis", -1), rank: rank)))])
            } else {
                let a = try axis(try ctx.int("axis", 1), rank: rank)
                if a == rank - 1 {
                    y = try ctx.emit(Ops.softmax, [x], ["axis": .int(Int64(a))])
                } else {
                    func product(_ dims: ArraySlice<Dim>) -> Dim {
                        dims.reduce(Dim.known(1)) { acc, d in
                            if let p = acc.value, let q = d.value { return .known(p * q) }
                            return dims.count == 1 ? d : .unknown
                        }
                    }
                    let flat = try reshape(ctx, x, to: [product(x.type.shape[..<a]), product(x.type.shape[a...])])
                    let s = try ctx.emit(Ops.softmax, [flat], ["axis": .int(1)])
                    y = try reshape(ctx, s, to: x.type.shape)
                }
            }
            if log { y = try ctx.emit(Ops.log, [y]) }
            return [.value(y)]
        }
    }

    static let reductions: [OpImporter] = [
        reduce("ReduceMean", [1, 11, 13, 18], axesInputSince: 18, empty: .nan) { ctx, x, a in try ctx.emit(Ops.mean, [x], a) },
        reduce("ReduceSum", [1, 11, 13], axesInputSince: 13, empty: 0) { ctx, x, a in try ctx.emit(Ops.sum, [x], a) },
        reduce("ReduceMax", [1, 11, 12, 13, 18, 20], axesInputSince: 18, empty: -.infinity) { ctx, x, a in try ctx.emit(Ops.amax, [x], a) },
        reduce("ReduceMin", [1, 11, 12, 13, 18, 20], axesInputSince: 18, empty: .infinity) { ctx, x, a in try ctx.emit(Ops.amin, [x], a) },
        reduce("ReduceSumSquare", [1, 11, 13, 18], axesInputSince: 18, empty: 0) { ctx, x, a in try ctx.emit(Ops.sum, [try ctx.emit(Ops.mul, [x, x])], a) },
        reduce("ReduceL2", [1, 11, 13, 18], axesInputSince: 18, empty: 0) { ctx, x, a in
            try ctx.emit(Ops.sqrt, [try ctx.emit(Ops.sum, [try ctx.emit(Ops.mul, [x, x])], a)])
        },
        reduce("ReduceL1", [1, 11, 13, 18], axesInputSince: 18, empty: 0) { ctx, x, a in try ctx.emit(Ops.sum, [try ctx.emit(Ops.abs, [x])], a) },
        reduce("ReduceLogSum", [1, 11, 13, 18, 28], axesInputSince: 18, empty: -.infinity) { ctx, x, a in
            try ctx.emit(Ops.log, [try ctx.emit(Ops.sum, [x], a)])
        },
        reduce("ReduceLogSumExp", [1, 11, 13, 18, 28], axesInputSince: 18, empty: -.infinity) { ctx, x, a in
            try ctx.emit(Ops.log, [try ctx.emit(Ops.sum, [try ctx.emit(Ops.exp, [x])], a)])
        },
        argReduce("ArgMax", Ops.argmax, extreme: Ops.amax),
        argReduce("ArgMin", Ops.argmin, extreme: Ops.amin),
        softmax("Softmax", log: false),
        softmax("LogSoftmax", log: true),
    ]
}
