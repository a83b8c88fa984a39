import EdgeIR

extension ONNXOps {
    /// Resizes H and W of a 4-D input; `scales`/`sizes` cover all four dims (N and C must stay).
    static func resize2d(_ ctx: NodeContext, mode: String, transform: String, nearestMode: String, scales: [Double]?, sizes: [Int]?) throws -> Value {
        let x = try ctx.value(0)
        guard x.type.rank == 4, let h = x.type.shape[2].value, let w = x.type.shape[3].value else {
            throw ImportError("edgec resizes 4-D inputs with static H and W, got \(TypeText.type(x.type))")
        }
        let out: [Int]
        if let sizes {
            guard sizes.count == 4 else { throw ImportError("sizes \(sizes) must have 4 entries") }
            if let n = x.type.shape[0].value, sizes[0] != n { throw ctx.unsupported("resizing the batch dim") }
            if let c = x.type.shape[1].value, sizes[1] != c { throw ctx.unsupported("resizing the channel dim") }
            out = [sizes[2], sizes[3]]
        } else if let scales {
            guard scales.count == 4 else { throw ImportError("scales \(scales) must have 4 entries") }
            guard scales[0] == 1, scales[1] == 1 else { throw ctx.unsupported("scaling the batch or channel dim (scales \(scales))") }
            out = [Int((Double(h) * scales[2]).rounded(.down)), Int((Double(w) * scales[3]).rounded(.down))]
        } else {
            throw ImportError("needs scales or sizes")
        }
        let size = Attribute.ints(out.map(Int64.init))
        switch mode {
        case "nearest":
            // aten's nearest resize reads source index floor(dst * in / out): ONNX asymmetric + floor.
            guard transform == "asymmetric", nearestMode == "floor" else {
                throw ctx.unsupported("nearest resize with coordinate_transformation_mode \"\(transform)\" and nearest_mode \"\(nearestMode)\" (edgec imports asymmetric + floor)")
            }
            return try ctx.emit(Ops.upsampleNearest2d, [x], ["size": size])
        case "linear", "bilinear":
            switch transform {
            case "half_pixel", "pytorch_half_pixel":
                return try ctx.emit(Ops.upsampleBilinear2d, [x], ["size": size, "align_corners": .bool(false)])
            case "align_corners":
                return try ctx.emit(Ops.upsampleBilinear2d, [x], ["size": size, "align_corners": .bool(true)])
            default:
                throw ctx.unsupported("linear resize with coordinate_transformation_mode \"\(transform)\"")
            }
        default:
            throw ctx.unsupported("resize mode \"\(mode)\"")
        }
    }

    static func floats(_ ctx: NodeContext, _ i: Int, _ what: String) throws -> [Double]? {
        guard ctx.has(i) else { return nil }
        guard let c = ctx.constant(i) else { throw ImportError("\(what) (input #\(i) \"\(ctx.node.input[i])\") must be a constant known at import time") }
        return c.count == 0 ? nil : c.doubles()
    }

    static let resizing: [OpImporter] = [
        OpImporter("Resize", [10]) { ctx in
            [.value(try resize2d(ctx, mode: try ctx.string("mode", "nearest"), transform: "asymmetric", nearestMode: "floor",
                                 scales: try floats(ctx, 1, "scales"), sizes: nil))]
        },
        OpImporter("Resize", [11, 13, 18, 19]) { ctx in
            if ctx.version >= 18, ctx.hasAttribute("axes") { throw ctx.unsupported("the 'axes' attribute") }
            if ctx.version >= 18, try ctx.int("antialias", 0) != 0 { throw ctx.unsupported("antialias = 1") }
            let sizes = ctx.has(3) ? try ctx.ints(3, "sizes") : nil
            return [.value(try resize2d(ctx, mode: try ctx.string("mode", "nearest"),
                                        transform: try ctx.string("coordinate_transformation_mode", "half_pixel"),
                                        nearestMode: try ctx.string("nearest_mode", "round_prefer_floor"),
                                        scales: sizes == nil ? try floats(ctx, 2, "scales") : nil, sizes: sizes))]
        },
        OpImporter("Upsample", [7, 9]) { ctx in
            let scales = ctx.version >= 9 ? try floats(ctx, 1, "scales") : try ctx.floats("scales")
            return [.value(try resize2d(ctx, mode: try ctx.string("mode", "nearest"), transform: "asymmetric", nearestMode: "floor", scales: scales, sizes: nil))]
        },
    ]
}
