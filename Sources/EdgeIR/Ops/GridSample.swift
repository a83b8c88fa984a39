import EdgeKernels

extension Ops {
    public static let gridSample = OpDefinition(
        "edge.grid_sample",
        summary: "Samples input [N, C, H, W] at the normalized (x, y) points of grid [N, Ho, Wo, 2] (bilinear, nearest or bicubic; zeros, border or reflection padding).",
        reference: "aten::grid_sampler_2d",
        operands: [OperandSpec("input"), OperandSpec("grid")],
        attributes: [AttributeSpec("mode", .string, .defaulted(.string("bilinear")), "bilinear, nearest or bicubic"),
                     AttributeSpec("padding", .string, .defaulted(.string("zeros")), "zeros, border or reflection"),
                     AttributeSpec("align_corners", .bool, .defaulted(.bool(false)))],
        traits: [.pure],
        evaluate: { v, ctx in
            guard let mode = gridSampleMode(ctx.attribute("mode")?.stringValue), let padding = gridSamplePadding(ctx.attribute("padding")?.stringValue) else {
                throw EvaluationError("bad grid_sample mode or padding")
            }
            return [try GridSample.run(v.first, grid: v.tensor("grid")!, mode: mode, padding: padding, alignCorners: ctx.bool("align_corners") ?? false)]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!, grid = ctx.type("grid")!
        try ShapeRules.requireFloat(x, "input")
        guard grid.element == x.element else { throw OpError("grid \(TypeText.type(grid)) must have the input's element type") }
        guard x.rank == 4, grid.rank == 4, grid.shape[3].value == 2 else {
            throw OpError("input must be [N, C, H, W] and grid [N, Ho, Wo, 2], got \(TypeText.type(x)) and \(TypeText.type(grid))")
        }
        guard gridSampleMode(ctx.attribute("mode")?.stringValue) != nil else { throw OpError("mode must be bilinear, nearest or bicubic") }
        guard gridSamplePadding(ctx.attribute("padding")?.stringValue) != nil else { throw OpError("padding must be zeros, border or reflection") }
        return [TensorType(x.element, [x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]])]
    }

    public static func gridSampleMode(_ name: String?) -> GridSampleMode? {
        switch name ?? "bilinear" {
        case "bilinear": return .bilinear
        case "nearest": return .nearest
        case "bicubic": return .bicubic
        default: return nil
        }
    }

    public static func gridSamplePadding(_ name: String?) -> GridSamplePadding? {
        switch name ?? "zeros" {
        case "zeros": return .zeros
        case "border": return .border
        case "reflection": return .reflection
        default: return nil
        }
    }
}
