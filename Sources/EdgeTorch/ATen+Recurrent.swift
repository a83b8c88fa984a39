import EdgeIR

extension ATenTable {
    /// `nn.LSTM`, `nn.GRU` and `nn.RNN` as the training IR keeps them (`aten.lstm.input`, ...),
    /// unrolled over the static sequence by ``RecurrentLayer`` (the decomposition the ONNX
    /// importer uses too). The core ATen IR decomposes them itself into ops edgec imports.
    static let recurrent: [String: ATenLowering] = [
        "aten.lstm.input": ATenLowering("unrolled over the sequence into `edge.linear`, `edge.sigmoid`, `edge.tanh`, `edge.mul`, `edge.add` (no projections)") { c throws(OpError) in
            let states = try c.tensors("hx")
            guard states.count == 2 else { throw OpError("hx must be (h0, c0), got \(states.count) tensors") }
            return try lowerRecurrent(c, .lstm(inputForget: false), gateOrder: [.input, .forget, .hidden, .output],
                                      activations: [.sigmoid, .tanh, .tanh], hidden: states[0], cell: states[1])
        },
        "aten.gru.input": ATenLowering("unrolled over the sequence into `edge.linear`, `edge.sigmoid`, `edge.tanh`, `edge.mul`, `edge.add`") { c throws(OpError) in
            try lowerRecurrent(c, .gru(linearBeforeReset: true), gateOrder: [.reset, .update, .hidden],
                               activations: [.sigmoid, .tanh], hidden: try c.tensor("hx"), cell: nil)
        },
        "aten.rnn_tanh.input": ATenLowering("unrolled over the sequence into `edge.linear`, `edge.add`, `edge.tanh`") { c throws(OpError) in
            try lowerRecurrent(c, .rnn, gateOrder: nil, activations: [.tanh], hidden: try c.tensor("hx"), cell: nil)
        },
        "aten.rnn_relu.input": ATenLowering("unrolled over the sequence into `edge.linear`, `edge.add`, `edge.relu`") { c throws(OpError) in
            try lowerRecurrent(c, .rnn, gateOrder: nil, activations: [.relu], hidden: try c.tensor("hx"), cell: nil)
        },
    ]

    /// The shared lowering: `input` [S, B, I] (`batch_first`: [B, S, I]; unbatched: [S, I]),
    /// states [L·D, B, H], `params` per layer and direction (w_ih, w_hh[, b_ih, b_hh]).
    /// Returns the output [S, B, D·H] and the final states [L·D, B, H].
    static func lowerRecurrent(_ c: ATenCall, _ cell: RecurrentLayer.Cell, gateOrder: [RecurrentLayer.Gate]?,
                               activations: [RecurrentLayer.Activation], hidden h0: Value, cell c0: Value?) throws(OpError) -> [Value?] {
        var x = try c.tensor("input")
        let params = try c.tensors("params")
        let hasBiases = try c.bool("has_biases")
        let layers = try c.int("num_layers")
        let bidirectional = try c.bool("bidirectional")
        let batchFirst = try c.bool("batch_first")
        if try c.bool("train"), try c.float("dropout") > 0 { throw OpError("dropout during training is not supported (export the model in eval mode)") }
        let dirs = bidirectional ? 2 : 1
        let perDirection = hasBiases ? 4 : 2
        guard layers > 0, params.count == layers * dirs * perDirection else {
            throw OpError("expected \(layers * dirs * perDirection) parameters for \(layers) layer\(layers == 1 ? "" : "s") × \(dirs) direction\(dirs == 1 ? "" : "s")\(hasBiases ? " with biases" : ""), got \(params.count) (LSTM projections, proj_size > 0, are not supported)")
        }
        let unbatched = x.type.rank == 2
        var h0 = h0, c0 = c0
        if unbatched {
            x = try c.emit(Ops.unsqueeze, [x], ["dim": .int(1)])
            h0 = try c.emit(Ops.unsqueeze, [h0], ["dim": .int(1)])
            if let s = c0 { c0 = try c.emit(Ops.unsqueeze, [s], ["dim": .int(1)]) }
        } else if batchFirst {
            x = try c.emit(Ops.permute, [x], ["dims": .ints([1, 0, 2])])
        }
        guard x.type.rank == 3 else { throw OpError("input must be 2-D or 3-D, got \(TypeText.type(x.type))") }
        guard h0.type.rank == 3, let hiddenSize = h0.type.shape[2].value else {
            throw OpError("the initial hidden state must be [num_layers·directions, batch, hidden] with a static hidden size, got \(TypeText.type(h0.type))")
        }
        func state(_ s: Value, _ index: Int) throws(OpError) -> Value {
            try c.emit(Ops.slice, [s], ["dim": .int(0), "start": .int(Int64(index)), "end": .int(Int64(index + 1))])
        }
        let layer = RecurrentLayer(cell: cell, gateOrder: gateOrder, hiddenSize: hiddenSize)
        var finalHidden: [Value] = [], finalCell: [Value] = []
        var sequence = x
        for l in 0..<layers {
            var outputs: [Value] = []
            for d in 0..<dirs {
                let k = (l * dirs + d) * perDirection
                let direction = RecurrentLayer.Direction(
                    weights: params[k], recurrence: params[k + 1],
                    inputBias: hasBiases ? params[k + 2] : nil, recurrenceBias: hasBiases ? params[k + 3] : nil,
                    initialHidden: try state(h0, l * dirs + d), initialCell: try c0.map { (s) throws(OpError) in try state(s, l * dirs + d) },
                    reversed: d == 1, activations: activations)
                let r = try layer.emit(sequence, direction, builder: c.builder, location: c.location)
                outputs.append(r.outputs)
                finalHidden.append(r.hidden)
                if let s = r.cell { finalCell.append(s) }
            }
            sequence = outputs.count == 1 ? outputs[0] : try c.emit(Ops.concat, outputs, ["axis": .int(2)])
        }
        func join(_ parts: [Value]) throws(OpError) -> Value {
            parts.count == 1 ? parts[0] : try c.emit(Ops.concat, parts, ["axis": .int(0)])
        }
        var y = sequence
        var hn = try join(finalHidden)
        var cn = finalCell.isEmpty ? nil : try join(finalCell)
        if unbatched {
            y = try c.emit(Ops.squeeze, [y], ["dims": .ints([1])])
            hn = try c.emit(Ops.squeeze, [hn], ["dims": .ints([1])])
            if let s = cn { cn = try c.emit(Ops.squeeze, [s], ["dims": .ints([1])]) }
        } else if batchFirst {
            y = try c.emit(Ops.permute, [y], ["dims": .ints([1, 0, 2])])
        }
        return cn.map { [y, hn, $0] } ?? [y, hn]
    }
}
