import EdgeIR
import EdgeKernels

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
            out = [try outputCount((Double(h) * scales[2]).rounded(.down), axis: 2), try outputCount((Double(w) * scales[3]).rounded(.down), axis: 3)]
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
            let x = try ctx.value(0)
            let rank = x.type.rank
            let axes = ctx.version >= 18 ? try ctx.ints("axes").map { try $0.map { try axis($0, rank: rank) } } : nil
            let sizes = ctx.has(3) ? try ctx.ints(3, "sizes") : nil
            let spec = ResizeSpec(
                mode: try ctx.string("mode", "nearest"),
                transform: try ctx.string("coordinate_transformation_mode", "half_pixel"),
                nearestMode: try ctx.string("nearest_mode", "round_prefer_floor"),
                cubicA: try ctx.float("cubic_coeff_a", -0.75),
                excludeOutside: try ctx.int("exclude_outside", 0) != 0,
                extrapolation: try ctx.float("extrapolation_value", 0),
                antialias: ctx.version >= 18 ? try ctx.int("antialias", 0) != 0 : false,
                keepAspectRatio: ctx.version >= 18 ? try ctx.string("keep_aspect_ratio_policy", "stretch") : "stretch")
            let scales = sizes == nil ? try floats(ctx, 2, "scales") : nil
            let roi = spec.transform == "tf_crop_and_resize" ? try floats(ctx, 1, "roi") : nil
            // ATen's kernels where they compute exactly ONNX's result (4-D, H and W, the output
            // size an exact multiple of the scale); the general decomposition otherwise.
            if axes == nil || axes == [2, 3], let fast = try resizeWithATen(ctx, x, spec, axes: axes, scales: scales, sizes: sizes) { return [.value(fast)] }
            return [.value(try resizeAlongAxes(ctx, x, spec, axes: axes, scales: scales, sizes: sizes, roi: roi))]
        },
        OpImporter("Upsample", [7, 9]) { ctx in
            let scales = ctx.version >= 9 ? try floats(ctx, 1, "scales") : try ctx.floats("scales")
            return [.value(try resize2d(ctx, mode: try ctx.string("mode", "nearest"), transform: "asymmetric", nearestMode: "floor", scales: scales, sizes: nil))]
        },
    ]

    /// The aten fast path: nearest (asymmetric + floor) and bilinear (half_pixel with an output
    /// larger than 1, align_corners) of H and W when the output is the input times the scale
    /// exactly (ATen derives its scale from the sizes) and nothing else is resized. Nil when the
    /// case is not one of those.
    static func resizeWithATen(_ ctx: NodeContext, _ x: Value, _ spec: ResizeSpec, axes: [Int]?, scales: [Double]?, sizes: [Int]?) throws -> Value? {
        guard x.type.rank == 4, let shape = x.type.staticShape, !spec.antialias, spec.keepAspectRatio == "stretch" else { return nil }
        let full: [Double]
        if let sizes {
            let list = axes == nil ? sizes : [shape[0], shape[1]] + sizes
            guard list.count == 4 else { return nil }
            full = (0 ..< 4).map { Double(list[$0]) / Double(shape[$0]) }
        } else if let scales {
            let list = axes == nil ? scales : [1, 1] + scales
            guard list.count == 4 else { return nil }
            full = list
        } else {
            return nil
        }
        guard full[0] == 1, full[1] == 1 else { return nil }
        let out = try (2 ..< 4).map { try outputCount((Double(shape[$0]) * full[$0]).rounded(.down), axis: $0) }
        guard (0 ..< 2).allSatisfy({ Double(out[$0]) == Double(shape[2 + $0]) * full[2 + $0] }), out.allSatisfy({ $0 > 1 }) else { return nil }
        let size = Attribute.ints(out.map(Int64.init))
        switch (spec.mode, spec.transform) {
        case ("nearest", "asymmetric") where spec.nearestMode == "floor":
            return try ctx.emit(Ops.upsampleNearest2d, [x], ["size": size])
        case ("linear", "half_pixel"), ("linear", "pytorch_half_pixel"):
            guard x.type.element.storage.isFloatingPoint, out[0] >= shape[2], out[1] >= shape[3] else { return nil }
            return try ctx.emit(Ops.upsampleBilinear2d, [x], ["size": size, "align_corners": .bool(false)])
        case ("linear", "align_corners"):
            guard x.type.element.storage.isFloatingPoint else { return nil }
            return try ctx.emit(Ops.upsampleBilinear2d, [x], ["size": size, "align_corners": .bool(true)])
        default:
            return nil
        }
    }

    /// ONNX Resize as one resampling per resized axis (separable, as ONNX's reference computes
    /// it): nearest picks a source index per output position (`edge.index_select`); linear and
    /// cubic multiply by a constant [in, out] interpolation matrix with the axis moved last
    /// (`edge.matmul`), tf_crop_and_resize's outside positions replaced by the extrapolation value.
    /// An output length computed in floating point (scale × input), truncated as ONNX does; an
    /// error, not a trap, when it is not a finite count (a scale of inf or 1e38).
    static func outputCount(_ v: Double, axis: Int) throws -> Int {
        guard v.isFinite, v >= 0, v < 0x1p53 else { throw ImportError("Resize's output along axis \(axis) would have \(v) elements") }
        return Int(v)
    }

    static func resizeAlongAxes(_ ctx: NodeContext, _ x: Value, _ spec: ResizeSpec, axes given: [Int]?, scales: [Double]?, sizes: [Int]?, roi: [Double]?) throws -> Value {
        guard let shape = x.type.staticShape else { throw ImportError("Resize needs a static input shape, got \(TypeText.type(x.type))\(ctx.shapeFix(x.type))") }
        let rank = shape.count
        let axes = given ?? Array(0 ..< rank)
        guard Set(axes).count == axes.count else { throw ImportError("Resize's axes \(axes) repeat an axis") }
        var factor = [Double](repeating: 1, count: rank), out = shape
        if let sizes {
            guard sizes.count == axes.count else { throw ImportError("sizes \(sizes) must have one entry per resized axis (\(axes.count))") }
            for (i, a) in axes.enumerated() { factor[a] = Double(sizes[i]) / Double(shape[a]); out[a] = sizes[i] }
            if spec.keepAspectRatio != "stretch" {
                let chosen = axes.map { factor[$0] }
                guard let s = spec.keepAspectRatio == "not_larger" ? chosen.min() : spec.keepAspectRatio == "not_smaller" ? chosen.max() : nil else {
                    throw ctx.unsupported("keep_aspect_ratio_policy \"\(spec.keepAspectRatio)\"")
                }
                for a in axes { factor[a] = s; out[a] = try outputCount(s * Double(shape[a]) + 0.5, axis: a) }
            }
        } else if let scales {
            guard scales.count == axes.count else { throw ImportError("scales \(scales) must have one entry per resized axis (\(axes.count))") }
            for (i, a) in axes.enumerated() {
                guard scales[i] > 0 else { throw ImportError("scales \(scales) must be positive") }
                factor[a] = scales[i]
                out[a] = try outputCount(scales[i] * Double(shape[a]), axis: a)
            }
        } else {
            throw ImportError("Resize needs scales or sizes")
        }
        // The whole output, before any table is built: bounded, and an empty one is a constant
        // (fuzz-onnx, 2026-12-03: a [1, 0, 4 M, 200 k] output spent 10 s building its tables).
        var total = 1, overflow = false
        for n in out where !overflow { (total, overflow) = total.multipliedReportingOverflow(by: n) }
        guard !overflow, total <= ResizeTaps.maxOutputElements else {
            throw ImportError("Resize to \(out) would have \(overflow ? "more than \(Int.max)" : "\(total)") elements; edgec compiles resizes of at most \(ResizeTaps.maxOutputElements) output elements")
        }
        if total == 0 {
            let element = x.type.element.storage
            return try ctx.constantValue(try Tensor(bytes: [], dtype: element, shape: out), name: "resize_empty")
        }
        var region: [(Double, Double)?] = Array(repeating: nil, count: rank)
        if spec.transform == "tf_crop_and_resize" {
            guard let roi, roi.count == 2 * axes.count else { throw ImportError("tf_crop_and_resize needs roi with a start and an end per resized axis") }
            for (i, a) in axes.enumerated() { region[a] = (roi[i], roi[axes.count + i]) }
        }
        let element = x.type.element.storage
        var y = x
        for a in axes {
            if Swift.abs(factor[a] - 1) < 1e-12, out[a] == shape[a], region[a].map({ $0.0 == 0 && $0.1 == 1 }) ?? true { continue }
            // The taps are built at import (an index table of out[a] entries, or an
            // [input, output] weight matrix): bounded here, before any of it is allocated.
            guard out[a] >= 0, out[a] <= ResizeTaps.maxOutput else {
                throw ImportError("Resize along axis \(a) from \(shape[a]) to \(out[a]) elements: edgec builds resize tables of at most \(ResizeTaps.maxOutput) positions per axis")
            }
            if spec.mode != "nearest" {
                let (cells, overflow) = shape[a].multipliedReportingOverflow(by: out[a])
                guard !overflow, cells <= ResizeTaps.maxMatrix else {
                    throw ImportError("Resize along axis \(a) from \(shape[a]) to \(out[a]) elements would need a \(shape[a])×\(out[a]) weight matrix; edgec builds at most \(ResizeTaps.maxMatrix) entries")
                }
            }
            let taps: ResizeTaps
            do { taps = try ResizeTaps(spec, input: shape[a], output: out[a], scale: factor[a], roi: region[a]) } catch let error as ResizeTaps.Failure {
                throw ImportError("Resize: \(error.message)")
            }
            if spec.mode == "nearest" {
                let picked = try ctx.constantValue(try Tensor(taps.nearest().map(Int64.init)), name: "resize_index")
                y = try ctx.emit(Ops.indexSelect, [y, picked], ["dim": .int(Int64(a))])
            } else {
                guard element.isFloatingPoint else { throw ctx.unsupported("\(spec.mode) resize of \(TypeText.type(x.type)) (floating-point inputs only)") }
                let last = y.type.rank - 1
                var order = Array(0 ... last)
                order.swapAt(a, last)
                let moved = a == last ? y : try ctx.emit(Ops.permute, [y], ["dims": .ints(order.map(Int64.init))])
                let matrix = try ctx.constantValue(try ctx.constantTensor(taps.matrix(), element, shape: [shape[a], out[a]]), name: "resize_weights")
                var r = try ctx.emit(Ops.matmul, [moved, matrix])
                if taps.extrapolated.contains(true) {
                    let mask = try ctx.constantValue(try ctx.constantTensor(taps.extrapolated.map { $0 ? 1 : 0 }, .bool, shape: [out[a]]), name: "resize_outside")
                    r = try ctx.emit(Ops.where, [mask, try ctx.scalarValue(spec.extrapolation, x.type.element, name: "extrapolation_value"), r])
                }
                y = a == last ? r : try ctx.emit(Ops.permute, [r], ["dims": .ints(order.map(Int64.init))])
            }
        }
        return y
    }
}

