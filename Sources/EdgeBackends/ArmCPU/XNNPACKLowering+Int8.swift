import EdgeIR
import EdgeKernels
import EdgeProgram

/// The per-tensor parameters of a `qint8` XNNPACK value (XNNPACK reads the scale as float32).
struct XNNInt8: Hashable, Sendable {
    var scale: Float
    var zeroPoint: Int32
}

// QDQ Edge IR (docs/quantization.md) to XNNPACK's INT8 nodes, as ExecuTorch 1.5.1 lowers PT2E
// programs (reference/executorch/xnnpack: cnn_qs8, block_qs8):
//
// - `edge.quantize` of a float value is an `XNNConvert` fp32 → qint8 (qint8 → qint8 when the
//   value is already held as INT8 with other parameters, no node with the same ones);
// - `edge.dequantize` of an activation is no node: its result is the qint8 value itself, and
//   an fp32 node that reads it gets one `XNNConvert` qint8 → fp32 (made once per value and layout);
// - an op with an INT8 form (``XNNInt8Form``) whose non-constant inputs are all held as INT8 and
//   whose result (through a fused relu/clamp) is read only by a quantize becomes one INT8 node
//   that writes the quantize's result;
// - conv / linear / matmul weights `edge.dequantize(qi8 constant)` become `qcint8` filters with
//   their per-channel scales inline (`PerChannelQuant.scale`, never absent), biases `qcint32` at
//   input_scale × filter_scale[c] (the integers as written when the IR's bias scales are those,
//   else the real bias requantized, round half to even).
extension XNNPACKLowering {
    // MARK: Quantize / dequantize

    mutating func quantize(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        guard let target = try Self.int8Type(op.result) else { throw XNNLoweringError("\(op.diagnosticName): result is not qi8") }
        let p = try get(x)
        if p.quant == target, resultPositions[ObjectIdentifier(op.result)] == nil {
            bindPlaced(op.result, p)
            return
        }
        int8 = (nil, target)
        defer { int8 = nil }
        let out = try define(op.result, nhwc: p.nhwc)
        node(.convert, .node1x1(XNNNode1x1(input: p.id, output: out, flags: 0)))
    }

    /// A dequantize is the qint8 value it reads (fp32 readers convert it, see ``layout(_:nhwc:as:)``).
    mutating func dequantize(_ op: Operation) throws(XNNLoweringError) {
        let p = try get(try operand(op, 0))
        guard p.quant != nil else { throw XNNLoweringError("\(op.diagnosticName): operand is not held as qint8") }
        bindPlaced(op.result, p)
    }

    // MARK: INT8 groups

    /// The quantize that is the only reader of `op`'s result (through a fused activation), and its
    /// parameters; nil when the result is returned or read otherwise.
    func outputQuantize(_ op: Operation) -> (quantize: Operation, result: Value, params: XNNInt8)? {
        guard op.results.count == 1 else { return nil }
        let r = aliasOf(op.result)
        guard resultPositions[ObjectIdentifier(r)] == nil, resultPositions[ObjectIdentifier(op.result)] == nil,
              r.uses.count == 1, let q = r.uses.first?.user, q.definition === Ops.quantize,
              let p = XNNPACKSupport.int8Parameters(q.result.type) else { return nil }
        return (q, r, XNNInt8(scale: p.scale, zeroPoint: p.zeroPoint))
    }

    /// Lowers `op` as one INT8 node when its group matches (see the file comment); false when it
    /// does not (it is then lowered in fp32).
    mutating func lowerInt8(_ op: Operation, form: XNNInt8Form, rule: XNNPACKRule) throws(XNNLoweringError) -> Bool {
        if form == .gemm, let d = op.operand(0)?.definingOp, d.definition === Ops.dynamicQuantize {
            try dynamicGemm(op, input: try operand(d, 0))
            return true
        }
        guard let (q, r, out) = outputQuantize(op) else { return false }
        let activations = form == .gemm ? [try operand(op, 0)] : op.presentOperands
        for v in activations {
            guard !Self.isStatic(v), let p = try? get(v), p.quant != nil else { return false }
        }
        if form == .gemm {
            guard let w = try gemmWeights(op) else { return false }
            if let problem = try int8GemmProblem(op, scales: w.scales) {
                // The stated fallback: the group runs in fp32 (the IR's dequantized weights, exact).
                notes.append("\(op.diagnosticName) runs in fp32: \(problem)")
                return false
            }
        }
        // The node writes the quantize's result.
        setAlias(op.result, q.result)
        if r !== op.result { setAlias(r, q.result) }
        absorbedQuantize.insert(ObjectIdentifier(q))
        int8 = (form == .sameParameters ? out : nil, out)
        defer { int8 = nil }
        if form == .gemm {
            try gemmInt8(op)
        } else {
            try rule.lower(&self, op)
        }
        return true
    }

