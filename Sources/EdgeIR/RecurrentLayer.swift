import EdgeKernels
import Foundation

/// How far importers unroll sequences: Loop and Scan iterations, recurrent time steps.
public enum Unrolling {
    /// The most iterations (or time steps) one loop or recurrent layer is unrolled to. Longer
    /// sequences are rejected: a streaming model runs a chunk at a time, with its state as an
    /// input and an output.
    public static let maxSteps = 256

    /// The error for a sequence of `steps` beyond ``maxSteps``.
    public static func tooLong(_ what: String) -> String {
        "\(what) more than \(maxSteps) iterations; edgec unrolls loops and recurrent layers at import and stops at \(maxSteps) (run a long sequence in chunks, carrying the state between calls)"
    }
}

/// A recurrent layer (simple RNN, GRU or LSTM) unrolled over a static sequence into ordinary
/// Edge IR ops — linear, add, mul, the activations, split, slice, concat, where — so every
/// backend and the interpreter run it with the kernels they already have.
///
/// The equations are ONNX's (https://onnx.ai/onnx/operators/onnx__LSTM.html, onnx__GRU.html,
/// onnx__RNN.html); PyTorch's `nn.LSTM`/`nn.GRU`/`nn.RNN` are the same cells with other gate
/// orders (`gateOrder`) and GRU's `linear_before_reset` set. Both importers describe the layer
/// with this type, so the decomposition is written once; it lives in EdgeIR because that is the
/// module both importers build on.
///
/// Shapes: the input is `[S, B, I]`, one direction's weights `[G·H, I]` and recurrence
/// `[G·H, H]` with the G gates' rows in `gateOrder`, biases `[G·H]`, states `[1, B, H]`. The
/// results are, per direction, the outputs `[S, B, H]` in time order and the final hidden (and
/// LSTM cell) state `[1, B, H]`.
public struct RecurrentLayer {
    public enum Cell: Sendable, Equatable {
        case rnn
        /// `linearBeforeReset`: the reset gate multiplies `H·Rhᵀ + Rbh` instead of `H`.
        case gru(linearBeforeReset: Bool)
        /// `inputForget`: the forget gate is `1 - input gate` (ONNX `input_forget`).
        case lstm(inputForget: Bool)

        /// The gates, in ONNX's order (the order ``RecurrentLayer/gateOrder`` permutes).
        public var gates: [Gate] {
            switch self {
            case .rnn: return [.hidden]
            case .gru: return [.update, .reset, .hidden]
            case .lstm: return [.input, .output, .forget, .hidden]
            }
        }

        /// The number of activation functions one direction takes (f, g, h).
        public var activationCount: Int {
            switch self {
            case .rnn: return 1
            case .gru: return 2
            case .lstm: return 3
            }
        }
    }

    /// A gate's role. `hidden` is the candidate state: RNN's only gate, GRU's h, LSTM's c.
    public enum Gate: Sendable, Hashable { case input, output, forget, update, reset, hidden }

    /// The activation functions ONNX's recurrent operators name, with their parameters.
    public enum Activation: Sendable, Equatable {
        case sigmoid, tanh, relu, softsign, softplus
        case hardSigmoid(alpha: Double, beta: Double)
        case leakyRelu(alpha: Double)
        case thresholdedRelu(alpha: Double)
        case scaledTanh(alpha: Double, beta: Double)
        case affine(alpha: Double, beta: Double)
        case elu(alpha: Double)