/// The attributes of an ONNX Resize (opset 11+) that decide its sampling.
struct ResizeSpec {
    var mode: String
    var transform: String
    var nearestMode: String
    var cubicA: Double
    var excludeOutside: Bool
    var extrapolation: Double
    var antialias: Bool
    var keepAspectRatio: String
}

/// The source taps of a 1-D resize along one axis, as ONNX's reference computes them: per output
/// position, n source indices (clamped into the input) and their coefficients, and whether the
/// position lies outside tf_crop_and_resize's region.
struct ResizeTaps {
    struct Failure: Error { let message: String }

    /// The most output positions along one axis (4 M: an 8K image's axis is 8 K, a minute of
    /// 48 kHz audio 2.9 M) and the most entries of one linear/cubic weight matrix (32 M: a
    /// 2160 → 4320 upscale takes 9.3 M) the importer builds.
    static let maxOutput = 1 << 22
    static let maxMatrix = 1 << 25
    /// The most elements a resize's whole output may have (2 G: 8 GB of f32).
    static let maxOutputElements = 1 << 31

    let input: Int
    /// Taps per output position (the same for every position of one resize).
    private(set) var width = 0
    /// Output position j's source indices and coefficients are entries j·width ..< (j+1)·width
    /// (flat: one array for the table, not one per position).
    var indices: [Int] = []
    var coefficients: [Double] = []
    var extrapolated: [Bool] = []

