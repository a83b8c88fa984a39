import EdgeIR

/// ONNX Attention (opsets 23–25; https://onnx.ai/onnx/operators/onnx__Attention.html) as the
/// expression its function body defines, over static shapes: 3-D inputs split into heads,
/// past key/value concatenated, grouped KV heads repeated, softmax(Q·Kᵀ·scale [softcap]
/// + bias)·V, where the bias comes from `attn_mask` (bool or additive, padded with "masked" to
/// the key length) and `is_causal` (query i sees keys j <= i + past length).
extension ONNXOps {
    static let attention: [OpImporter] = [
        OpImporter("Attention", [23, 24, 25]) { ctx in
            if ctx.has(6) { throw ctx.unsupported("nonpad_kv_seqlen (input #6)") }
            var q = try ctx.value(0), k = try ctx.value(1), v = try ctx.value(2)
            guard let qs = q.type.staticShape, let ks = k.type.staticShape, let vs = v.type.staticShape,
                  qs.count == ks.count, ks.count == vs.count, qs.count == 3 || qs.count == 4 else {
                throw ImportError("Q, K and V must be static 3-D or 4-D tensors of one rank")
            }
            let e = q.type.element
            let threeD = qs.count == 3
            if threeD {
                let qHeads = try ctx.int("q_num_heads", 0), kvHeads = try ctx.int("kv_num_heads", 0)
                guard qHeads > 0, kvHeads > 0, qs[2] % qHeads == 0, ks[2] % kvHeads == 0, vs[2] % kvHeads == 0 else {
                    throw ImportError("3-D inputs need q_num_heads and kv_num_heads that divide the hidden sizes")
                }
                func heads(_ x: Value, _ s: [Int], _ n: Int) throws -> Value {
                    let split = try ctx.emit(Ops.reshape, [x], ["shape": .ints([s[0], s[1], n, s[2] / n].map(Int64.init))])
                    return try ctx.emit(Ops.permute, [split], ["dims": .ints([0, 2, 1, 3])])
                }
                q = try heads(q, qs, qHeads)
                k = try heads(k, ks, kvHeads)
                v = try heads(v, vs, kvHeads)
            }
            var pastLength = 0
            if ctx.has(4) || ctx.has(5) {
                guard ctx.has(4), ctx.has(5) else { throw ImportError("past_key and past_value must be given together") }
                let pk = try ctx.value(4), pv = try ctx.value(5)
                pastLength = pk.type.shape[2].value ?? 0
                k = try ctx.emit(Ops.concat, [pk, k], ["axis": .int(2)])
                v = try ctx.emit(Ops.concat, [pv, v], ["axis": .int(2)])
            }
            let presentKey = k, presentValue = v
            guard let q4 = q.type.staticShape, let k4 = k.type.staticShape, let v4 = v.type.staticShape else {
                throw ImportError("Q, K and V must have static shapes")
            }
            let (batch, qHeads, qLength, headSize) = (q4[0], q4[1], q4[2], q4[3])
            let kvHeads = k4[1], kvLength = k4[2]
            if qHeads != kvHeads {
                guard qHeads % kvHeads == 0 else { throw ImportError("\(qHeads) query heads are not a multiple of \(kvHeads) key/value heads") }
                // Interleave-repeat each KV head: [h0, h0, h1, h1, ...].
                func repeatHeads(_ x: Value, _ s: [Int]) throws -> Value {
                    let r = qHeads / kvHeads
                    let lifted = try ctx.emit(Ops.reshape, [x], ["shape": .ints([s[0], s[1], 1, s[2], s[3]].map(Int64.init))])
                    let wide = try ctx.emit(Ops.expand, [lifted], ["shape": .ints([s[0], s[1], r, s[2], s[3]].map(Int64.init))])
                    return try ctx.emit(Ops.reshape, [wide], ["shape": .ints([s[0], qHeads, s[2], s[3]].map(Int64.init))])
                }
                k = try repeatHeads(k, k4)
                v = try repeatHeads(v, v4)
            }
            if try ctx.int("left_window_size", -1) >= 0 || ctx.int("right_window_size", -1) >= 0 {
                throw ctx.unsupported("a sliding window (left_window_size / right_window_size)")
            }
            // Q and K are each scaled by sqrt(scale), as the function body does.
            let scale = try ctx.float("scale", 1 / Double(headSize).squareRoot())
            let rootScale = try ctx.scalarValue(scale.squareRoot(), e, name: "sqrt_scale")
            let kT = try ctx.emit(Ops.permute, [k], ["dims": .ints([0, 1, 3, 2])])
            var scores = try ctx.emit(Ops.matmul, [try ctx.emit(Ops.mul, [q, rootScale]), try ctx.emit(Ops.mul, [kT, rootScale])])
            let rawScores = scores
            let softcap = try ctx.float("softcap", 0)
            if softcap > 0 {
                let cap = try ctx.scalarValue(softcap, e, name: "softcap")
                scores = try ctx.emit(Ops.mul, [try ctx.emit(Ops.tanh, [try ctx.emit(Ops.div, [scores, cap])]), cap])
            }
            // The additive bias: 0 where a key is visible, -inf where it is masked.
            var bias: Value?
            let zero = try ctx.scalarValue(0, e, name: "zero"), minusInf = try ctx.scalarValue(-.infinity, e, name: "minus_inf")
            if ctx.has(3) {
                var mask = try ctx.value(3)
                guard let ms = mask.type.staticShape, let last = ms.last else { throw ImportError("attn_mask must have a static shape") }
                let isBool = mask.type.element == .scalar(.bool)
                if last < kvLength {
                    // Pad the key dim with "masked" (false, or -inf).
                    let padded = isBool ? try ctx.emit(Ops.cast, [mask], ["dtype": .string(ScalarType.u8.rawValue)]) : mask
                    mask = try ctx.emit(Ops.pad, [padded], ["pad": .ints([0, Int64(kvLength - last)]), "mode": .string("constant"), "value": .float(isBool ? 0 : -.infinity)])
                    if isBool { mask = try ctx.emit(Ops.cast, [mask], ["dtype": .string(ScalarType.bool.rawValue)]) }
                }
                bias = isBool ? try ctx.emit(Ops.where, [mask, zero, minusInf]) : mask
            }
            if try ctx.int("is_causal", 0) != 0 {
                var allowed: [Double] = []
                for i in 0..<qLength { for j in 0..<kvLength { allowed.append(j <= i + pastLength ? 0 : -.infinity) } }
                guard case .scalar(let s) = e else { throw ctx.unsupported("quantized attention") }
                let causal = try ctx.constantValue(try ctx.constantTensor(allowed, s, shape: [qLength, kvLength]), name: "causal_bias")
                bias = try bias.map { try ctx.emit(Ops.add, [$0, causal]) } ?? causal
            }
            let withBias = try bias.map { try ctx.emit(Ops.add, [scores, $0]) } ?? scores
            let probabilities = try ctx.emit(Ops.softmax, [withBias], ["axis": .int(3)])
            var y = try ctx.emit(Ops.matmul, [probabilities, v])
            if threeD {
                let merged = try ctx.emit(Ops.permute, [y], ["dims": .ints([0, 2, 1, 3])])
                y = try ctx.emit(Ops.reshape, [merged], ["shape": .ints([Int64(batch), Int64(qLength), -1])])
            }
            var qkOutput = rawScores
            switch try ctx.int("qk_matmul_output_mode", 0) {
            case 0: qkOutput = rawScores
            case 1: qkOutput = scores
            case 2: qkOutput = withBias
            case 3: qkOutput = probabilities
            case let mode: throw ctx.unsupported("qk_matmul_output_mode \(mode)")
            }
            return [.value(y), .value(presentKey), .value(presentValue), .value(qkOutput)]
        },
    ]
}
