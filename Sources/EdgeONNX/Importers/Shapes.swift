import EdgeIR
import EdgeKernels
import Foundation

extension ONNXOps {
    /// Normalizes Flatten's axis, which ranges over -rank...rank.
    static func flattenAxis(_ axis: Int, rank: Int) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a <= rank else { throw ImportError("axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// Normalizes `axis` against `rank`, or fails naming it.
    static func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw ImportError("\(what) \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// ONNX Reshape's target as dims: 0 copies the input dim (unless allowzero), -1 is inferred.
    static func reshapeTarget(_ input: [Dim], _ spec: [Int], allowZero: Bool) throws -> [Dim] {
        guard spec.filter({ $0 == -1 }).count <= 1 else { throw ImportError("shape \(spec) has more than one -1") }
        var out: [Dim] = []
        for (i, s) in spec.enumerated() {
            switch s {
            case 0 where !allowZero:
                guard i < input.count else { throw ImportError("shape \(spec) copies dim \(i) (0), but the input has rank \(input.count)") }
                out.append(input[i])
            case -1: out.append(.unknown)
            default:
                guard s >= 0 else { throw ImportError("shape \(spec) has a negative size") }
                out.append(.known(s))
            }
        }
        if let hole = out.firstIndex(of: .unknown), spec[hole] == -1, let total = TensorType(.f32, input).elementCount {
            let known = out.enumerated().filter { $0.offset != hole }.map { $0.element.value }
            if known.allSatisfy({ $0 != nil }) {
                let k = checkedProduct(known.map { $0! }) ?? 0
                guard k != 0, total % k == 0 else { throw ImportError("cannot reshape \(total) elements into \(spec)") }
                out[hole] = .known(total / k)
            }
        } else if let hole = out.firstIndex(of: .unknown), spec[hole] == -1 {
            // The inferred entry is the input's one named symbol when the known sizes keep their
            // product (edge.reshape infers the same; a bounded batch through a head split and back).
            let symbols = input.filter { $0.value == nil }, known = out.enumerated().filter { $0.offset != hole }.map { $0.element.value }
            if symbols.count == 1, symbols[0] != .unknown, known.allSatisfy({ $0 != nil }),
               checkedProduct(input.compactMap(\.value)) == checkedProduct(known.map { $0! }) {
                out[hole] = symbols[0]
            }
        }
        return out
    }

    /// Reshapes `x` to `dims` (at most one dim may be non-static); folded when `x` is known.
    static func reshape(_ ctx: NodeContext, _ x: Imported, to dims: [Dim]) throws -> Imported {
        if x.type.shape == dims { return x }
        let dynamic = dims.indices.filter { dims[$0].value == nil }
        guard dynamic.count <= 1 else {
            throw ImportError("reshaping \(TypeText.type(x.type)) to \(ShapeRules.describe(dims)) needs more than one dynamic dim\(ctx.shapeFix(x.type))")
        }
        let spec = dims.map { Int64($0.value ?? -1) }
        return try ctx.apply1(Ops.reshape, [x], ["shape": .ints(spec)], resultTypes: [TensorType(x.type.element, dims)])
    }

    /// Emits a reshape of the IR value `x` to `dims`.
    static func reshape(_ ctx: NodeContext, _ x: Value, to dims: [Dim]) throws -> Value {
        try ctx.materialize(try reshape(ctx, .value(x), to: dims))
    }

    /// Unsqueeze's result dims for normalized `axes` (positions in the result).
    static func unsqueezed(_ shape: [Dim], axes raw: [Int]) throws -> [Dim] {
        let rank = shape.count + raw.count
        let axes = try raw.map { try axis($0, rank: rank) }.sorted()
        guard Set(axes).count == axes.count else { throw ImportError("axes \(raw) repeat an axis") }
        var out = shape
        for a in axes { out.insert(1, at: a) }
        return out
    }

    /// Squeeze's result dims; nil axes remove every dim of size 1.
    static func squeezed(_ shape: [Dim], axes raw: [Int]?) throws -> (dims: [Dim], axes: [Int]) {
        let axes: [Int]
        if let raw {
            axes = try raw.map { try axis($0, rank: shape.count) }
            for a in axes { if let v = shape[a].value, v != 1 { throw ImportError("cannot squeeze axis \(a) of size \(v)") } }
        } else {
            guard shape.allSatisfy({ $0.value != nil }) else { throw ImportError("Squeeze without axes needs a static shape, got \(ShapeRules.describe(shape))") }
            axes = shape.indices.filter { shape[$0] == .known(1) }
        }
        return (shape.indices.filter { !axes.contains($0) }.map { shape[$0] }, axes)
    }

    static func squeezeAxes(_ ctx: NodeContext) throws -> [Int]? {
        ctx.version >= 13 ? (ctx.has(1) ? try ctx.ints(1, "axes") : nil) : try ctx.ints("axes")
    }

    static func unsqueezeAxes(_ ctx: NodeContext) throws -> [Int] {
        guard let axes = ctx.version >= 13 ? try ctx.ints(1, "axes") : try ctx.ints("axes") else { throw ImportError("needs 'axes'") }
        return axes
    }

    /// The static shape of input `i` for Shape/Size, with a hint when it is symbolic.
    static func shapeOf(_ ctx: NodeContext) throws -> [Int] {
        try ctx.staticShape(0, for: "\(ctx.node.opType) (edgec resolves shape computations at import time)")
    }

    static let shapes: [OpImporter] = [
        OpImporter("Constant", [1, 9, 11, 12, 13, 19, 21, 23, 24, 25]) { ctx in
            guard let a = ctx.onlyAttribute else { throw ImportError("needs exactly one value attribute, has \(ctx.node.attribute.count)") }
            switch a.name {
            case "value": return [.constant(try ctx.tensor("value")!)]
            case "value_float": return [.constant(try Tensor([Float(try ctx.float("value_float", 0))], shape: []))]
            case "value_floats": return [.constant(try Tensor(a.floats))]
            case "value_int": return [.constant(try Tensor([Int64(try ctx.int("value_int", 0))], shape: []))]
            case "value_ints": return [.constant(try Tensor(try ctx.ints("value_ints")!.map(Int64.init)))]
            default: throw ImportError("'\(a.name)' constants are not supported")
            }
        },
        // Shape and Size read the static shape of their input (never its values).
        OpImporter("Shape", [1, 13, 15, 19, 21, 23, 24, 25]) { ctx in
            let dims = try shapeOf(ctx)
            let r = dims.count
            func clampIndex(_ i: Int) -> Int { min(max(i < 0 ? i + r : i, 0), r) }
            let start = ctx.version >= 15 ? clampIndex(try ctx.int("start", 0)) : 0
            let end = ctx.version >= 15 ? clampIndex(try ctx.int("end", r)) : r
            return [.constant(try Tensor(dims[start..<max(start, end)].map(Int64.init)))]
        },
        OpImporter("Size", [1, 13, 19, 21, 23, 24, 25]) { ctx in
            [.constant(try Tensor([Int64(checkedProduct(try shapeOf(ctx)) ?? 0)], shape: []))]
        },
        OpImporter("Reshape", [5, 13, 14, 19, 21, 23, 24, 25]) { ctx in
            let x = try ctx.input(0)
            let dims = try reshapeTarget(x.type.shape, try ctx.ints(1, "shape"), allowZero: try ctx.int("allowzero", 0) != 0)
            return [try reshape(ctx, x, to: dims)]
        },
        OpImporter("Flatten", [1, 9, 11, 13, 21, 23, 24, 25]) { ctx in
            let x = try ctx.input(0)
            let a = try flattenAxis(try ctx.int("axis", 1), rank: x.type.rank)
            if a == 1, x.type.rank >= 2 { return [try ctx.apply1(Ops.flatten, [x], ["start_dim": .int(1), "end_dim": .int(-1)])] }
            func product(_ dims: ArraySlice<Dim>) -> Dim {
                dims.reduce(Dim.known(1)) { acc, d in
                    if let a = acc.value, let b = d.value { return .known(a * b) }
                    return dims.count == 1 ? d : .unknown
                }
            }
            return [try reshape(ctx, x, to: [product(x.type.shape[..<a]), product(x.type.shape[a...])])]
        },
        OpImporter("Transpose", [1, 13, 21, 23, 24, 25]) { ctx in
            let x = try ctx.input(0)
            let perm = try ctx.ints("perm") ?? Array((0..<x.type.rank).reversed())
            if perm == Array(0..<x.type.rank) { return [x] }
            // Folded when x is known (pads and shapes computed from constants, as in silero-vad).
            return [try ctx.apply1(Ops.permute, [x], ["dims": .ints(perm.map(Int64.init))])]
        },
        OpImporter("Squeeze", [1, 11, 13, 21, 23, 24, 25]) { ctx in
            let x = try ctx.input(0)
            let (_, axes) = try squeezed(x.type.shape, axes: try squeezeAxes(ctx))
            if axes.isEmpty { return [x] }
            return [try ctx.apply1(Ops.squeeze, [x], ["dims": .ints(axes.map(Int64.init))])]
        },
        OpImporter("Unsqueeze", [1, 11, 13, 21, 23, 24, 25]) { ctx in
            let x = try ctx.input(0)
            let raw = try unsqueezeAxes(ctx)
            let dims = try unsqueezed(x.type.shape, axes: raw)
            if raw.count > 1, dims.staticValues != nil { return [try reshape(ctx, x, to: dims)] }
            var y = x
            for a in try raw.map({ try axis($0, rank: dims.count) }).sorted() {
                y = try ctx.apply1(Ops.unsqueeze, [y], ["dim": .int(Int64(a))])
            }
            return [y]
        },
        OpImporter("Concat", [4, 11, 13]) { ctx in
            guard ctx.hasAttribute("axis") else { throw ImportError("needs 'axis'") }
            // Empty tensors (a dim of size 0) add nothing; torch exports use them as placeholders.
            var inputs = try (0..<ctx.inputCount).filter { ctx.has($0) }.map { try ctx.input($0) }
            let a = try axis(try ctx.int("axis", 0), rank: inputs.first?.type.rank ?? 0)
            let nonEmpty = inputs.filter { $0.type.shape.count <= a || $0.type.shape[a] != .known(0) }
            if !nonEmpty.isEmpty { inputs = nonEmpty }
            if inputs.count == 1 { return [inputs[0]] }
            return [try ctx.apply1(Ops.concat, inputs, ["axis": .int(Int64(a))])]
        },
        OpImporter("Expand", [8, 13]) { ctx in
            let x = try ctx.input(0)
            let target = try ctx.ints(1, "shape")
            let dims: [Dim]
            do throws(OpError) {
                dims = try ShapeRules.broadcast(x.type.shape, target.map(Dim.known))
            } catch {
                throw ImportError("cannot expand \(TypeText.type(x.type)) to \(target): \(error.message)")
            }
            if dims == x.type.shape { return [x] }
            let lead = dims.count - x.type.rank
            let spec: [Int64] = dims.enumerated().map { i, d in
                if let v = d.value { return Int64(v) }
                return i >= lead ? -1 : 1
            }
            guard !spec.prefix(lead).contains(-1) else { throw ImportError("cannot expand to a symbolic leading dim") }
            return [try ctx.apply1(Ops.expand, [x], ["shape": .ints(spec)], resultTypes: [TensorType(x.type.element, dims)])]
        },
        OpImporter("Tile", [6, 13]) { ctx in
            let x = try ctx.value(0)
            let repeats = try ctx.ints(1, "repeats")
            guard repeats.count == x.type.rank else { throw ImportError("repeats \(repeats) must have one entry per input dim (\(x.type.rank))") }
            return [.value(try ctx.emit(Ops.repeat, [x], ["repeats": .ints(repeats.map(Int64.init))]))]
        },
        OpImporter("ConstantOfShape", [9, 20, 21, 23, 24, 25]) { ctx in
            let shape = try ctx.ints(0, "shape")
            guard checkedProduct(shape) != nil else { throw ImportError("shape \(shape) is negative or overflows") }
            let fill = try ctx.tensor("value") ?? Tensor(zeros: [1], dtype: .f32)
            guard fill.count == 1 else { throw ImportError("'value' must hold one element, has \(fill.count)") }
            // Small fills feed shape computations and fold; large ones (weights of test models) stay edge.full.
            return [try ctx.apply1(Ops.full, [], ["shape": .ints(shape.map(Int64.init)), "value": .float(fill.doubles()[0]), "dtype": .string(fill.dtype.rawValue)],
                                   foldLimit: 4096)]
        },
        // Range has no Edge IR op: its (constant) inputs give the tensor at import time.
        OpImporter("Range", [11, 27]) { ctx in
            guard let s = ctx.constant(0), let l = ctx.constant(1), let d = ctx.constant(2), s.count == 1, l.count == 1, d.count == 1 else {
                throw ImportError("start, limit and delta must be constants known at import time")
            }
            let start = s.doubles()[0], limit = l.doubles()[0], delta = d.doubles()[0]
            guard delta != 0 else { throw ImportError("delta is 0") }
            let steps = ((limit - start) / delta).rounded(.up)
            guard steps.isFinite, steps <= Double(foldLimit) else { throw ImportError("a range of \(steps) elements is too large to build at import time") }
            let n = max(Int(steps), 0)
            return [.constant(try ctx.constantTensor((0..<n).map { start + Double($0) * delta }, s.dtype, shape: [n]))]
        },
    ]
}