    /// A quantized weight: its int8 data, dims and per-output-channel scales (`outputAxis` of
    /// the IR weight), and the bias operand; nil when the weight is not a symmetric qi8 constant
    /// the node can take.
    func gemmWeights(_ op: Operation) throws(XNNLoweringError) -> (data: [Int8], dims: [Int], scales: [Float])? {
        guard let (c, outputAxis) = XNNPACKSupport.int8Weight(op), case .quantized(let wt) = c.type.element,
              let dims = c.type.staticShape else { return nil }
        if let b = op.operand(2), !Self.isStatic(b) { return nil }
        let scales: [Float]
        switch wt.scheme {
        case .perTensor(let s, _): scales = [Float](repeating: Float(s), count: dims[outputAxis])
        case .perChannel(_, let ss, _): scales = ss.map { Float($0) }
        case .blockwise: return nil  // a qbint4 filter (``int4Filter``), not qcint8
        }
        return (try integers(c).map { Int8(truncatingIfNeeded: $0) }, dims, scales)
    }

    /// Why XNNPACK would refuse the INT8 node of a gemm `op` whose filter has `scales` (its input
    /// held as qint8), or nil: a filter or bias scale that is not a positive normal float32
    /// (``XNNGraph/quantizationProblem(_:_:dims:external:)``, e.g. a channel of subnormal
    /// weights), or a float bias that overflows int32 at input_scale × filter_scale[c].
    mutating func int8GemmProblem(_ op: Operation, scales: [Float]) throws(XNNLoweringError) -> String? {
        guard let inputScale = try get(try operand(op, 0)).quant?.scale else { return "input is not qint8" }
        let n = UInt32(scales.count)
        let weight = XNNPACKSupport.int8Weight(op).flatMap { $0.constant.nameHint }.map { " '\($0)'" } ?? ""
        if let p = XNNGraph.quantizationProblem(.qcint8, .perChannel(XNNPerChannelQuant(scale: scales, channelDim: 0, numScales: n)), dims: [n]) {
            return "qcint8 filter\(weight): \(p)"
        }
        guard op.definition !== Ops.matmul, let b = op.operand(2) else { return nil }
        let biasScales = scales.map { inputScale * $0 }
        if let p = XNNGraph.quantizationProblem(.qcint32, .perChannel(XNNPerChannelQuant(scale: biasScales, channelDim: 0, numScales: n)), dims: [n]) {
            return "qcint32 bias\(b.nameHint.map { " '\($0)'" } ?? "") (input scale \(inputScale) × filter scale): \(p)"
        }
        if case .failure(let c, let real) = try int8BiasIntegers(b, biasScales: biasScales) {
            return "bias\(b.nameHint.map { " '\($0)'" } ?? "") of channel \(c) (\(real)) overflows int32 at scale \(biasScales[c])"
        }
        return nil
    }

    enum BiasIntegers {
        case success([Int32])
        /// The first channel whose real bias overflows int32 at its scale, and that bias.
        case failure(channel: Int, real: Float)
    }

    /// The integers of a `qcint32` bias at `biasScales`: the IR's own when it is an i32 constant at
    /// exactly those scales, else the real bias requantized (round half to even; NaN → 0).
    func int8BiasIntegers(_ b: Value, biasScales: [Float]) throws(XNNLoweringError) -> BiasIntegers {
        if let dq = b.definingOp, dq.definition === Ops.dequantize, let c = dq.operand(0), case .quantized(let bt) = c.type.element,
           bt.storage == .i32 {
            let p = bt.scheme.parameters
            let ints = try integers(c)
            let same = ints.count == biasScales.count && p.zeroPoints.allSatisfy { $0 == 0 }
                && biasScales.indices.allSatisfy { Float(p.scales[p.axis == nil ? 0 : $0]) == biasScales[$0] }
            if same { return .success(ints.map { Int32(truncatingIfNeeded: $0) }) }
        }
        let real = try floats(b)
        guard real.count == biasScales.count else { throw XNNLoweringError("bias has \(real.count) elements for \(biasScales.count) channels") }
        var out: [Int32] = []
        out.reserveCapacity(real.count)
        for (c, (r, s)) in zip(real, biasScales).enumerated() {
            let q = (Double(r) / Double(s)).rounded(.toNearestOrEven)
            if q.isNaN { out.append(0); continue }
            guard q >= Double(Int32.min), q <= Double(Int32.max) else { return .failure(channel: c, real: r) }
            out.append(Int32(q))
        }
        return .success(out)
    }

