import EdgeIR
import EdgeKernels
import Foundation

/// ONNX RNN, GRU and LSTM (https://onnx.ai/onnx/operators/onnx__LSTM.html and friends),
/// unrolled over the static sequence length by ``RecurrentLayer`` into existing Edge IR ops.
extension ONNXOps {
    /// Imports one recurrent node: inputs X, W, R, B, sequence_lens, initial_h (initial_c, P for
    /// LSTM); outputs Y, Y_h (Y_c).
    static func importRecurrent(_ ctx: NodeContext, _ kind: RecurrentLayer.Cell) throws -> [Imported] {
        let gates = kind.gates.count
        let layout = ctx.version >= 14 ? try ctx.int("layout", 0) : 0
        guard layout == 0 || layout == 1 else { throw ImportError("layout \(layout) is not 0 or 1") }
        let directionName = try ctx.string("direction", "forward")
        let directions: [Bool]
        switch directionName {
        case "forward": directions = [false]
        case "reverse": directions = [true]
        case "bidirectional": directions = [false, true]
        default: throw ImportError("direction \"\(directionName)\" is not forward, reverse or bidirectional")
        }
        let dirs = directions.count

        var x = try ctx.value(0)
        guard x.type.rank == 3, x.type.element.storage.isFloatingPoint else {
            throw ImportError("X must be a 3-D floating-point tensor, got \(TypeText.type(x.type))")
        }
        if layout == 1 { x = try ctx.emit(Ops.permute, [x], ["dims": .ints([1, 0, 2])]) }
        guard let steps = x.type.shape[0].value else {
            throw ImportError("needs a static sequence length (edgec unrolls \(ctx.node.opType) over it), but X is \(TypeText.type(try ctx.type(0)))\(ctx.shapeFix(try ctx.type(0)))")
        }
        guard steps <= maxUnrolledSteps else { throw tooManySteps("the sequence has \(steps) steps; it would unroll to") }
        guard steps > 0 else { throw ImportError("the sequence is empty") }
        let batch = x.type.shape[1], inputSize = x.type.shape[2]

        // Weight shapes: W [D, G·H, I], R [D, G·H, H], B [D, 2·G·H], P [D, 3·H].
        let r = try ctx.type(2)
        guard r.rank == 3, let hidden = r.shape[2].value else { throw ImportError("R must be [num_directions, \(gates)·hidden_size, hidden_size] with static sizes, got \(TypeText.type(r))") }
        if ctx.hasAttribute("hidden_size"), try ctx.int("hidden_size", 0) != hidden {
            throw ImportError("hidden_size \(try ctx.int("hidden_size", 0)) does not match R \(TypeText.type(r))")
        }
        func check(_ i: Int, _ name: String, _ expected: [Dim]) throws {
            let t = try ctx.type(i)
            guard t.rank == expected.count, zip(t.shape, expected).allSatisfy({ a, b in a.value == nil || b.value == nil || a == b }) else {
                throw ImportError("inconsistent weight shapes: \(name) \"\(ctx.node.input[i])\" is \(TypeText.type(t)), expected \(ShapeRules.describe(expected)) (num_directions \(dirs), hidden_size \(hidden), \(gates) gate\(gates == 1 ? "" : "s"))")
            }
            guard t.element == x.type.element else { throw ImportError("\(name) is \(TypeText.type(t)), but X is \(TypeText.type(x.type))") }
        }
        try check(1, "W", [.known(dirs), .known(gates * hidden), inputSize])
        try check(2, "R", [.known(dirs), .known(gates * hidden), .known(hidden)])
        if ctx.has(3) { try check(3, "B", [.known(dirs), .known(2 * gates * hidden)]) }
        let stateShape: [Dim] = layout == 0 ? [.known(dirs), batch, .known(hidden)] : [batch, .known(dirs), .known(hidden)]
        if ctx.has(5) { try check(5, "initial_h", stateShape) }
        var isLSTM = false
        if case .lstm = kind { isLSTM = true }
        if isLSTM, ctx.has(6) { try check(6, "initial_c", stateShape) }
        if isLSTM, ctx.has(7) { try check(7, "P", [.known(dirs), .known(3 * hidden)]) }

        // Activations: f (g, h) per direction; alpha and beta are consumed in order by the
        // functions that take them.
        let defaults: [String]
        switch kind {
        case .rnn: defaults = ["Tanh"]
        case .gru: defaults = ["Sigmoid", "Tanh"]
        case .lstm: defaults = ["Sigmoid", "Tanh", "Tanh"]
        }
        var names = try strings(ctx, "activations") ?? []
        if names.isEmpty { names = Array(repeating: defaults, count: dirs).flatMap { $0 } }
        if names.count == kind.activationCount, dirs == 2 { names += names }
        guard names.count == kind.activationCount * dirs else {
            throw ImportError("activations lists \(names.count) functions; \(ctx.node.opType) \(directionName) takes \(kind.activationCount * dirs)")
        }
        var alphas = ArraySlice(try ctx.floats("activation_alpha") ?? []), betas = ArraySlice(try ctx.floats("activation_beta") ?? [])
        var activations: [RecurrentLayer.Activation] = []
        for name in names {
            guard let (f, a, b) = RecurrentLayer.Activation.named(name, alphas: alphas, betas: betas) else {
                throw ImportError("activation \"\(name)\" is not an ONNX recurrent activation function")
            }
            activations.append(f)
            alphas = alphas.dropFirst(a)
            betas = betas.dropFirst(b)
        }

        // sequence_lens: all full, a constant, or a run-time tensor.
        var lengths = RecurrentLayer.SequenceLengths.full
        if ctx.has(4) {
            if let c = ctx.constant(4) {
                let lens = c.int64s().map { Int(clamping: $0) }
                if lens.contains(where: { $0 < 0 || $0 > steps }) { throw ImportError("sequence_lens \(lens) must lie in 0...\(steps)") }
                if lens.contains(where: { $0 != steps }) { lengths = .constant(lens) }
            } else {
                lengths = .dynamic(try ctx.value(4))
            }
        }
        var clip: Double?
        if ctx.hasAttribute("clip") {
            clip = try ctx.float("clip", 0)
            guard clip! > 0 else { throw ImportError("clip \(clip!) must be positive") }
        }
        let layer = RecurrentLayer(cell: kind, hiddenSize: hidden, clip: clip, sequenceLengths: lengths)

        // Direction d's slice of a [D, ...] input (or of [B, D, ...] states with layout 1),
        // folded at import when the input is a constant.
        func direction(_ i: Int, _ d: Int, state: Bool = false) throws -> Value? {
            guard ctx.has(i) else { return nil }
            var v = try ctx.input(i)
            if state, layout == 1 { v = try ctx.apply1(Ops.permute, [v], ["dims": .ints([1, 0, 2])]) }
            let slice = try ctx.apply1(Ops.slice, [v], ["dim": .int(0), "start": .int(Int64(d)), "end": .int(Int64(d + 1))])
            return try ctx.materialize(state ? slice : try ctx.apply1(Ops.squeeze, [slice], ["dims": .ints([0])]))
        }
        func halves(_ b: Value?) throws -> (Value?, Value?) {
            guard let b else { return (nil, nil) }
            let n = Int64(gates * hidden)
            let wb = try ctx.materialize(try ctx.apply1(Ops.slice, [.value(b)], ["dim": .int(0), "start": .int(0), "end": .int(n)]))
            let rb = try ctx.materialize(try ctx.apply1(Ops.slice, [.value(b)], ["dim": .int(0), "start": .int(n), "end": .int(2 * n)]))
            return (wb, rb)
        }

        var outputs: [Value] = [], finalHidden: [Value] = [], finalCell: [Value] = []
        for (d, reversed) in directions.enumerated() {
            let (wb, rb) = try halves(try direction(3, d))
            let spec = RecurrentLayer.Direction(
                weights: try direction(1, d)!, recurrence: try direction(2, d)!, inputBias: wb, recurrenceBias: rb,
                peepholes: isLSTM ? try direction(7, d) : nil,
                initialHidden: try direction(5, d, state: true), initialCell: isLSTM ? try direction(6, d, state: true) : nil,
                reversed: reversed, activations: Array(activations[(d * kind.activationCount)..<((d + 1) * kind.activationCount)]))
            let result: RecurrentLayer.Result
            do throws(OpError) {
                result = try layer.emit(x, spec, builder: ctx.builder, location: ctx.location)
            } catch {
                throw ImportError(error.message)
            }
            outputs.append(try ctx.emit(Ops.unsqueeze, [result.outputs], ["dim": .int(1)]))
            finalHidden.append(result.hidden)
            if let c = result.cell { finalCell.append(c) }
        }
        func join(_ parts: [Value], axis: Int) throws -> Value {
            parts.count == 1 ? parts[0] : try ctx.emit(Ops.concat, parts, ["axis": .int(Int64(axis))])
        }
        var y = try join(outputs, axis: 1)
        var yh = try join(finalHidden, axis: 0)
        var yc = finalCell.isEmpty ? nil : try join(finalCell, axis: 0)
        if layout == 1 {
            y = try ctx.emit(Ops.permute, [y], ["dims": .ints([2, 0, 1, 3])])
            yh = try ctx.emit(Ops.permute, [yh], ["dims": .ints([1, 0, 2])])
            yc = try yc.map { try ctx.emit(Ops.permute, [$0], ["dims": .ints([1, 0, 2])]) }
        }
        return [.value(y), .value(yh)] + (yc.map { [.value($0)] } ?? [])
    }

    /// A list-of-strings attribute.
    static func strings(_ ctx: NodeContext, _ name: String) throws -> [String]? {
        guard let a = ctx.node.attribute.first(where: { $0.name == name }) else { return nil }
        guard a.type == .strings || (a.type == .undefined && !a.strings.isEmpty) else { throw ImportError("attribute '\(name)' must be a list of strings, got \(a.type)") }
        return try a.strings.map { s throws in
            guard let text = String(validating: s, as: UTF8.self) else { throw ImportError("attribute '\(name)' is not UTF-8") }
            return text
        }
    }

    static let recurrent: [OpImporter] = [
        OpImporter("RNN", [1, 7, 14, 22]) { ctx in try importRecurrent(ctx, .rnn) },
        OpImporter("GRU", [1, 3, 7, 14, 22]) { ctx in
            try importRecurrent(ctx, .gru(linearBeforeReset: ctx.version >= 3 && (try ctx.int("linear_before_reset", 0)) != 0))
        },
        OpImporter("LSTM", [1, 7, 14, 22]) { ctx in try importRecurrent(ctx, .lstm(inputForget: try ctx.int("input_forget", 0) != 0)) },
    ]
}