    init(_ spec: ResizeSpec, input: Int, output: Int, scale: Double, roi: (Double, Double)?) throws {
        self.input = input
        let width = scale * Double(input)
        indices.reserveCapacity(2 * output)
        coefficients.reserveCapacity(2 * output)
        extrapolated.reserveCapacity(output)
        for y in 0 ..< output {
            let v = Double(y)
            var x: Double
            var outside = false
            switch spec.transform {
            case "align_corners": x = width == 1 ? 0 : v * Double(input - 1) / (width - 1)
            case "asymmetric": x = v / scale
            case "tf_crop_and_resize":
                guard let (lo, hi) = roi else { throw Failure(message: "tf_crop_and_resize needs roi") }
                x = (width == 1 ? (hi - lo) * Double(input - 1) / 2 : v * (hi - lo) * Double(input - 1) / (width - 1)) + lo * Double(input - 1)
                outside = x < 0 || x > Double(input - 1)
            case "pytorch_half_pixel": x = width == 1 ? -0.5 : (v + 0.5) / scale - 0.5
            case "half_pixel": x = (v + 0.5) / scale - 0.5
            case "half_pixel_symmetric":
                let adjustment = Double(output) / width, center = Double(input) / 2
                x = center * (1 - adjustment) + (v + 0.5) / scale - 0.5
            default: throw Failure(message: "coordinate_transformation_mode \"\(spec.transform)\" is not supported")
            }
            guard x.isFinite, Swift.abs(x) < 0x1p52 else {
                throw Failure(message: "output position \(y) maps to the source coordinate \(x) (roi \(roi.map { "[\($0.0), \($0.1)]" } ?? "none"))")
            }
            let whole = x.rounded(.down)
            let ratio = x == whole ? 1 : x - whole
            var c = try Self.coefficients(spec, ratio: ratio, scale: scale)
            let n = c.count
            let pad = (n + 1) / 2
            let padded = x + Double(pad)
            let p = Int(padded.rounded(.down))
            let frac = padded - Double(p)
            let offset = n % 2 == 0 ? (frac == 0 ? -(n / 2) : -(n / 2) + 1) : (frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1)
            let first = p + offset - pad
            if spec.excludeOutside {
                for t in 0 ..< n where first + t < 0 || first + t >= input { c[t] = 0 }
                let total = c.reduce(0, +)
                if total != 0 { for t in 0 ..< n { c[t] /= total } }
            }
            if y == 0 { self.width = n }
            guard n == self.width else { throw Failure(message: "output position \(y) has \(n) taps, position 0 \(self.width)") }
            for t in 0 ..< n { indices.append(Swift.min(Swift.max(first + t, 0), input - 1)) }
            coefficients.append(contentsOf: c)
            extrapolated.append(outside)
        }
    }