    /// The `qcint32` bias of a node whose input has scale `inputScale` and filter `scales`
    /// (``int8GemmProblem(_:scales:)`` has accepted them).
    mutating func int8Bias(_ b: Value, inputScale: Float, scales: [Float]) throws(XNNLoweringError) -> UInt32 {
        let biasScales = scales.map { inputScale * $0 }
        let values: [Int32]
        switch try int8BiasIntegers(b, biasScales: biasScales) {
        case .success(let v): values = v
        case .failure(let c, let real): throw XNNLoweringError("bias of channel \(c) (\(real)) overflows int32 at scale \(biasScales[c])")
        }
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        return graph.addQuantizedTensor(.qcint32, dims: [UInt32(scales.count)], quantization: .perChannel(XNNPerChannelQuant(
            scale: biasScales, channelDim: 0, numScales: UInt32(scales.count))), constant: graph.addConstant(bytes))
    }

    /// A `qcint8` filter with inline per-channel scales along `channelDim`.
    mutating func int8Filter(_ data: [Int8], dims: [Int], scales: [Float], channelDim: Int) -> UInt32 {
        graph.addQuantizedTensor(.qcint8, dims: Self.u32(dims), quantization: .perChannel(XNNPerChannelQuant(
            scale: scales, channelDim: Int32(channelDim), numScales: UInt32(scales.count))),
            constant: graph.addConstant(data.map { UInt8(bitPattern: $0) }))
    }

    /// A `qbint4` filter `[N, K]` (XNNPACK's blockwise 4-bit weights): ``packInt4(_:rows:columns:)``
    /// bytes, and `PerChannelGroupQuant{channel_dim: 0, group_size, num_scales}` whose bf16 scales
    /// (one per [N, K/group] block, row-major; each IR scale rounded to nearest even bf16) are a
    /// constant of their own (`scale_buffer_idx`), as ExecuTorch writes them.
    mutating func int4Filter(_ data: [Int8], dims: [Int], blockSize: Int, scales: [Double]) throws(XNNLoweringError) -> UInt32 {
        guard dims.count == 2, dims[1] % 2 == 0, scales.count * blockSize == dims[0] * dims[1] else {
            throw XNNLoweringError("a qbint4 filter \(dims) with \(scales.count) scales of blocks of \(blockSize) is malformed")
        }
        var scaleBytes: [UInt8] = []
        scaleBytes.reserveCapacity(scales.count * 2)
        for s in scales { withUnsafeBytes(of: HalfPrecision.bf16(from: Float(s)).littleEndian) { scaleBytes.append(contentsOf: $0) } }
        let scaleBuffer = graph.addConstant(scaleBytes)
        let bytes = try Self.packInt4(data, rows: dims[0], columns: dims[1])
        return graph.addQuantizedTensor(.qbint4, dims: Self.u32(dims), quantization: .perChannelGroup(XNNPerChannelGroupQuant(
            channelDim: 0, groupSize: Int32(blockSize), scaleBufferIndex: scaleBuffer, numScales: UInt32(scales.count))),
            constant: graph.addConstant(bytes))
    }

    /// XNNPACK's qbint4 bytes of a `[rows, columns]` matrix of 4-bit integers (``Int4Packing``).
    static func packInt4(_ q: [Int8], rows: Int, columns: Int) throws(XNNLoweringError) -> [UInt8] {
        guard q.count == rows * columns else { throw XNNLoweringError("cannot pack \(q.count) 4-bit values as \(rows) rows of \(columns)") }
        do { return try Int4Packing.pack(q, rowLength: columns) } catch { throw XNNLoweringError("qbint4 filter: \(error)") }
    }

