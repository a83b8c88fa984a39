import EdgeIR
import EdgeKernels
import Foundation

/// ONNX control flow (https://onnx.ai/onnx/operators/onnx__If.html, onnx__Loop.html,
/// onnx__Scan.html): If inlines the branch its condition selects when the condition is known at
/// import time, and otherwise becomes `edge.if` over two branch functions (``runtimeIf(_:)``);
/// Loop and Scan unroll, one inlined copy of the body per iteration, when the iteration count is
/// known at import time and at most ``ONNXOps/maxUnrolledSteps``; any other Loop without scan
/// outputs becomes `edge.loop` over a body function (``runtimeLoop(_:body:carriedCount:)``),
/// a loop in the plan. Every function stays straight-line (docs/design.md, "Control flow").
extension ONNXOps {
    /// The most iterations a Loop or Scan, or time steps an RNN, GRU or LSTM, is unrolled to.
    static var maxUnrolledSteps: Int { Unrolling.maxSteps }

    /// Stacks `items` along a new axis `axis` (Loop and Scan outputs, recurrent sequences).
    static func stack(_ ctx: NodeContext, _ items: [Imported], axis: Int) throws -> Imported {
        let expanded = try items.map { try ctx.apply1(Ops.unsqueeze, [$0], ["dim": .int(Int64(axis))]) }
        return expanded.count == 1 ? expanded[0] : try ctx.apply1(Ops.concat, expanded, ["axis": .int(Int64(axis))])
    }

    /// Element `index` of `x` along `axis`, with that axis removed.
    static func element(_ ctx: NodeContext, _ x: Imported, axis: Int, _ index: Int) throws -> Imported {
        let slice = try ctx.apply1(Ops.slice, [x], ["dim": .int(Int64(axis)), "start": .int(Int64(index)), "end": .int(Int64(index + 1))])
        return try ctx.apply1(Ops.squeeze, [slice], ["dims": .ints([Int64(axis)])])
    }