    static func coefficients(_ spec: ResizeSpec, ratio r: Double, scale: Double) throws -> [Double] {
        switch spec.mode {
        case "nearest":
            if r == 1 { return [0, 1] }
            switch spec.nearestMode {
            case "round_prefer_floor": return r <= 0.5 ? [1, 0] : [0, 1]
            case "round_prefer_ceil": return r < 0.5 ? [1, 0] : [0, 1]
            case "floor": return [1, 0]
            case "ceil": return [0, 1]
            default: throw Failure(message: "nearest_mode \"\(spec.nearestMode)\" is not supported")
            }
        case "linear":
            guard spec.antialias else { return [1 - r, r] }
            let s = Swift.min(scale, 1)
            guard s >= 1 / Double(maxOutput) else { throw Failure(message: "an antialiased downscale by \(scale) would need \(2 / s) taps per output") }
            let start = Int((-1 / s).rounded(.down)) + 1
            let c = (start ..< (start + 2 - 2 * start)).map { Swift.min(Swift.max(1 - Swift.abs((Double($0) - r) * s), 0), 1) }
            let total = c.reduce(0, +)
            return c.map { $0 / total }
        case "cubic":
            let a = spec.cubicA
            guard spec.antialias else {
                return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                        ((a + 2) * r - (a + 3)) * r * r + 1,
                        ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
                        ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a]
            }
            let s = Swift.min(scale, 1)
            guard s >= 1 / Double(maxOutput) else { throw Failure(message: "an antialiased downscale by \(scale) would need \(4 / s) taps per output") }
            func k(_ v: Double) -> Double {
                let x = Swift.abs(v)
                if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                return 0
            }
            let start = Int((-2 / s).rounded(.down)) + 1
            let c = (start ..< (2 - start)).map { k(s * (Double($0) - r)) }
            let total = c.reduce(0, +)
            return c.map { $0 / total }
        default:
            throw Failure(message: "resize mode \"\(spec.mode)\" is not supported")
        }
    }

    /// The one source index per output position of a nearest resize (the tap with coefficient 1).
    func nearest() -> [Int] {
        (0 ..< extrapolated.count).map { j in
            let base = j * width
            let t = (0 ..< width).first { coefficients[base + $0] == 1 } ?? (width - 1)
            return indices[base + t]
        }
    }

    /// The [input, output] matrix whose column j holds output j's coefficients at its source
    /// indices (repeated clamped indices add up); zero for extrapolated positions.
    func matrix() -> [Double] {
        let output = extrapolated.count
        var m = [Double](repeating: 0, count: input * output)
        for j in 0 ..< output where !extrapolated[j] {
            for t in 0 ..< width { m[indices[j * width + t] * output + j] += coefficients[j * width + t] }
        }
        return m
    }
}