        /// The ONNX name (case-insensitive) with its `alpha`/`beta` taken from the front of
        /// the given lists when the function has them (ONNX's defaults otherwise); returns how
        /// many of each it used.
        public static func named(_ name: String, alphas: ArraySlice<Double>, betas: ArraySlice<Double>) -> (Activation, alphas: Int, betas: Int)? {
            let a = alphas.first, b = betas.first
            switch name.lowercased() {
            case "sigmoid": return (.sigmoid, 0, 0)
            case "tanh": return (.tanh, 0, 0)
            case "relu": return (.relu, 0, 0)
            case "softsign": return (.softsign, 0, 0)
            case "softplus": return (.softplus, 0, 0)
            case "hardsigmoid": return (.hardSigmoid(alpha: a ?? 0.2, beta: b ?? 0.5), a == nil ? 0 : 1, b == nil ? 0 : 1)
            case "leakyrelu": return (.leakyRelu(alpha: a ?? 0.01), a == nil ? 0 : 1, 0)
            case "thresholdedrelu": return (.thresholdedRelu(alpha: a ?? 1), a == nil ? 0 : 1, 0)
            case "scaledtanh": return (.scaledTanh(alpha: a ?? 1, beta: b ?? 1), a == nil ? 0 : 1, b == nil ? 0 : 1)
            case "affine": return (.affine(alpha: a ?? 1, beta: b ?? 0), a == nil ? 0 : 1, b == nil ? 0 : 1)
            case "elu": return (.elu(alpha: a ?? 1), a == nil ? 0 : 1, 0)
            default: return nil
            }
        }
    }

    /// One direction's parameters.
    public struct Direction {
        public var weights: Value
        public var recurrence: Value
        public var inputBias: Value?
        public var recurrenceBias: Value?
        /// LSTM peepholes `[3·H]`: input, output, forget (ONNX's order).
        public var peepholes: Value?
        public var initialHidden: Value?
        public var initialCell: Value?
        /// Runs from the last step to the first.
        public var reversed: Bool
        /// f, g (and h for LSTM), as in ``Cell/activationCount``.
        public var activations: [Activation]

        public init(weights: Value, recurrence: Value, inputBias: Value? = nil, recurrenceBias: Value? = nil, peepholes: Value? = nil,
                    initialHidden: Value? = nil, initialCell: Value? = nil, reversed: Bool = false, activations: [Activation]) {
            self.weights = weights
            self.recurrence = recurrence
            self.inputBias = inputBias
            self.recurrenceBias = recurrenceBias
            self.peepholes = peepholes
            self.initialHidden = initialHidden
            self.initialCell = initialCell
            self.reversed = reversed
            self.activations = activations
        }
    }

    /// Per-batch sequence lengths: steps at or past a batch entry's length leave its state
    /// unchanged and output zeros (ONNX `sequence_lens`).
    public enum SequenceLengths {
        case full
        case constant([Int])
        /// A run-time `[B]` integer tensor.
        case dynamic(Value)
    }

    public var cell: Cell
    /// The gates as they appear in the rows of the weights (ONNX: ``Cell/gates``; PyTorch's
    /// LSTM is input, forget, hidden, output and its GRU reset, update, hidden).
    public var gateOrder: [Gate]
    public var hiddenSize: Int
    /// Limits gate pre-activations to [-clip, clip] (ONNX `clip`).
    public var clip: Double?
    public var sequenceLengths: SequenceLengths

    public init(cell: Cell, gateOrder: [Gate]? = nil, hiddenSize: Int, clip: Double? = nil, sequenceLengths: SequenceLengths = .full) {
        self.cell = cell
        self.gateOrder = gateOrder ?? cell.gates
        self.hiddenSize = hiddenSize
        self.clip = clip
        self.sequenceLengths = sequenceLengths
    }

    /// One direction's results.
    public struct Result {
        /// `[S, B, H]`, in time order (also for a reversed direction).
        public var outputs: Value
        public var hidden: Value
        /// The LSTM cell state (nil for RNN and GRU).
        public var cell: Value?
    }

    /// Emits the unrolled layer for one direction over `input` (`[S, B, I]`, S static).
    public func emit(_ input: Value, _ direction: Direction, builder: IRBuilder, location: Location?) throws(OpError) -> Result {
        var e = Emitter(builder: builder, location: location, element: input.type.element)
        return try e.run(self, input, direction)
    }
}

/// The op-building half of ``RecurrentLayer``.
private struct Emitter {
    let builder: IRBuilder
    let location: Location?
    let element: ElementType

    func op(_ def: OpDefinition, _ operands: [Value?], _ attributes: [String: Attribute] = [:]) throws(OpError) -> Value {
        try builder.create(def, operands, attributes: attributes, location: location).result
    }

    func scalar(_ v: Double) throws(OpError) -> Value {
        let t: Tensor
        do { t = try Tensor(converting: [v], dtype: element.storage, shape: []) } catch { throw OpError("a constant of \(element): \(error)") }
        return try builder.constant(Data(t.bytes()), type: TensorType(element, [Int]()), name: "rnn_const", location: location)
    }