    /// A one-element input known at import time as a number, or an error saying it must be.
    static func knownScalar(_ ctx: NodeContext, _ i: Int, _ what: String, why: String) throws -> Double {
        guard let c = ctx.constant(i) else {
            var sources = ""
            if case .value(let v)? = ctx.graph.values[ctx.node.input[i]] {
                let names = graphInputs(feeding: v, in: ctx.graph.function).map { "\"\($0)\"" }
                if !names.isEmpty { sources = "; it depends on the values of graph input\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")), which are not known when compiling" }
            }
            throw ImportError("\(what) \"\(ctx.node.input[i])\" is not a compile-time constant: \(why), so it must be known at import time (a constant, or computed from static shapes)\(sources)")
        }
        guard c.count == 1 else { throw ImportError("\(what) \"\(ctx.node.input[i])\" must have one element, has shape \(c.shape)") }
        return c.doubles()[0]
    }

    /// The graph inputs whose values `v` is computed from (in argument order).
    static func graphInputs(feeding v: Value, in function: Function) -> [String] {
        var seen = Set<ObjectIdentifier>(), found = Set<ObjectIdentifier>(), stack = [v]
        while let x = stack.popLast() {
            guard seen.insert(ObjectIdentifier(x)).inserted else { continue }
            if let op = x.definingOp { stack += op.operands.compactMap { $0 } } else { found.insert(ObjectIdentifier(x)) }
        }
        return function.arguments.enumerated().filter { found.contains(ObjectIdentifier($0.element)) }
            .map { i, a in function.argumentAttributes[i]["name"]?.stringValue ?? a.nameHint ?? "#\(i)" }
    }

    /// The iteration limit as an error, naming what ran too long.
    static func tooManySteps(_ what: String) -> ImportError {
        ImportError(Unrolling.tooLong(what))
    }

    /// Runs Scan's iterations (opset 9 semantics) over `scans` with `states` and returns the
    /// final states and the scan outputs.
    static func unrollScan(_ ctx: NodeContext, body: Onnx_GraphProto, states initial: [Imported], scans: [Imported],
                           inputAxes: [Int], inputReversed: [Bool], outputAxes rawOutputAxes: [Int]?, outputReversed: [Bool]?,
                           what: String = "body") throws -> (states: [Imported], outputs: [Imported]) {
        var length: Int?
        for (j, x) in scans.enumerated() {
            guard inputAxes[j] < x.type.rank, let n = x.type.shape[inputAxes[j]].value else {
                throw ImportError("scan input #\(j) (\(TypeText.type(x.type))) needs a static size along axis \(inputAxes[j]): edgec unrolls Scan at import\(ctx.shapeFix(x.type))")
            }
            if let l = length, l != n { throw ImportError("scan inputs have different lengths (\(l) and \(n))") }
            length = n
        }
        guard let steps = length else { throw ImportError("needs at least one scan input") }
        guard steps > 0 else { throw ImportError("the scan inputs are empty along the scan axis, so the scan outputs' shapes are unknown; edgec does not support empty scans") }
        let outputCount = body.output.count - initial.count
        guard outputCount >= 0 else { throw ImportError("the body has \(body.output.count) outputs, fewer than the \(initial.count) states") }
        if steps > maxUnrolledSteps {
            return try loopScan(ctx, body: body, states: initial, scans: scans, steps: steps, inputAxes: inputAxes, inputReversed: inputReversed,
                                outputAxes: rawOutputAxes, outputReversed: outputReversed, what: what)
        }
        var states = initial
        var collected = [[Imported]](repeating: [], count: outputCount)
        for t in 0..<steps {
            let slices = try scans.indices.map { j in
                try element(ctx, scans[j], axis: inputAxes[j], inputReversed[j] ? steps - 1 - t : t)
            }
            let outs = try ctx.graph.inlineSubgraph(body, inputs: states + slices, what: "\(what) (iteration \(t))")
            states = Array(outs[..<initial.count])
            for k in 0..<outputCount { collected[k].append(outs[initial.count + k]) }
        }
        let outputs = try (0..<outputCount).map { k -> Imported in
            let items = collected[k]
            let rank = items[0].type.rank + 1
            let axis = try ONNXOps.axis(rawOutputAxes.map { k < $0.count ? $0[k] : 0 } ?? 0, rank: rank, "scan_output_axes entry")
            let reversed = outputReversed.map { k < $0.count && $0[k] } ?? false
            return try stack(ctx, reversed ? items.reversed() : items, axis: axis)
        }
        return (states, outputs)
    }

    /// A Scan longer than ``maxUnrolledSteps`` as `edge.loop` (a loop in the plan): the loop
    /// carries the states and one tensor per scan output (zeros, of the whole output's shape);
    /// each iteration selects its element of every scan input (`edge.index_select` at the
    /// counter, or `steps - 1 -` it for a reversed input), runs the body, and writes each scan
    /// output element at its position (`edge.scatter` along the output axis).
    static func loopScan(_ ctx: NodeContext, body: Onnx_GraphProto, states initial: [Imported], scans: [Imported], steps: Int,
                         inputAxes: [Int], inputReversed: [Bool], outputAxes rawOutputAxes: [Int]?, outputReversed: [Bool]?,
                         what: String) throws -> (states: [Imported], outputs: [Imported]) {
        let graph = ctx.graph
        let stateValues = try initial.map { x -> Value in
            guard x.isTensor else { throw ImportError("a Scan state is \(x.kindDescription); a Scan run as a loop carries tensors only") }
            return try ctx.materialize(x)
        }
        let scanValues = try scans.map { try ctx.materialize($0) }
        let n = stateValues.count
        let i64: [Dim] = []
        let last = try ctx.constantValue(try Tensor([Int64(steps - 1)], shape: []), name: "\(ctx.node.name)_last")
        var outputTypes: [TensorType] = []
        let base = ctx.node.name.isEmpty ? "scan" : String(ctx.node.name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        let (function, outer) = try graph.loopFunction(
            argumentTypes: [TensorType(.scalar(.i64), i64), TensorType(.scalar(.bool), i64)] + stateValues.map(\.type) + scanValues.map(\.type),
            argumentNames: ["iteration", "condition"] + body.input.map(\.name).prefix(n) + scans.indices.map { "scan_input_\($0)" }, name: base) { scratch in
            let args = scratch.arguments
            let counter = Imported.value(args[0])
            let states = Array(args[2 ..< 2 + n]), scanArgs = Array(args[(2 + n)...])
            func position(_ reversed: Bool) throws -> Imported {
                let p = reversed ? try ctx.apply1(Ops.sub, [.value(last), counter]) : counter
                return try ctx.apply1(Ops.reshape, [p], ["shape": .ints([1])])
            }
            var elements: [Imported] = []
            for (j, x) in scanArgs.enumerated() {
                let picked = try ctx.apply1(Ops.indexSelect, [.value(x), try position(inputReversed[j])], ["dim": .int(Int64(inputAxes[j]))])
                elements.append(try ctx.apply1(Ops.squeeze, [picked], ["dims": .ints([Int64(inputAxes[j])])]))
            }
            let outs = try graph.inlineSubgraph(body, inputs: states.map { Imported.value($0) } + elements, what: "\(what) (the loop)")
            var next: [Value] = []
            for (k, o) in outs.prefix(n).enumerated() {
                guard o.isTensor else { throw ImportError("state \"\(body.output[k].name)\" is \(o.kindDescription); a Scan run as a loop carries tensors only") }
                let v = try ctx.materialize(o)
                guard v.type == states[k].type else {
                    throw ImportError("state \"\(body.input[k].name)\" enters the scan as \(TypeText.type(states[k].type)) but the body returns \(TypeText.type(v.type)); a Scan run as a loop keeps one static type per state")
                }
                next.append(v)
            }
            var accumulators: [Value] = []
            for (k, o) in outs.dropFirst(n).enumerated() {
                guard o.isTensor, let shape = o.type.staticShape else {
                    throw ImportError("scan output \"\(body.output[n + k].name)\" (\(TypeText.type(o.type))) needs a static shape for a Scan run as a loop")
                }
                let rank = shape.count + 1
                let axis = try ONNXOps.axis(rawOutputAxes.map { k < $0.count ? $0[k] : 0 } ?? 0, rank: rank, "scan_output_axes entry")
                var full = shape
                full.insert(steps, at: axis)
                outputTypes.append(TensorType(o.type.element, full))
                let accumulator = scratch.appendArgument(TensorType(o.type.element, full), name: body.output[n + k].name)
                accumulators.append(accumulator)
                let update = try ctx.apply1(Ops.unsqueeze, [o], ["dim": .int(Int64(axis))])
                var ones = [Int64](repeating: 1, count: rank)
                ones[axis] = 1
                let at = try ctx.apply1(Ops.reshape, [try position(outputReversed.map { k < $0.count && $0[k] } ?? false)], ["shape": .ints(ones)])
                let index = try ctx.apply1(Ops.expand, [at], ["shape": .ints(update.type.staticShape!.map(Int64.init))])
                next.append(try ctx.materialize(try ctx.apply1(Ops.scatter, [.value(accumulator), index, update], ["dim": .int(Int64(axis))])))
            }
            return ([args[0], args[1]] + states + accumulators + scanArgs, [args[1]] + next)
        }
        let zeros = try outputTypes.enumerated().map { k, t in
            try ctx.constantValue(try Tensor(zeros: t.staticShape!, dtype: t.element.storage), name: "\(ctx.node.name)_scan_output_\(k)")
        }
        let trips = try ctx.constantValue(try Tensor([Int64(steps)], shape: []), name: "\(ctx.node.name)_steps")
        let always = try ctx.constantValue(try Tensor([true], shape: []), name: "\(ctx.node.name)_always")
        let op = try ctx.emitOp(Ops.loop, [trips, always] + stateValues + zeros + scanValues + outer, ["body": .symbol(function.name)])
        let results = op.results.map { Imported.value($0) }
        return (Array(results.prefix(n)), Array(results.dropFirst(n)))
    }

    /// An If whose condition is known only at run time: both branches become functions of the
    /// module (taking every outer value either reads) and the node one `edge.if`, which the
    /// backend lowers to ExecuTorch's `JumpFalseCall` (docs/design.md, "Control flow").
    static func runtimeIf(_ ctx: NodeContext) throws -> [Imported] {
        let condition = try ctx.value(0)
        guard condition.type.element == .scalar(.bool), condition.type.elementCount == 1 else {
            throw ImportError("the condition \"\(ctx.node.input[0])\" must be a bool tensor of one element, got \(TypeText.type(condition.type))")
        }
        let graph = ctx.graph
        let then: (ops: [EdgeIR.Operation], results: [Value]), otherwise: (ops: [EdgeIR.Operation], results: [Value])
        do {
            then = try graph.importBranch(try GraphImporter.subgraph(ctx, "then_branch"), what: "then_branch")
            otherwise = try graph.importBranch(try GraphImporter.subgraph(ctx, "else_branch"), what: "else_branch")
            for (name, branch) in [("then_branch", then), ("else_branch", otherwise)] where branch.results.count != ctx.node.output.count {
                throw ImportError("\(name) has \(branch.results.count) outputs, the node \(ctx.node.output.count)")
            }
            for (k, (a, b)) in zip(then.results, otherwise.results).enumerated() where a.type != b.type {
                throw GraphImporter.RuntimeIfRefusal(reason: "output \"\(ctx.node.output[k])\" is \(TypeText.type(a.type)) from then_branch but \(TypeText.type(b.type)) from else_branch and a run-time If needs one static type per output")
            }
        } catch let refusal as GraphImporter.RuntimeIfRefusal {
            // Known at import time, the condition would pick one branch (which may then differ).
            _ = try knownScalar(ctx, 0, "the condition", why: refusal.reason)
            throw ImportError(refusal.reason)
        } catch let e as ImportError {
            // Both branches are compiled because the condition is known only at run time; a
            // branch made for other inputs (an 8 kHz path fed 16 kHz chunks) fails to import.
            let inputs = graphInputs(feeding: condition, in: ctx.graph.function)
            guard let first = inputs.first else { throw e }
            throw ImportError("\(e.message) (both branches are compiled because the condition \"\(ctx.node.input[0])\" is known only at run time: it depends on graph input\(inputs.count == 1 ? "" : "s") \(inputs.map { "\"\($0)\"" }.joined(separator: ", ")); to compile only the branch a fixed value takes, give it with --input-value \(first)=VALUE)")
        }
        var arguments = Outlining.externalValues(of: then.ops, results: then.results)
        let taken = Set(arguments.map(ObjectIdentifier.init))
        arguments += Outlining.externalValues(of: otherwise.ops, results: otherwise.results).filter { !taken.contains(ObjectIdentifier($0)) }
        let base = ctx.node.name.isEmpty ? "if" : String(ctx.node.name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        let module = graph.module
        let functions = try [("then", then), ("else", otherwise)].map { suffix, branch in
            do throws(OpError) {
                return try Outlining.copy(branch.ops, arguments: arguments, results: branch.results,
                                          name: module.uniqueFunctionName("\(base)_\(suffix)"), in: module)
            } catch {
                throw ImportError("\(suffix)_branch: \(error.message)")
            }
        }
        try graph.erase(then.ops + otherwise.ops)
        let op = try ctx.emitOp(Ops.conditional, [condition] + arguments,
                                ["then_branch": .symbol(functions[0].name), "else_branch": .symbol(functions[1].name)])
        for (r, name) in zip(op.results, ctx.node.output) { r.nameHint = name }
        return op.results.map { .value($0) }
    }

    /// Loop unrolled at import (its trip count and initial condition known): one inlined copy
    /// of the body per iteration. With `giveUp`, returns nil instead of failing when the body's
    /// condition is not known at import or the loop runs more than ``maxUnrolledSteps`` (the
    /// caller then builds a loop in the plan).
    static func unrollLoop(_ ctx: NodeContext, body: Onnx_GraphProto, carriedCount: Int, scanCount: Int, giveUp: Bool) throws -> [Imported]? {
        let why = "edgec unrolls a Loop with scan outputs at import"
        let trip: Int? = ctx.has(0) ? Int(exactly: try knownScalar(ctx, 0, "the trip count", why: why).rounded(.towardZero)) : nil
        var running = ctx.has(1) ? try knownScalar(ctx, 1, "the initial condition", why: why) != 0 : true
        var carried = try (0..<carriedCount).map { try ctx.anyInput(2 + $0) }
        var collected = [[Imported]](repeating: [], count: scanCount)
        var i = 0
        while running, i < (trip ?? .max) {
            guard i < maxUnrolledSteps else {
                if giveUp { return nil }
                throw tooManySteps("the loop runs")
            }
            let counter = Imported.constant(try Tensor([Int64(i)], shape: []))
            let flag = Imported.constant(try Tensor([true], shape: []))
            let outs = try ctx.graph.inlineSubgraph(body, inputs: [counter, flag] + carried, what: "body (iteration \(i))")
            // Without a condition input, the condition the body computes is ignored.
            if ctx.has(1) {
                guard let c = outs[0].tensor, c.count == 1 else {
                    if giveUp { return nil }
                    throw ImportError("the condition \"\(body.output[0].name)\" the body computes in iteration \(i) is not a compile-time constant: \(why), so it must be known at import time")
                }
                running = c.doubles()[0] != 0
            }
            carried = Array(outs[1..<(1 + carriedCount)])
            for k in 0..<scanCount { collected[k].append(outs[1 + carriedCount + k]) }
            i += 1
        }
        let stacked = try collected.enumerated().map { k, items -> Imported in
            guard !items.isEmpty else {
                throw ImportError("runs no iterations, so scan output \"\(body.output[1 + carriedCount + k].name)\" is empty with an unknown shape, which edgec does not support")
            }
            return try stack(ctx, items, axis: 0)
        }
        return carried + stacked
    }

    /// A Loop whose iteration count is known only at run time (or is too large to unroll):
    /// `edge.loop` over a body function, lowered to a loop in the plan (docs/design.md,
    /// "Control flow").
    static func runtimeLoop(_ ctx: NodeContext, body: Onnx_GraphProto, carriedCount: Int) throws -> [Imported] {
        func oneElement(_ v: Value, _ element: ScalarType, _ what: String, _ i: Int) throws -> Value {
            guard v.type.element == .scalar(element), v.type.elementCount == 1 else {
                throw ImportError("\(what) \"\(ctx.node.input[i])\" must be a\(element == .i64 ? "n" : "") \(element.rawValue) tensor of one element, got \(TypeText.type(v.type))")
            }
            return v
        }
        let trips = ctx.has(0) ? try oneElement(try ctx.value(0), .i64, "the trip count", 0)
            : try ctx.constantValue(try Tensor([Int64.max], shape: []), name: "\(ctx.node.name)_no_trip_limit")
        let condition = ctx.has(1) ? try oneElement(try ctx.value(1), .bool, "the condition", 1)
            : try ctx.constantValue(try Tensor([true], shape: []), name: "\(ctx.node.name)_always")
        var initial: [Value] = []
        for k in 0..<carriedCount {
            let given = try ctx.anyInput(2 + k)
            guard given.isTensor else {
                throw ImportError("loop-carried input \"\(ctx.node.input[2 + k])\" is \(given.kindDescription); a loop run at run time carries tensors only (edgec unrolls a Loop whose trip count is known at import time)")
            }
            // A symbolic dim (a bounded --input-shape range) is fine while the body keeps it.
            initial.append(try ctx.value(2 + k))
        }
        let base = ctx.node.name.isEmpty ? "loop" : String(ctx.node.name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        let (function, outer) = try ctx.graph.importLoopBody(body, carried: initial.map(\.type), name: base)
        let op = try ctx.emitOp(Ops.loop, [trips, condition] + initial + outer, ["body": .symbol(function.name)])
        for (r, name) in zip(op.results, ctx.node.output) { r.nameHint = name }
        return op.results.map { .value($0) }
    }

    static let controlFlow: [OpImporter] = [
        OpImporter("If", [1, 11, 13, 16, 19, 21, 23, 24, 25]) { ctx in
            guard ctx.constant(0) != nil else { return try runtimeIf(ctx) }
            let cond = try knownScalar(ctx, 0, "the condition", why: "edgec inlines the branch an If takes at compile time")
            let name = cond != 0 ? "then_branch" : "else_branch"
            let outputs = try ctx.graph.inlineSubgraph(try GraphImporter.subgraph(ctx, name), inputs: [], what: name)
            guard outputs.count == ctx.node.output.count else {
                throw ImportError("\(name) has \(outputs.count) outputs, the node \(ctx.node.output.count)")
            }
            return outputs
        },
        // Loop(M, cond, v_initial...) -> (v_final..., scan_outputs...); the body maps
        // (iteration_num, cond, v...) -> (cond, v..., scan_output_elements...).
        OpImporter("Loop", [1, 11, 13, 16, 19, 21, 23, 24, 25]) { ctx in
            let body = try GraphImporter.subgraph(ctx, "body")
            let carriedCount = max(ctx.inputCount - 2, 0)
            let scanCount = body.output.count - 1 - carriedCount
            guard scanCount >= 0 else {
                throw ImportError("the body has \(body.output.count) outputs; it needs the condition and the \(carriedCount) loop-carried values")
            }
            if !ctx.has(0), !ctx.has(1) { throw ImportError("has neither a trip count nor a condition, so it never ends") }
            // Unrolled when the iteration count is known at import (and small); otherwise a loop in
            // the plan, which needs tensor carried values of one static type and no scan outputs.
            let known = (!ctx.has(0) || ctx.constant(0) != nil) && (!ctx.has(1) || ctx.constant(1) != nil)
            if known, let unrolled = try ctx.graph.rollingBack({ try unrollLoop(ctx, body: body, carriedCount: carriedCount, scanCount: scanCount, giveUp: scanCount == 0) }) {
                return unrolled
            }
            guard scanCount == 0 else {
                let input = !ctx.has(0) || ctx.constant(0) != nil ? 1 : 0
                let sources = graphInputs(feeding: try ctx.value(input), in: ctx.graph.function)
                throw ImportError("has \(scanCount) scan output\(scanCount == 1 ? "" : "s") and its \(input == 0 ? "trip count" : "condition") \"\(ctx.node.input[input])\" is known only at run time\(sources.isEmpty ? "" : " (it depends on graph input\(sources.count == 1 ? "" : "s") \(sources.map { "\"\($0)\"" }.joined(separator: ", ")))"): a scan output grows by one element per iteration, so edgec needs the iteration count known at import time\(sources.first.map { " (give it with --input-value \($0)=VALUE)" } ?? "")")
            }
            return try runtimeLoop(ctx, body: body, carriedCount: carriedCount)
        },
        // Scan-8: a batch axis 0 on every input, optional sequence_lens (input 0).
        OpImporter("Scan", [8]) { ctx in
            let body = try GraphImporter.subgraph(ctx, "body")
            let m = try ctx.int("num_scan_inputs", -1)
            guard m > 0, m <= ctx.inputCount - 1 else {
                throw ImportError("needs num_scan_inputs between 1 and the number of inputs after sequence_lens")
            }
            let n = ctx.inputCount - 1 - m
            let inputs = try (1..<ctx.inputCount).map { try ctx.input($0) }
            for (k, x) in inputs.enumerated() where x.type.rank == 0 {
                throw ImportError("input \"\(ctx.node.input[1 + k])\" is a rank-0 tensor; every input of Scan-8 has the batch axis 0")
            }
            guard let batch = inputs[0].type.shape.first?.value else {
                throw ImportError("needs a static batch size (dim 0 of \"\(ctx.node.input[1])\")\(ctx.shapeFix(inputs[0].type))")
            }
            let directions = try ctx.ints("directions") ?? []
            if ctx.has(0) {
                guard let lens = ctx.constant(0) else { throw ImportError("sequence_lens must be known at import time") }
                let full = inputs[n].type.shape.count > 1 ? inputs[n].type.shape[1].value : nil
                guard let full, lens.int64s().allSatisfy({ $0 == full }) else { throw ctx.unsupported("sequence_lens shorter than the sequence") }
            }
            var finals = [[Imported]](repeating: [], count: n)
            var outputs: [[Imported]] = []
            for b in 0..<batch {
                let sliced = try inputs.map { try element(ctx, $0, axis: 0, b) }
                let r = try unrollScan(ctx, body: body, states: Array(sliced[..<n]), scans: Array(sliced[n...]),
                                       inputAxes: Array(repeating: 0, count: m), inputReversed: (0..<m).map { $0 < directions.count && directions[$0] != 0 },
                                       outputAxes: nil, outputReversed: nil, what: "body (batch \(b))")
                for k in 0..<n { finals[k].append(r.states[k]) }
                if outputs.isEmpty { outputs = Array(repeating: [], count: r.outputs.count) }
                for k in r.outputs.indices { outputs[k].append(r.outputs[k]) }
            }
            return try (finals + outputs).map { try stack(ctx, $0, axis: 0) }
        },
        OpImporter("Scan", [9, 11, 16, 19, 21, 23, 24, 25]) { ctx in
            let body = try GraphImporter.subgraph(ctx, "body")
            let m = try ctx.int("num_scan_inputs", -1)
            guard m > 0, m <= ctx.inputCount else { throw ImportError("needs num_scan_inputs between 1 and the number of inputs (\(ctx.inputCount))") }
            let n = ctx.inputCount - m
            let inputs = try (0..<ctx.inputCount).map { try ctx.input($0) }
            let scans = Array(inputs[n...])
            let rawAxes = try ctx.ints("scan_input_axes") ?? Array(repeating: 0, count: m)
            guard rawAxes.count == m else { throw ImportError("scan_input_axes has \(rawAxes.count) entries for \(m) scan inputs") }
            let axes = try rawAxes.enumerated().map { j, a in try ONNXOps.axis(a, rank: scans[j].type.rank, "scan_input_axes entry") }
            let directions = try ctx.ints("scan_input_directions") ?? []
            let r = try unrollScan(ctx, body: body, states: Array(inputs[..<n]), scans: scans, inputAxes: axes,
                                   inputReversed: (0..<m).map { $0 < directions.count && directions[$0] != 0 },
                                   outputAxes: try ctx.ints("scan_output_axes"), outputReversed: try ctx.ints("scan_output_directions")?.map { $0 != 0 })
            return r.states + r.outputs
        },
    ]
}
