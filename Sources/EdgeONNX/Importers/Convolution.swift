import EdgeIR

/// Window attributes shared by Conv, ConvTranspose and the pools (2-D; 1-D inputs are lifted).
struct Window {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// [top, left, bottom, right].
    var pads: [Int]

    /// The IR padding attribute: symmetric pairs print as [h, w].
    var paddingAttribute: Attribute {
        pads[0] == pads[2] && pads[1] == pads[3] ? .ints([Int64(pads[0]), Int64(pads[1])]) : .ints(pads.map(Int64.init))
    }

    /// The largest kernel size, stride or dilation a window may have.
    static let maxExtent = 1 << 24

    /// Reads kernel_shape (or `kernel`), strides, dilations, pads and auto_pad for a 2-D window
    /// over `spatial` input dims. `lifted` means a 1-D op lifted to 2-D (H = 1).
    static func read(_ ctx: NodeContext, kernel given: [Int]?, spatial: [Dim], lifted: Bool, dilations allowed: Bool = true) throws -> Window {
        func lift(_ v: [Int]?, _ fill: Int, _ name: String) throws -> [Int]? {
            guard let v else { return nil }
            guard v.count == (lifted ? 1 : 2) else { throw ImportError("'\(name)' has \(v.count) values; a \(lifted ? 1 : 2)-D window needs \(lifted ? 1 : 2)") }
            return lifted ? [fill] + v : v
        }
        guard let kernel = try lift(try ctx.ints("kernel_shape") ?? given.map { lifted ? Array($0.suffix(1)) : $0 }, 1, "kernel_shape") else {
            throw ImportError("needs 'kernel_shape'")
        }
        let strides = try lift(try ctx.ints("strides"), 1, "strides") ?? [1, 1]
        let dilations = try lift(try ctx.ints("dilations"), 1, "dilations") ?? [1, 1]
        // Positive and bounded before any arithmetic on them (a zero stride divides by zero; a
        // huge one overflows the SAME_* padding sums).
        for (name, values) in [("kernel_shape", kernel), ("strides", strides), ("dilations", dilations)] {
            guard values.allSatisfy({ $0 >= 1 && $0 <= Window.maxExtent }) else {
                throw ImportError("'\(name)' \(lifted ? Array(values.dropFirst()) : values) must hold values from 1 to \(Window.maxExtent)")
            }
        }
        if !allowed, dilations != [1, 1] { throw ctx.unsupported("dilations \(dilations)") }
        var pads = [0, 0, 0, 0]
        let autoPad = try ctx.string("auto_pad", "NOTSET")
        switch autoPad {
        case "NOTSET", "":
            if let p = try ctx.ints("pads") {
                guard p.count == (lifted ? 2 : 4) else { throw ImportError("'pads' has \(p.count) values; expected \(lifted ? 2 : 4)") }
                pads = lifted ? [0, p[0], 0, p[1]] : p
            }
        case "VALID": break
        case "SAME_UPPER", "SAME_LOWER":
            for d in 0..<2 {
                guard let n = spatial[d].value else { throw ImportError("auto_pad \(autoPad) needs static spatial dims, got \(ShapeRules.describe(spatial))\(ctx.shapeFix(TensorType(.f32, spatial)))") }
                let out = (n + strides[d] - 1) / strides[d]
                let total = max(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - n)
                let small = total / 2
                pads[d] = autoPad == "SAME_UPPER" ? small : total - small
                pads[d + 2] = total - pads[d]
            }
        default: throw ImportError("auto_pad \"\(autoPad)\" is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
        return Window(kernel: kernel, strides: strides, dilations: dilations, pads: pads)
    }
}

extension ONNXOps {
    /// Runs `body` on a 4-D view of input 0: rank-3 (1-D spatial) inputs are unsqueezed at dim 2
    /// and the result squeezed back. Other ranks are unsupported.
    static func spatial2d(_ ctx: NodeContext, _ body: (Value, _ lifted: Bool) throws -> Value) throws -> Value {
        let x = try ctx.value(0)
        switch x.type.rank {
        case 4: return try body(x, false)
        case 3:
            let y = try body(try ctx.emit(Ops.unsqueeze, [x], ["dim": .int(2)]), true)
            return try ctx.emit(Ops.squeeze, [y], ["dims": .ints([2])])
        default:
            throw ImportError("input has rank \(x.type.rank) (\(TypeText.type(x.type))); edgec imports 1-D and 2-D windows (rank 3 or 4)")
        }
    }

    /// A weight (input `i`) as a 4-D value; 1-D kernels get an H dim of 1 (free for constants).
    static func weight4d(_ ctx: NodeContext, _ i: Int, lifted: Bool) throws -> Value {
        guard lifted else { return try ctx.value(i) }
        if let c = ctx.constant(i), c.shape.count == 3 {
            return try ctx.constantValue(try c.reshaped([c.shape[0], c.shape[1], 1, c.shape[2]]), name: ctx.node.input[i])
        }
        return try ctx.emit(Ops.unsqueeze, [try ctx.value(i)], ["dim": .int(2)])
    }

    static func requireSingleOutput(_ ctx: NodeContext, _ what: String) throws {
        if ctx.node.output.dropFirst().contains(where: { !$0.isEmpty }) {
            throw ImportError("\(what) outputs beyond the first are not supported")
        }
    }

    static let convolution: [OpImporter] = [
        OpImporter("Conv", [1, 11, 22]) { ctx in
            [.value(try spatial2d(ctx) { x, lifted in
                let w = try weight4d(ctx, 1, lifted: lifted)
                let win = try Window.read(ctx, kernel: w.type.staticShape.map { Array($0.suffix(2)) }, spatial: Array(x.type.shape.suffix(2)), lifted: lifted)
                return try ctx.emit(Ops.conv2d, [x, w, try ctx.optionalValue(2)], [
                    "stride": .ints(win.strides.map(Int64.init)), "padding": win.paddingAttribute,
                    "dilation": .ints(win.dilations.map(Int64.init)), "groups": .int(Int64(try ctx.int("group", 1))),
                ])
            })]
        },
        OpImporter("ConvTranspose", [1, 11, 22]) { ctx in
            [.value(try spatial2d(ctx) { x, lifted in
                let w = try weight4d(ctx, 1, lifted: lifted)
                guard let ws = w.type.staticShape else { throw ImportError("the weight shape must be static") }
                var win = try Window.read(ctx, kernel: Array(ws.suffix(2)), spatial: Array(x.type.shape.suffix(2)), lifted: lifted)
                var outputPadding = try ctx.ints("output_padding").map { lifted ? [0] + $0 : $0 } ?? [0, 0]
                // ConvTranspose's own padding rule (not Conv's): with output_shape, or with
                // auto_pad SAME_* (output = input · stride), the total padding is what makes the
                // full result that size; SAME_UPPER puts the odd element at the end, SAME_LOWER
                // and an explicit output_shape at the start (as ONNX's reference does).
                let autoPad = try ctx.string("auto_pad", "NOTSET")
                let explicitShape = try ctx.ints("output_shape")
                if explicitShape != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                    for d in 0..<2 {
                        guard let n = x.type.shape[2 + d].value else { throw ImportError("output_shape and auto_pad \(autoPad) need static spatial dims\(ctx.shapeFix(x.type))") }
                        let target = explicitShape.map { shape in lifted ? [1] + shape.suffix(1) : Array(shape.suffix(2)) }?[d] ?? n * win.strides[d]
                        let full = win.strides[d] * (n - 1) + outputPadding[d] + (win.kernel[d] - 1) * win.dilations[d] + 1
                        let total = full - target
                        if total < 0 { outputPadding[d] -= total; win.pads[d] = 0; win.pads[d + 2] = 0; continue }
                        let lowerHalf = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                        win.pads[d] = lowerHalf
                        win.pads[d + 2] = total - lowerHalf
                    }
                }
                // Asymmetric pads: pad both sides by the smaller amount, then crop the rest.
                let symmetric = [min(win.pads[0], win.pads[2]), min(win.pads[1], win.pads[3])]
                var y = try ctx.emit(Ops.convTranspose2d, [x, w, try ctx.optionalValue(2)], [
                    "stride": .ints(win.strides.map(Int64.init)), "padding": .ints(symmetric.map(Int64.init)),
                    "output_padding": .ints(outputPadding.map(Int64.init)), "dilation": .ints(win.dilations.map(Int64.init)),
                    "groups": .int(Int64(try ctx.int("group", 1))),
                ])
                for d in 0..<2 where win.pads[d] != win.pads[d + 2] {
                    guard let size = y.type.shape[2 + d].value else { throw ImportError("asymmetric pads need static spatial dims") }
                    let start = win.pads[d] - symmetric[d], end = size - (win.pads[d + 2] - symmetric[d])
                    y = try ctx.emit(Ops.slice, [y], ["dim": .int(Int64(2 + d)), "start": .int(Int64(start)), "end": .int(Int64(end))])
                }
                return y
            })]
        },
        OpImporter("MaxPool", [1, 8, 10, 11, 12, 22]) { ctx in
            try requireSingleOutput(ctx, "MaxPool's Indices and other")
            if try ctx.int("storage_order", 0) != 0 { throw ctx.unsupported("storage_order = 1") }
            return [.value(try spatial2d(ctx) { x, lifted in
                let win = try Window.read(ctx, kernel: nil, spatial: Array(x.type.shape.suffix(2)), lifted: lifted)
                return try ctx.emit(Ops.maxPool2d, [x], [
                    "kernel_size": .ints(win.kernel.map(Int64.init)), "stride": .ints(win.strides.map(Int64.init)),
                    "padding": win.paddingAttribute, "dilation": .ints(win.dilations.map(Int64.init)),
                    "ceil_mode": .bool(try ctx.int("ceil_mode", 0) != 0),
                ])
            })]
        },
        OpImporter("AveragePool", [7, 10, 11, 19, 22]) { ctx in
            [.value(try spatial2d(ctx) { x, lifted in
                let win = try Window.read(ctx, kernel: nil, spatial: Array(x.type.shape.suffix(2)), lifted: lifted, dilations: false)
                return try ctx.emit(Ops.avgPool2d, [x], [
                    "kernel_size": .ints(win.kernel.map(Int64.init)), "stride": .ints(win.strides.map(Int64.init)),
                    "padding": win.paddingAttribute, "ceil_mode": .bool(try ctx.int("ceil_mode", 0) != 0),
                    "count_include_pad": .bool(try ctx.int("count_include_pad", 0) != 0),
                ])
            })]
        },
        OpImporter("GlobalAveragePool", [1, 22]) { ctx in
            let x = try ctx.value(0)
            if x.type.rank == 4 { return [.value(try ctx.emit(Ops.globalAvgPool2d, [x]))] }
            guard x.type.rank >= 3 else { throw ImportError("input must have rank 3 or more") }
            return [.value(try ctx.emit(Ops.mean, [x], ["axes": .ints((2..<x.type.rank).map(Int64.init)), "keepdim": .bool(true)]))]
        },
        OpImporter("GlobalMaxPool", [1, 22]) { ctx in
            let x = try ctx.value(0)
            guard x.type.rank >= 3 else { throw ImportError("input must have rank 3 or more") }
            return [.value(try ctx.emit(Ops.amax, [x], ["axes": .ints((2..<x.type.rank).map(Int64.init)), "keepdim": .bool(true)]))]
        },
    ]
}