    func rows(_ x: Value, _ start: Int, _ end: Int) throws(OpError) -> Value {
        try op(Ops.slice, [x], ["dim": .int(0), "start": .int(Int64(start)), "end": .int(Int64(end))])
    }

    func add(_ a: Value?, _ b: Value?) throws(OpError) -> Value? {
        guard let a else { return b }
        guard let b else { return a }
        return try op(Ops.add, [a, b])
    }

    func activate(_ f: RecurrentLayer.Activation, _ x: Value, clip: Double?) throws(OpError) -> Value {
        var x = x
        if let clip { x = try op(Ops.clamp, [x], ["min": .float(-clip), "max": .float(clip)]) }
        switch f {
        case .sigmoid: return try op(Ops.sigmoid, [x])
        case .tanh: return try op(Ops.tanh, [x])
        case .relu: return try op(Ops.relu, [x])
        case .softsign:
            return try op(Ops.div, [x, try op(Ops.add, [try op(Ops.abs, [x]), try scalar(1)])])
        case .softplus:
            return try op(Ops.log, [try op(Ops.add, [try op(Ops.exp, [x]), try scalar(1)])])
        case .hardSigmoid(let alpha, let beta):
            let y = try op(Ops.add, [try op(Ops.mul, [x, try scalar(alpha)]), try scalar(beta)])
            return try op(Ops.clamp, [y], ["min": .float(0), "max": .float(1)])
        case .leakyRelu(let alpha): return try op(Ops.leakyRelu, [x], ["negative_slope": .float(alpha)])
        case .thresholdedRelu(let alpha):
            return try op(Ops.where, [try op(Ops.gt, [x, try scalar(alpha)]), x, try scalar(0)])
        case .scaledTanh(let alpha, let beta):
            return try op(Ops.mul, [try op(Ops.tanh, [try op(Ops.mul, [x, try scalar(beta)])]), try scalar(alpha)])
        case .affine(let alpha, let beta):
            return try op(Ops.add, [try op(Ops.mul, [x, try scalar(alpha)]), try scalar(beta)])
        case .elu(let alpha): return try op(Ops.elu, [x], ["alpha": .float(alpha)])
        }
    }

    /// The rows of `gates` (in the layer's order) of a `[G·H, ...]` weight, concatenated.
    func gateRows(_ w: Value, _ layer: RecurrentLayer, _ gates: [RecurrentLayer.Gate]) throws(OpError) -> Value {
        let h = layer.hiddenSize
        var pieces: [Value] = []
        for g in gates {
            guard let k = layer.gateOrder.firstIndex(of: g) else { throw OpError("the layer has no \(g) gate") }
            pieces.append(try rows(w, k * h, (k + 1) * h))
        }
        return pieces.count == 1 ? pieces[0] : try op(Ops.concat, pieces, ["axis": .int(0)])
    }

    /// Splits a `[1, B, G·H]` projection (or a `[G·H]` bias) into its gates by role.
    func split(_ x: Value, _ layer: RecurrentLayer) throws(OpError) -> [RecurrentLayer.Gate: Value] {
        let parts = try builder.create(Ops.split, [x], attributes: ["dim": .int(Int64(x.type.rank - 1)), "sizes": .ints(Array(repeating: Int64(layer.hiddenSize), count: layer.gateOrder.count))], location: location).results
        return Dictionary(uniqueKeysWithValues: zip(layer.gateOrder, parts))
    }