    /// A linear layer after `edge.dynamic_quantize` (XNNPACK's qd8, as ExecuTorch's
    /// `block_dqlinear`): `XNNConvert` fp32 → qdint8 (`PerTokenDynamicQuant{num_nonbatch_dims: 1}`),
    /// `XNNFullyConnected` with the qcint8 filter, an fp32 bias and an fp32 output.
    /// With a `qi4` weight (``XNNPACKSupport/int4Weight(_:)``) the filter is `qbint4` instead (as
    /// ExecuTorch's torchao 8da4w export writes it): ``int4Filter(_:dims:blockSize:scales:)``.
    mutating func dynamicGemm(_ op: Operation, input x: Value) throws(XNNLoweringError) {
        let isMatmul = op.definition === Ops.matmul
        let q4 = XNNPACKSupport.int4Weight(op)
        let q8 = try (q4 == nil ? gemmWeights(op) : nil)
        if q4 == nil, q8 == nil { throw XNNLoweringError("\(op.diagnosticName): weight is not a qi8 or qi4 constant") }
        let source = try nchw(x)
        let xq = graph.addQuantizedTensor(.qdint8, dims: Self.u32(try Self.dims(x)), quantization: .perTokenDynamic(numNonbatchDims: 1))
        node(.convert, .node1x1(XNNNode1x1(input: source, output: xq, flags: 0)))
        let filter: UInt32
        if let (c, block, scales) = q4 {
            let q = try integers(c).map { Int8(truncatingIfNeeded: $0) }, wdims = try Self.dims(c)
            // matmul's [K, N] (scales [K/g, N]) transposed to [N, K] (scales [N, K/g]).
            let data = isMatmul ? Self.permute(floats: q, dims: wdims, perm: [1, 0]) : q
            let s = isMatmul ? Self.permute(floats: scales, dims: [wdims[0] / block, wdims[1]], perm: [1, 0]) : scales
            filter = try int4Filter(data, dims: isMatmul ? [wdims[1], wdims[0]] : wdims, blockSize: block, scales: s)
        } else {
            let (data, wdims, scales) = q8!
            filter = int8Filter(isMatmul ? Self.permute(floats: data, dims: wdims, perm: [1, 0]) : data,
                                dims: isMatmul ? [wdims[1], wdims[0]] : wdims, scales: scales, channelDim: 0)
        }
        let bias: UInt32? = try (isMatmul ? nil : op.operand(2)).map { (b: Value) throws(XNNLoweringError) -> UInt32 in try nchw(b) }
        let out = try define(op.result)
        node(.fullyConnected, .fullyConnected(XNNFullyConnected(input: xq, filter: filter, bias: bias, output: out)), range: outputRange(op))
    }

    /// Conv2d / DepthwiseConv2d / FullyConnected on qint8 (``int8`` is set: inputs as held,
    /// the output with the quantize's parameters).
    mutating func gemmInt8(_ op: Operation) throws(XNNLoweringError) {
        guard let (data, wdims, scales) = try gemmWeights(op) else { throw XNNLoweringError("\(op.diagnosticName): weight is not a qi8 constant") }
        let x = try operand(op, 0)
        guard let inputScale = try get(x).quant?.scale else { throw XNNLoweringError("\(op.diagnosticName): input is not qint8") }
        if op.definition === Ops.conv2d {
            let g = try convGeometry(op)
            let input = try nhwc(x)
            let filter = int8Filter(Self.permute(floats: data, dims: wdims, perm: g.filterPerm), dims: g.xnnFilterDims, scales: scales,
                                    channelDim: g.depthwise ? 3 : 0)
            let bias = try op.operand(2).map { (b: Value) throws(XNNLoweringError) -> UInt32 in try int8Bias(b, inputScale: inputScale, scales: scales) }
            let out = try define(op.result, nhwc: true)
            node(g.depthwise ? .depthwiseConv2d : .conv2d, .convolution(g.fields(input: input, filter: filter, bias: bias, output: out)), range: outputRange(op))
            return
        }
        // linear: [out, in]; matmul's constant [K, N] transposed to [N, K].
        let isMatmul = op.definition === Ops.matmul
        let filterData = isMatmul ? Self.permute(floats: data, dims: wdims, perm: [1, 0]) : data
        let filterDims = isMatmul ? [wdims[1], wdims[0]] : wdims
        let input = try nchw(x)
        let filter = int8Filter(filterData, dims: filterDims, scales: scales, channelDim: 0)
        let bias = try (isMatmul ? nil : op.operand(2)).map { (b: Value) throws(XNNLoweringError) -> UInt32 in try int8Bias(b, inputScale: inputScale, scales: scales) }
        let out = try define(op.result)
        node(.fullyConnected, .fullyConnected(XNNFullyConnected(input: input, filter: filter, bias: bias, output: out)), range: outputRange(op))
    }
}
