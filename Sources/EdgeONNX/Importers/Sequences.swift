import EdgeIR
import EdgeKernels
import Foundation

/// ONNX sequence and optional operators (https://onnx.ai/onnx/operators/, "Sequence" and
/// "Optional" sections), resolved at import: a sequence is the list of its element values (its
/// length known at compile time), an optional its value or nothing. Positions must be known at
/// import time; the tensors themselves stay run-time values. SequenceMap inlines its body once
/// per element, as Loop unrolls (docs/design.md, "Sequences and optionals").
extension ONNXOps {
    /// Input `i` as a sequence's elements, or an error naming what it is instead.
    static func sequenceInput(_ ctx: NodeContext, _ i: Int) throws -> (items: [Imported], element: ScalarType?) {
        let v = try ctx.anyInput(i)
        guard case .sequence(let items, let element) = v else {
            throw ImportError("input #\(i) \"\(ctx.node.input[i])\" is \(v.kindDescription); \(ctx.node.opType) takes a sequence there")
        }
        return (items, element)
    }

    /// A position input (SequenceAt, SequenceInsert, SequenceErase) as an index into `count`
    /// elements; `extra` allows `count` itself (insertion at the end). Positions are resolved
    /// at import: a position computed at run time is an error naming the input.
    static func position(_ ctx: NodeContext, _ i: Int, count: Int, extra: Bool) throws -> Int {
        guard let c = ctx.constant(i) else {
            throw ImportError("position \"\(ctx.node.input[i])\" must be known at import time: edgec resolves sequences at compile time (a sequence position computed at run time is not supported)")
        }
        guard c.dtype == .i32 || c.dtype == .i64, c.count == 1 else {
            throw ImportError("position \"\(ctx.node.input[i])\" must be one int32 or int64, got \(c.dtype)\(c.shape)")
        }
        let p = Int(c.int64s()[0])
        let upper = extra ? count : count - 1
        guard p >= -count, p <= upper else {
            throw ImportError("position \(p) is out of range for a sequence of \(count) element\(count == 1 ? "" : "s") (allowed \(-count)...\(upper))")
        }
        return p < 0 ? p + count : p
    }

    /// The element type of a new sequence of `items`, checked to agree.
    static func commonElement(_ items: [Imported], _ what: String) throws -> ScalarType? {
        var element: ScalarType?
        for (k, item) in items.enumerated() {
            guard item.isTensor, case .scalar(let s) = item.type.element else { continue }
            if let e = element, e != s { throw ImportError("\(what) #\(k) is \(s), the sequence holds \(e)") }
            element = s
        }
        return element
    }

    /// A tensor given to a sequence op, checked against the sequence's element type.
    static func tensorFor(_ ctx: NodeContext, _ i: Int, element: ScalarType?) throws -> Imported {
        let t = try ctx.input(i)
        if let element, case .scalar(let s) = t.type.element, s != element {
            throw ImportError("input \"\(ctx.node.input[i])\" is \(s), but the sequence holds \(element)")
        }
        return t
    }

    /// The element type named by a `dtype` attribute (SequenceEmpty), float by default.
    static func dtypeAttribute(_ ctx: NodeContext) throws -> ScalarType {
        let code = try ctx.int("dtype", Int(Onnx_TensorProto.DataType.float.rawValue))
        return try ONNXType.require(Int32(code), "dtype")
    }