    mutating func run(_ layer: RecurrentLayer, _ input: Value, _ d: RecurrentLayer.Direction) throws(OpError) -> RecurrentLayer.Result {
        guard input.type.rank == 3, let steps = input.type.shape[0].value else {
            throw OpError("the input \(TypeText.type(input.type)) must be [sequence, batch, input] with a static sequence length")
        }
        guard steps > 0 else { throw OpError("the sequence is empty") }
        guard steps <= Unrolling.maxSteps else { throw OpError(Unrolling.tooLong("the sequence has \(steps) steps; it would unroll to")) }
        guard layer.gateOrder.count == layer.cell.gates.count, Set(layer.cell.gates) == Set(layer.gateOrder) else {
            throw OpError("the gate order \(layer.gateOrder) does not list the \(layer.cell) gates")
        }
        guard d.activations.count == layer.cell.activationCount else {
            throw OpError("the cell takes \(layer.cell.activationCount) activation functions, got \(d.activations.count)")
        }
        let f = d.activations[0], g = d.activations.count > 1 ? d.activations[1] : d.activations[0]
        let hAct = d.activations.count > 2 ? d.activations[2] : g

        // The input projection of every step at once: X·Wᵀ + biases that do not depend on H.
        var lbr = false
        if case .gru(let l) = layer.cell { lbr = l }
        let projectionBias = lbr ? d.inputBias : try add(d.inputBias, d.recurrenceBias)
        let projected = try op(Ops.linear, [input, d.weights, projectionBias])

        // GRU without linear_before_reset multiplies r into H before the hidden gate's
        // recurrence, so that gate's rows are applied separately.
        var recurrence = d.recurrence, hiddenRecurrence: Value?
        var recurrenceBias = lbr ? d.recurrenceBias : nil
        if case .gru(false) = layer.cell {
            recurrence = try gateRows(d.recurrence, layer, [.update, .reset])
            hiddenRecurrence = try gateRows(d.recurrence, layer, [.hidden])
            recurrenceBias = nil
        }
        var peephole: [RecurrentLayer.Gate: Value] = [:]
        if let p = d.peepholes {
            let h = layer.hiddenSize
            for (k, gate) in [RecurrentLayer.Gate.input, .output, .forget].enumerated() { peephole[gate] = try rows(p, k * h, (k + 1) * h) }
        }

        var hidden = d.initialHidden, cellState = d.initialCell
        var outputs = [Value?](repeating: nil, count: steps)
        for s in 0..<steps {
            let t = d.reversed ? steps - 1 - s : s
            let x = try op(Ops.slice, [projected], ["dim": .int(0), "start": .int(Int64(t)), "end": .int(Int64(t + 1))])
            // H·Rᵀ (+ Rb); nothing while H is still the zero initial state.
            let r: Value? = try hidden.map { (h: Value) throws(OpError) -> Value in try op(Ops.linear, [h, recurrence, recurrenceBias]) } ?? recurrenceBias
            var newCell: Value?
            let newHidden: Value
            switch layer.cell {
            case .rnn:
                newHidden = try activate(f, try add(x, r)!, clip: layer.clip)
            case .gru:
                if case .gru(true) = layer.cell {
                    let xg = try split(x, layer)
                    let rg = try r.map { (v: Value) throws(OpError) in try split(v, layer) }
                    let z = try activate(f, try add(xg[.update], rg?[.update])!, clip: layer.clip)
                    let reset = try activate(f, try add(xg[.reset], rg?[.reset])!, clip: layer.clip)
                    let gated = try rg.map { (v) throws(OpError) in try op(Ops.mul, [reset, v[.hidden]!]) }
                    let candidate = try activate(g, try add(xg[.hidden], gated)!, clip: layer.clip)
                    newHidden = try update(z, candidate, hidden)
                } else {
                    let xg = try split(x, layer)
                    var zr: [Value] = []
                    if let r {
                        zr = try builder.create(Ops.split, [r], attributes: ["dim": .int(2), "sizes": .ints([Int64(layer.hiddenSize), Int64(layer.hiddenSize)])], location: location).results
                    }
                    let z = try activate(f, try add(xg[.update], zr.first)!, clip: layer.clip)
                    let reset = try activate(f, try add(xg[.reset], zr.last)!, clip: layer.clip)
                    let rh = try hidden.map { (h) throws(OpError) in try op(Ops.linear, [try op(Ops.mul, [reset, h]), hiddenRecurrence!]) }
                    let candidate = try activate(g, try add(xg[.hidden], rh)!, clip: layer.clip)
                    newHidden = try update(z, candidate, hidden)
                }
            case .lstm(let inputForget):
                let gates = try split(try add(x, r)!, layer)
                func withPeephole(_ gate: RecurrentLayer.Gate, _ c: Value?) throws(OpError) -> Value {
                    guard let p = peephole[gate], let c else { return gates[gate]! }
                    return try op(Ops.add, [gates[gate]!, try op(Ops.mul, [p, c])])
                }
                let i = try activate(f, try withPeephole(.input, cellState), clip: layer.clip)
                let forget = inputForget
                    ? try op(Ops.sub, [try scalar(1), i])
                    : try activate(f, try withPeephole(.forget, cellState), clip: layer.clip)
                let candidate = try activate(g, gates[.hidden]!, clip: layer.clip)
                let kept = try cellState.map { (c) throws(OpError) in try op(Ops.mul, [forget, c]) }
                let c = try add(kept, try op(Ops.mul, [i, candidate]))!
                let o = try activate(f, try withPeephole(.output, c), clip: layer.clip)
                newCell = c
                newHidden = try op(Ops.mul, [o, try activate(hAct, c, clip: nil)])
            }
            // Batch entries whose sequence has ended keep their state and output zeros.
            switch try mask(layer.sequenceLengths, step: t, batch: input.type.shape[1]) {
            case nil:
                hidden = newHidden
                cellState = newCell ?? cellState
                outputs[t] = newHidden
            case .some(nil):
                outputs[t] = try op(Ops.mul, [newHidden, try scalar(0)])
            case .some(let m?):
                let zero = try scalar(0)
                hidden = try op(Ops.where, [m, newHidden, hidden ?? zero])
                if let newCell { cellState = try op(Ops.where, [m, newCell, cellState ?? zero]) }
                outputs[t] = try op(Ops.where, [m, newHidden, zero])
            }
        }
        let all = outputs.map { $0! }
        let sequence = all.count == 1 ? all[0] : try op(Ops.concat, all, ["axis": .int(0)])
        // A state never updated (every step masked) is the zero initial state.
        func zeroState() throws(OpError) -> Value {
            try op(Ops.mul, [try op(Ops.slice, [all[0]], ["dim": .int(0), "start": .int(0), "end": .int(1)]), try scalar(0)])
        }
        let finalHidden: Value
        if let hidden { finalHidden = hidden } else { finalHidden = try zeroState() }
        var finalCell: Value?
        if case .lstm = layer.cell {
            if let cellState { finalCell = cellState } else { finalCell = try zeroState() }
        }
        return RecurrentLayer.Result(outputs: sequence, hidden: finalHidden, cell: finalCell)
    }

