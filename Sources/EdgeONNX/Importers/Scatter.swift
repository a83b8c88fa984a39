import EdgeIR

// Scatters: ScatterElements / Scatter along an axis and ScatterND (rows of data viewed as
// [prod(dims ..< k), rest...]), as edge.scatter with reduction none or add.

extension ONNXOps {
    /// The reduction attribute as edge.scatter's `reduce` (none and add; others are not supported).
    static func scatterReduce(_ ctx: NodeContext) throws -> String {
        let reduction = ctx.version >= 16 ? try ctx.string("reduction", "none") : "none"
        guard reduction == "none" || reduction == "add" else {
            throw ctx.unsupported("reduction \"\(reduction)\" (edgec lowers none and add)")
        }
        return reduction
    }

    static func scatterElements(_ ctx: NodeContext) throws -> [Imported] {
        let data = try ctx.input(0), rawIndex = try ctx.input(1), updates = try ctx.input(2)
        let reduce = try scatterReduce(ctx)
        let rank = data.type.rank
        guard rank > 0 else { throw ImportError("\(ctx.node.opType) of a rank-0 tensor has no axis") }
        let a = try axis(try ctx.int("axis", 0), rank: rank)
        guard let size = data.type.shape[a].value else {
            throw ImportError("\(ctx.node.opType) needs the static size of axis \(a) of \(TypeText.type(data.type)) to wrap negative indices\(ctx.shapeFix(data.type))")
        }
        let index = try cast(ctx, rawIndex, to: .i64)
        let negative = try ctx.apply1(Ops.lt, [index, .constant(try ctx.constantTensor([0], .i64, shape: []))])
        let wrapped = try ctx.apply1(Ops.add, [index, .constant(try ctx.constantTensor([Double(size)], .i64, shape: []))])
        let fixed = try ctx.apply1(Ops.where, [negative, wrapped, index])
        return [try ctx.apply1(Ops.scatter, [data, fixed, updates], ["dim": .int(Int64(a)), "reduce": .string(reduce)])]
    }

    static let scatters: [OpImporter] = [
        OpImporter("ScatterElements", [11, 13, 16, 18], scatterElements),
        OpImporter("Scatter", [9, 11], scatterElements),
        OpImporter("ScatterND", [11, 13, 16, 18]) { ctx in
            let data = try ctx.input(0), rawIndex = try ctx.input(1), updates = try ctx.input(2)
            let reduce = try scatterReduce(ctx)
            let dataShape = try requireStatic(ctx, data, "ScatterND")
            let indexShape = try requireStatic(ctx, rawIndex, "ScatterND")
            guard let k = indexShape.last, k >= 1, k <= dataShape.count else {
                throw ImportError("ScatterND: indices \(TypeText.type(rawIndex.type)) do not fit data \(TypeText.type(data.type))")
            }
            let rest = Array(dataShape[k...])
            let count = indexShape.dropLast().reduce(1, *)
            let (rows, linear) = try flatIndex(ctx, rawIndex, dataShape: dataShape, indexShape: indexShape, batch: 0, k: k)
            let table = try reshape(ctx, data, to: ([rows] + rest).map(Dim.known))
            let source = try reshape(ctx, updates, to: ([count] + rest).map(Dim.known))
            let column = try reshape(ctx, linear, to: ([count] + rest.map { _ in 1 }).map(Dim.known))
            let index = rest.isEmpty ? column : try ctx.apply1(Ops.expand, [column], ["shape": .ints(([count] + rest).map(Int64.init))])
            let scattered = try ctx.apply1(Ops.scatter, [table, index, source], ["dim": .int(0), "reduce": .string(reduce)])
            return [try reshape(ctx, scattered, to: dataShape.map(Dim.known))]
        },
    ]
}