    static let sequences: [OpImporter] = [
        OpImporter("SequenceEmpty", [11]) { ctx in
            [.sequence([], element: try dtypeAttribute(ctx))]
        },
        OpImporter("SequenceConstruct", [11]) { ctx in
            guard ctx.inputCount >= 1 else { throw ImportError("needs at least one input") }
            let items = try (0..<ctx.inputCount).map { try ctx.input($0) }
            return [.sequence(items, element: try commonElement(items, "input"))]
        },
        OpImporter("SequenceLength", [11]) { ctx in
            let (items, _) = try sequenceInput(ctx, 0)
            return [.constant(try Tensor([Int64(items.count)], shape: []))]
        },
        OpImporter("SequenceAt", [11]) { ctx in
            let (items, _) = try sequenceInput(ctx, 0)
            guard !items.isEmpty else { throw ImportError("reads from an empty sequence") }
            return [items[try position(ctx, 1, count: items.count, extra: false)]]
        },
        OpImporter("SequenceInsert", [11]) { ctx in
            var (items, element) = try sequenceInput(ctx, 0)
            let t = try tensorFor(ctx, 1, element: element)
            let at = ctx.has(2) ? try position(ctx, 2, count: items.count, extra: true) : items.count
            items.insert(t, at: at)
            if element == nil, case .scalar(let s) = t.type.element { element = s }
            return [.sequence(items, element: element)]
        },
        OpImporter("SequenceErase", [11]) { ctx in
            var (items, element) = try sequenceInput(ctx, 0)
            guard !items.isEmpty else { throw ImportError("erases from an empty sequence") }
            let at = ctx.has(1) ? try position(ctx, 1, count: items.count, extra: false) : items.count - 1
            items.remove(at: at)
            return [.sequence(items, element: element)]
        },
        // SplitToSequence(input, split?; axis, keepdims): one element per split part.
        OpImporter("SplitToSequence", [11, 24]) { ctx in
            let x = try ctx.input(0)
            let rank = x.type.rank
            let a = try axis(try ctx.int("axis", 0), rank: rank)
            guard let n = x.type.shape[a].value else {
                throw ImportError("the split dim must be static, got \(TypeText.type(x.type))\(ctx.shapeFix(x.type))")
            }
            guard case .scalar(let element) = x.type.element else { throw ImportError("takes a tensor of numbers") }
            if !ctx.has(1) {
                // Parts of size 1; keepdims = 0 drops the split axis.
                let keep = try ctx.int("keepdims", 1) != 0
                let parts = n == 0 ? [] : try ctx.apply(Ops.split, [x], ["dim": .int(Int64(a)), "sizes": .ints(Array(repeating: 1, count: n))])
                let items = try parts.map { keep ? $0 : try ctx.apply1(Ops.squeeze, [$0], ["dims": .ints([Int64(a)])]) }
                return [.sequence(items, element: element)]
            }
            guard let s = ctx.constant(1), s.dtype == .i32 || s.dtype == .i64 else {
                throw ImportError("split \"\(ctx.node.input[1])\" must be an integer tensor known at import time: edgec resolves sequences at compile time, and the split sets their length")
            }
            let values = s.int64s().map(Int.init)
            var sizes: [Int]
            if s.shape.isEmpty {
                let chunk = values[0]
                guard chunk > 0 else { throw ImportError("split \(chunk) must be positive") }
                sizes = Array(repeating: chunk, count: n / chunk)
                if n % chunk != 0 { sizes.append(n % chunk) }
            } else {
                sizes = values
                guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == n else {
                    throw ImportError("split \(sizes) must be non-negative and add up to \(n), the size of axis \(a)")
                }
            }
            guard !sizes.isEmpty else { return [.sequence([], element: element)] }
            return [.sequence(try ctx.apply(Ops.split, [x], ["dim": .int(Int64(a)), "sizes": .ints(sizes.map(Int64.init))]), element: element)]
        },
        // ConcatFromSequence(seq; axis, new_axis): concat, or stack along a new axis.
        OpImporter("ConcatFromSequence", [11]) { ctx in
            let (items, _) = try sequenceInput(ctx, 0)
            guard !items.isEmpty else { throw ImportError("concatenates an empty sequence, whose result has no shape") }
            guard items.allSatisfy(\.isTensor) else { throw ImportError("the sequence holds sequences, not tensors") }
            let rank = items[0].type.rank
            let newAxis = try ctx.int("new_axis", 0) != 0
            let a = try axis(try ctx.int("axis", 0), rank: newAxis ? rank + 1 : rank)
            if newAxis { return [try stack(ctx, items, axis: a)] }
            return [items.count == 1 ? items[0] : try ctx.apply1(Ops.concat, items, ["axis": .int(Int64(a))])]
        },
        // SequenceMap(input_sequence, additional_inputs...): the body once per element; sequence
        // inputs give their element, tensors themselves; each body output collects into a sequence.
        OpImporter("SequenceMap", [17]) { ctx in
            let body = try GraphImporter.subgraph(ctx, "body")
            let (first, _) = try sequenceInput(ctx, 0)
            let others = try (1..<max(ctx.inputCount, 1)).map { try ctx.anyInput($0) }
            for (k, o) in others.enumerated() {
                if case .sequence(let items, _) = o, items.count != first.count {
                    throw ImportError("input #\(k + 1) \"\(ctx.node.input[k + 1])\" has \(items.count) elements, the input sequence \(first.count)")
                }
                if case .optional = o { throw ImportError("input #\(k + 1) is \(o.kindDescription); SequenceMap takes tensors and sequences") }
            }
            guard first.count <= maxUnrolledSteps else { throw tooManySteps("the sequence map runs \(first.count) iterations,") }
            var collected = [[Imported]](repeating: [], count: body.output.count)
            for i in 0..<first.count {
                let inputs = [first[i]] + others.map { o -> Imported in
                    if case .sequence(let items, _) = o { return items[i] }
                    return o
                }
                let outs = try ctx.graph.inlineSubgraph(body, inputs: inputs, what: "body (element \(i))")
                for k in outs.indices { collected[k].append(outs[k]) }
            }
            return try collected.enumerated().map { k, items in
                let declared = body.output[k].type
                let element: ScalarType? = declared.isTensor && declared.tensorType.elemType != 0
                    ? try ONNXType.require(declared.tensorType.elemType, "body output \"\(body.output[k].name)\"") : nil
                return .sequence(items, element: try commonElement(items, "element") ?? element)
            }
        },
        // Optional(input?; type): the input wrapped, or an empty optional of `type`.
        OpImporter("Optional", [15, 28]) { ctx in
            if ctx.has(0) { return [.optional(try ctx.anyInput(0))] }
            guard ctx.hasAttribute("type") else { throw ImportError("an Optional without an input needs the 'type' attribute") }
            return [.optional(nil)]
        },
        // OptionalHasElement(input?): opset 18 also takes tensors and sequences (true) and no
        // input (false).
        OpImporter("OptionalHasElement", [15, 18, 28]) { ctx in
            let has: Bool
            if !ctx.has(0) {
                guard ctx.version >= 18 else { throw ImportError("input #0 is required before opset 18") }
                has = false
            } else {
                switch try ctx.anyInput(0) {
                case .optional(let v): has = v != nil
                case let other:
                    guard ctx.version >= 18 else { throw ImportError("input #0 is \(other.kindDescription); before opset 18 it must be an optional") }
                    has = true
                }
            }
            return [.constant(try Tensor([has], shape: []))]
        },
        // OptionalGetElement(input): the value of an optional (opset 18: a tensor or sequence as is).
        OpImporter("OptionalGetElement", [15, 18, 28]) { ctx in
            switch try ctx.anyInput(0) {
            case .optional(let v?): return [v]
            case .optional(nil):
                throw ImportError("input \"\(ctx.node.input[0])\" is an empty optional, which has no element to get")
            case let other:
                guard ctx.version >= 18 else { throw ImportError("input #0 is \(other.kindDescription); before opset 18 it must be an optional") }
                return [other]
            }
        },
    ]
}