    /// GRU's state update: (1 - z)·h̃ + z·H, which is h̃ - z·h̃ when H is zero.
    func update(_ z: Value, _ candidate: Value, _ hidden: Value?) throws(OpError) -> Value {
        let kept = try op(Ops.mul, [try op(Ops.sub, [try scalar(1), z]), candidate])
        guard let hidden else { return kept }
        return try op(Ops.add, [kept, try op(Ops.mul, [z, hidden])])
    }

    /// The mask of batch entries still running at step `t`, shaped `[1, B, 1]`: nil when all
    /// run, `.some(nil)` when none does.
    func mask(_ lengths: RecurrentLayer.SequenceLengths, step t: Int, batch: Dim) throws(OpError) -> Value??  {
        switch lengths {
        case .full: return nil
        case .constant(let lens):
            let running = lens.map { t < $0 }
            if running.allSatisfy({ $0 }) { return nil }
            if !running.contains(true) { return .some(nil) }
            let tensor: Tensor
            do { tensor = try Tensor(running, shape: [1, running.count, 1]) } catch { throw OpError("\(error)") }
            return .some(try builder.constant(Data(tensor.bytes()), type: TensorType(.bool, [1, running.count, 1]), name: "rnn_mask", location: location))
        case .dynamic(let lens):
            let step: Tensor
            do { step = try Tensor(converting: [Double(t)], dtype: lens.type.element.storage, shape: []) } catch { throw OpError("\(error)") }
            let tv = try builder.constant(Data(step.bytes()), type: TensorType(lens.type.element, [Int]()), name: "rnn_step", location: location)
            let running = try op(Ops.lt, [tv, lens])
            return .some(try op(Ops.reshape, [running], ["shape": .ints([1, -1, 1])]))
        }
    }
}
