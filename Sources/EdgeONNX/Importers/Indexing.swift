import EdgeIR
import EdgeKernels
import Foundation

/// One axis of an ONNX Slice, normalized against a static dim size when known.
struct SliceAxis {
    var axis: Int
    var start: Int
    var end: Int
    var step: Int
}

extension ONNXOps {
    /// The (axis, start, end, step) list of a Slice node, from attributes (v1) or inputs (v10+).
    static func sliceAxes(_ ctx: NodeContext, rank: Int) throws -> [SliceAxis] {
        let starts: [Int], ends: [Int], axes: [Int], steps: [Int]
        if ctx.version < 10 {
            guard let s = try ctx.ints("starts"), let e = try ctx.ints("ends") else { throw ImportError("needs 'starts' and 'ends'") }
            starts = s; ends = e
            axes = try ctx.ints("axes") ?? Array(0..<s.count)
            steps = Array(repeating: 1, count: s.count)
        } else {
            starts = try ctx.ints(1, "starts"); ends = try ctx.ints(2, "ends")
            axes = ctx.has(3) ? try ctx.ints(3, "axes") : Array(0..<starts.count)
            steps = ctx.has(4) ? try ctx.ints(4, "steps") : Array(repeating: 1, count: starts.count)
        }
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw ImportError("starts, ends, axes and steps must have the same length")
        }
        return try (0..<starts.count).map { i in
            guard steps[i] != 0 else { throw ImportError("step 0 on axis \(axes[i]) is invalid (a slice step must be nonzero)") }
            return SliceAxis(axis: try axis(axes[i], rank: rank), start: starts[i], end: ends[i], step: steps[i])
        }
    }

    /// The indices a slice selects from a dim of `size`, in order (ONNX clamping rules: with a
    /// negative step, start is clamped to [0, size-1] and end to [-1, size-1]).
    static func sliceIndices(_ s: SliceAxis, size: Int) -> [Int] {
        func wrapped(_ i: Int) -> Int { i < 0 ? i &+ size : i }
        if s.step > 0 {
            let a = min(max(wrapped(s.start), 0), size), b = min(max(wrapped(s.end), 0), size)
            return a < b ? Array(stride(from: a, to: b, by: s.step)) : []
        }
        guard size > 0 else { return [] }
        let a = min(max(wrapped(s.start), 0), size - 1), b = min(max(wrapped(s.end), -1), size - 1)
        return a > b ? Array(stride(from: a, to: b, by: s.step)) : []
    }

    /// ONNX pads ([begins..., ends...] over `axes`) as the IR's pad list (last dim first).
    static func atenPads(_ pads: [Int], axes: [Int], rank: Int) throws -> [Int64] {
        guard pads.count == 2 * axes.count else { throw ImportError("pads \(pads) must hold a begin and an end for each of \(axes.count) axes") }
        var begin = [Int](repeating: 0, count: rank), end = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { begin[a] = pads[i]; end[a] = pads[axes.count + i] }
        guard let first = (0..<rank).first(where: { begin[$0] != 0 || end[$0] != 0 }) else { return [] }
        var out: [Int64] = []
        for d in stride(from: rank - 1, through: first, by: -1) { out += [Int64(begin[d]), Int64(end[d])] }
        return out
    }

    static let indexing: [OpImporter] = [
        // Negative indices wrap (where(i < 0, i + size, i), folded for constant indices), then
        // edge.gather, which like ATen's kernel takes indices in 0..<size.
        OpImporter("GatherElements", [11, 13]) { ctx in
            let data = try ctx.input(0), index = try ctx.input(1)
            let a = try ShapeRules.axis(try ctx.int("axis", 0), rank: max(data.type.rank, 1), what: "axis")
            guard data.type.rank == index.type.rank else {
                throw ImportError("indices \(TypeText.type(index.type)) must have the rank of data \(TypeText.type(data.type))")
            }
            guard data.type.rank > 0 else { return [try ctx.apply1(Ops.gather, [data, index], ["dim": .int(0)])] }
            guard let size = data.type.shape[a].value else {
                throw ImportError("GatherElements needs the static size of axis \(a) of \(TypeText.type(data.type)) to wrap negative indices\(ctx.shapeFix(data.type))")
            }
            let element = index.type.element.storage
            let zero = Imported.constant(try ctx.constantTensor([0], element, shape: []))
            let wrapped = try ctx.apply1(Ops.add, [index, .constant(try ctx.constantTensor([Double(size)], element, shape: []))])
            let fixed = try ctx.apply1(Ops.where, [try ctx.apply1(Ops.lt, [index, zero]), wrapped, index])
            return [try ctx.apply1(Ops.gather, [data, fixed], ["dim": .int(Int64(a))])]
        },
        OpImporter("Gather", [1, 11, 13]) { ctx in
            let x = try ctx.input(0)
            let a = try axis(try ctx.int("axis", 0), rank: x.type.rank)
            if let idx = ctx.constant(1), idx.dtype.isIntegral {
                let n = x.type.shape[a].value
                let normalized = try idx.int64s().map { i -> Int64 in
                    guard i >= 0 else {
                        guard let n else { throw ImportError("negative index \(i) on a symbolic dim") }
                        guard i + Int64(n) >= 0 else { throw ImportError("index \(i) is out of range for a dim of size \(n)") }
                        return i + Int64(n)
                    }
                    if let n, i >= n { throw ImportError("index \(i) is out of range for a dim of size \(n)") }
                    return i
                }
                if idx.shape.isEmpty {
                    let s = try ctx.apply1(Ops.slice, [x], ["dim": .int(Int64(a)), "start": .int(normalized[0]), "end": .int(normalized[0] + 1)])
                    return [try ctx.apply1(Ops.squeeze, [s], ["dims": .ints([Int64(a)])])]
                }
                let indexTensor = try Tensor(normalized)
                // Rows of a float initializer (a weight table, e.g. position embeddings picked by
                // constant position ids) stay a gather of the table rather than folding at import:
                // weight passes see the table (quantize-embeddings-int4 quantizes it, then
                // fold-constants picks the quantized rows), and fold-constants folds it otherwise.
                let index: Imported = x.isKnown && !x.isFloatInitializer ? .constant(indexTensor) : .value(try ctx.constantValue(indexTensor, name: ctx.node.input[1]))
                let picked = try ctx.apply1(Ops.indexSelect, [x, index], ["dim": .int(Int64(a))])
                if idx.shape.count == 1 { return [picked] }
                let dims = Array(x.type.shape[..<a]) + idx.shape.map(Dim.known) + Array(x.type.shape[(a + 1)...])
                return [try reshape(ctx, picked, to: dims)]
            }
            // Run-time indices (e.g. token ids into an embedding table); they must be in range.
            let data = try ctx.materialize(x)
            let idx = try ctx.value(1)
            let flat = idx.type.rank == 1 ? idx : try reshape(ctx, idx, to: [TensorType(idx.type.element, idx.type.shape).elementCount.map(Dim.known) ?? .unknown])
            let picked = try ctx.emit(Ops.indexSelect, [data, flat], ["dim": .int(Int64(a))])
            if idx.type.rank == 1 { return [.value(picked)] }
            let dims = Array(x.type.shape[..<a]) + idx.type.shape + Array(x.type.shape[(a + 1)...])
            return [.value(try reshape(ctx, picked, to: dims))]
        },
        OpImporter("Slice", [1, 10, 11, 13]) { ctx in
            var y = try ctx.input(0)
            for s in try sliceAxes(ctx, rank: y.type.rank) {
                if s.step < 0 {
                    // Backwards: the positions it picks, gathered (as aten.flip imports).
                    guard let n = y.type.shape[s.axis].value else {
                        throw ImportError("a negative step (\(s.step)) needs the static size of axis \(s.axis), got \(TypeText.type(y.type))\(ctx.shapeFix(y.type))")
                    }
                    let picked = sliceIndices(s, size: n)
                    if picked.isEmpty {
                        y = try ctx.apply1(Ops.slice, [y], ["dim": .int(Int64(s.axis)), "start": .int(0), "end": .int(0), "step": .int(1)])
                    } else {
                        let index = Imported.constant(try ctx.constantTensor(picked.map(Double.init), .i64, shape: [picked.count]))
                        y = try ctx.apply1(Ops.indexSelect, [y, index], ["dim": .int(Int64(s.axis))])
                    }
                    continue
                }
                var (start, end) = (s.start, s.end)
                if let n = y.type.shape[s.axis].value {
                    let picked = sliceIndices(s, size: n)
                    if picked.count == n { continue }
                    start = picked.first ?? 0
                    end = picked.isEmpty ? 0 : picked.last! + 1
                }
                y = try ctx.apply1(Ops.slice, [y], ["dim": .int(Int64(s.axis)), "start": .int(Int64(start)), "end": .int(Int64(end)), "step": .int(Int64(s.step))])
            }
            return [y]
        },
        OpImporter("Split", [2, 11, 13, 18]) { ctx in
            let x = try ctx.input(0)
            let a = try axis(try ctx.int("axis", 0), rank: x.type.rank)
            guard let n = x.type.shape[a].value else { throw ImportError("the split dim must be static, got \(TypeText.type(x.type))") }
            let outputs = ctx.node.output.count
            var sizes: [Int]
            if ctx.version >= 13, ctx.has(1) { sizes = try ctx.ints(1, "split") }
            else if ctx.version < 13, let s = try ctx.ints("split") { sizes = s }
            else if ctx.version >= 18, ctx.hasAttribute("num_outputs") {
                let k = try ctx.int("num_outputs", 1)
                guard k >= 1 else { throw ImportError("num_outputs must be at least 1") }
                let chunk = (n + k - 1) / k
                sizes = (0..<k).map { max(0, min(chunk, n - $0 * chunk)) }
            } else {
                guard outputs >= 1, n % outputs == 0 else { throw ImportError("cannot split \(n) into \(outputs) equal parts") }
                sizes = Array(repeating: n / outputs, count: outputs)
            }
            guard sizes.count == outputs else { throw ImportError("split gives \(sizes.count) parts for \(outputs) outputs") }
            // Folded when the input is known (shape arithmetic splits shape vectors).
            return try ctx.apply(Ops.split, [x], ["dim": .int(Int64(a)), "sizes": .ints(sizes.map(Int64.init))])
        },
        OpImporter("Pad", [2, 11, 13, 18, 19, 21, 23, 24, 25]) { ctx in
            let x = try ctx.value(0)
            let rank = x.type.rank
            var mode = try ctx.string("mode", "constant")
            let pads: [Int], value: Double
            var axes = Array(0..<rank)
            if ctx.version < 11 {
                guard let p = try ctx.ints("pads") else { throw ImportError("needs 'pads'") }
                pads = p
                value = try ctx.float("value", 0)
            } else {
                pads = try ctx.ints(1, "pads")
                value = ctx.has(2) ? try ctx.scalar(2, "constant_value") : 0
                if ctx.version >= 18, ctx.has(3) { axes = try ctx.ints(3, "axes").map { try axis($0, rank: rank) } }
            }
            switch mode {
            case "constant", "reflect": break
            case "edge": mode = "replicate"
            default: throw ctx.unsupported("mode \"\(mode)\"")
            }
            let list = try atenPads(pads, axes: axes, rank: rank)
            if list.isEmpty { return [.value(x)] }
            return [.value(try ctx.emit(Ops.pad, [x], ["pad": .ints(list), "mode": .string(mode), "value": .float(value)]))]
        },
        // The upper (or lower) triangle from diagonal k of the last two dims, the rest zero: a
        // where() with a constant mask (static shapes).
        OpImporter("Trilu", [14]) { ctx in
            let x = try ctx.value(0)
            let k = ctx.has(1) ? try ctx.ints(1, "k").first ?? 0 : 0
            let upper = try ctx.int("upper", 1) != 0
            guard x.type.rank >= 2, let shape = x.type.staticShape else { throw ImportError("Trilu needs a static input of rank 2 or more, got \(TypeText.type(x.type))") }
            let n = shape[shape.count - 2], m = shape[shape.count - 1]
            var mask: [Double] = []
            mask.reserveCapacity(n * m)
            for i in 0..<n { for j in 0..<m { mask.append((upper ? j - i >= k : j - i <= k) ? 1 : 0) } }
            let keep = try ctx.constantValue(try ctx.constantTensor(mask, .bool, shape: [n, m]), name: "trilu_mask")
            return [.value(try ctx.emit(Ops.where, [keep, x, try ctx.scalarValue(0, x.type.element, name: "zero")]))]
        },
    ]
}
