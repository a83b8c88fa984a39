import EdgeIR
import EdgePasses
import EdgeProgram
import EdgeRuntime
import EdgeKernels
import EdgeCompiler
import Foundation
import Testing

@testable import EdgeBackends

/// QDQ Edge IR (docs/quantization.md) partitioned and lowered to XNNPACK INT8 nodes.
@Suite struct XNNPACKInt8Tests {
    static func lowerFile(_ name: String) throws -> (Module, [XNNGraph]) {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("Conformance/xnnpack/int8/\(name).eir"), encoding: .utf8)
        return try XNNPACKLoweringTests.lower(text)
    }

    static func datatype(_ g: XNNGraph, _ id: UInt32) -> XNNDatatype? { g.value(id: id)?.tensor.datatype }
    static func quant(_ g: XNNGraph, _ id: UInt32) -> XNNQuantParams? { g.value(id: id)?.quantization }

    /// The shape of ExecuTorch's own `cnn_qs8` delegate: Convert in, int8 transpose, qs8 conv +
    /// relu, depthwise + relu, 1x1 conv, add, (max pool), Convert to the fp32 island (hardswish,
    /// global pool, transpose, reshape), Convert, qs8 fully connected, Convert out.
    @Test func cnnIsOneInt8DelegateShapedLikeExecuTorchs() throws {
        let (module, graphs) = try Self.lowerFile("qcnn")
        try #require(graphs.count == 1)
        #expect(module.mainFunction!.body.operations.filter { $0.definition === Ops.delegateCall }.count == 1)
        let g = graphs[0]
        #expect(g.nodes.map(\.type) == [.convert, .staticTranspose, .conv2d, .depthwiseConv2d, .conv2d, .add, .maxPooling2d, .convert,
                                        .hardswish, .globalAvgPooling2d, .staticTranspose, .staticReshape, .convert, .fullyConnected, .convert])
        guard case .convolution(let conv) = g.nodes[2].fields, case .convolution(let dw) = g.nodes[3].fields,
              case .fullyConnected(let fc) = g.nodes[13].fields else { Issue.record("unexpected fields"); return }
        // External input fp32, its Convert qint8; filter qcint8 OHWI with inline scales, bias qcint32.
        #expect(Self.datatype(g, g.inputIDs[0]) == .fp32)
        #expect(Self.datatype(g, conv.input) == .qint8 && Self.datatype(g, conv.output) == .qint8)
        #expect(Self.datatype(g, conv.filter) == .qcint8 && Self.datatype(g, conv.bias!) == .qcint32)
        #expect(XNNPACKLoweringTests.dims(g, conv.filter) == [8, 3, 3, 3])
        guard case .perChannel(let fq)? = Self.quant(g, conv.filter), case .perChannel(let bq)? = Self.quant(g, conv.bias!),
              case .perTensor(let xs, _)? = Self.quant(g, conv.input) else { Issue.record("missing quantization"); return }
        #expect(fq.channelDim == 0 && fq.scale.count == 8 && fq.numScales == 8)
        #expect(bq.scale == fq.scale.map { xs * $0 })
        #expect(g.nodes[2].outputMinMax == XNNOutputMinMax(min: 0, max: .infinity))
        // Depthwise: [1, kh, kw, C] with the scales on dim 3.
        #expect(XNNPACKLoweringTests.dims(g, dw.filter) == [1, 3, 3, 8])
        guard case .perChannel(let dq)? = Self.quant(g, dw.filter) else { Issue.record("depthwise filter not per channel"); return }
        #expect(dq.channelDim == 3)
        #expect(Self.datatype(g, fc.filter) == .qcint8 && Self.datatype(g, fc.output) == .qint8)
        #expect(Self.datatype(g, g.outputIDs[0]) == .fp32)
        // The payload passes the verified reader's checks (bias scales = input × filter scales, ...).
        #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
    }

    /// A portable op between INT8 ops: the quantized residual crosses from one delegate into the
    /// next as a qint8 external (a CHAR tensor outside), as in ExecuTorch's `block_qs8`; the
    /// dequantize feeding the portable op stays with its producer.
    @Test func int8TensorsCrossPartitions() throws {
        let (module, graphs) = try Self.lowerFile("qblock")
        try #require(graphs.count == 2)
        let out0 = graphs[0].outputIDs.compactMap { graphs[0].value(id: $0)?.tensor.datatype }
        let in1 = graphs[1].inputIDs.compactMap { graphs[1].value(id: $0)?.tensor.datatype }
        #expect(out0.contains(.qint8) && out0.contains(.fp32))
        #expect(in1.contains(.qint8))
        let main = module.mainFunction!
        #expect(!main.body.operations.contains { $0.definition === Ops.quantize || $0.definition === Ops.dequantize })
        // The concatenation of two differently quantized values converts one to the output's parameters.
        let g = graphs[1]
        let cat = g.nodes.first { $0.type == .concatenate2 }
        guard case .concatenate(let c)? = cat?.fields else { Issue.record("no concatenation"); return }
        let params = Set(c.inputs.map { Self.quant(g, $0) } + [Self.quant(g, c.output)])
        #expect(params.count == 1)
        #expect(g.nodes.contains { n in
            guard n.type == .convert, case .node1x1(let u) = n.fields else { return false }
            return Self.datatype(g, u.input) == .qint8 && Self.datatype(g, u.output) == .qint8
        })
        // matmul with a constant [K, N] weight quantized on axis 1: a qs8 fully connected with an [N, K] filter.
        let fc = g.nodes.first { $0.type == .fullyConnected }
        guard case .fullyConnected(let f)? = fc?.fields else { Issue.record("no fully connected"); return }
        #expect(XNNPACKLoweringTests.dims(g, f.filter) == [16, 8] && Self.datatype(g, f.filter) == .qcint8)
    }

    static let island = """
    func @main(%x: f32[1,2,4,4]) -> (f32[1,2,4,4], f32[1,2,4,4]) {
      %xq = edge.quantize(%x) : qi8<scale=0.02, zp=-5>[1,2,4,4]
      %xd = edge.dequantize(%xq) : f32[1,2,4,4]
      %wq = edge.constant {value = dense<[10, -20, 30, 127]>} : qi8<axis=0, scales=[0.01, 0.02], zps=[0, 3]>[2,2,1,1]
      %wd = edge.dequantize(%wq) : f32[2,2,1,1]
      %c = edge.conv2d(%xd, %wd) : f32[1,2,4,4]
      %cq = edge.quantize(%c) : qi8<scale=0.05, zp=0>[1,2,4,4]
      %cd = edge.dequantize(%cq) : f32[1,2,4,4]
      %w2 = edge.constant {value = dense<[1, 2, 3, 4]>} : qi8<axis=0, scales=[0.5, 0.25], zps=[0, 0]>[2,2,1,1]
      %w2d = edge.dequantize(%w2) : f32[2,2,1,1]
      %b2 = edge.constant {value = dense<[0.5, -0.25]>} : f32[2]
      %c2 = edge.conv2d(%cd, %w2d, %b2) : f32[1,2,4,4]
      %c2q = edge.quantize(%c2) : qi8<scale=0.1, zp=1>[1,2,4,4]
      %c2d = edge.dequantize(%c2q) : f32[1,2,4,4]
      return %c2d, %c
    }
    """

    /// Groups that do not match run in fp32 with the weights dequantized at compile time (a
    /// weight with a non-zero zero point; a result also returned); a float bias of an INT8 conv
    /// is quantized at input_scale × filter_scale.
    @Test func unmatchedGroupsAreFloatIslandsAndFloatBiasesAreQuantized() throws {
        let (_, graphs) = try XNNPACKLoweringTests.lower(Self.island)
        try #require(graphs.count == 1)
        let g = graphs[0]
        let convs = g.nodes.compactMap { n -> XNNConvolution? in
            if case .convolution(let c) = n.fields { return c }
            return nil
        }
        try #require(convs.count == 2)
        // First conv: zero point 3 on channel 1 → fp32, filter dequantized: (q - zp) * scale.
        #expect(Self.datatype(g, convs[0].filter) == .fp32 && Self.datatype(g, convs[0].output) == .fp32)
        let entry = g.constantData[Int(g.value(id: convs[0].filter)!.tensor.constantBufferIndex)]
        let bytes = Array(g.constantRegion[Int(entry.offset) ..< Int(entry.offset + entry.size)])
        let w = stride(from: 0, to: bytes.count, by: 4).map { Float(bitPattern: UInt32(bytes[$0]) | UInt32(bytes[$0 + 1]) << 8 | UInt32(bytes[$0 + 2]) << 16 | UInt32(bytes[$0 + 3]) << 24) }
        #expect(w == [Float(10) * 0.01, Float(-20) * 0.01, Float(30 - 3) * 0.02, Float(127 - 3) * 0.02])
        // Second conv: INT8, bias int32 = round(b / (0.05 * s_w)).
        #expect(Self.datatype(g, convs[1].output) == .qint8)
        let be = g.constantData[Int(g.value(id: convs[1].bias!)!.tensor.constantBufferIndex)]
        let bb = Array(g.constantRegion[Int(be.offset) ..< Int(be.offset + be.size)])
        let bias = stride(from: 0, to: bb.count, by: 4).map { Int32(bitPattern: UInt32(bb[$0]) | UInt32(bb[$0 + 1]) << 8 | UInt32(bb[$0 + 2]) << 16 | UInt32(bb[$0 + 3]) << 24) }
        #expect(bias == [Int32((Double(Float(0.5)) / Double(Float(0.05) * Float(0.5))).rounded()), Int32((Double(Float(-0.25)) / Double(Float(0.05) * Float(0.25))).rounded())])
    }

    /// QDQ IR whose INT8 nodes XNNPACK would refuse (issue 12: ExecuTorch's "Failed to define
    /// tensor N with code: xnn_status_invalid_parameter"): a subnormal filter scale; a bias scale
    /// input_scale × filter_scale that underflows to a subnormal; a float bias that overflows
    /// int32 at its scale. Each group runs in fp32 (the IR's dequantized weights, exact), the
    /// fallback is stated with the node's name, and the payload passes XNNPACK's checks.
    @Test func groupsXNNPACKCannotHoldRunInFp32WithAStatedFallback() throws {
        let text = """
        func @main(%x: f32[1,2,4,4]) -> (f32[1,2,4,4]) {
          %xq = edge.quantize(%x) : qi8<scale=0.02, zp=-5>[1,2,4,4]
          %xd = edge.dequantize(%xq) : f32[1,2,4,4]
          %w1 = edge.constant {value = dense<[10, -20, 30, 127]>} : qi8<axis=0, scales=[0.01, 1e-40], zps=[0, 0]>[2,2,1,1]
          %w1d = edge.dequantize(%w1) : f32[2,2,1,1]
          %c1 = edge.conv2d(%xd, %w1d) : f32[1,2,4,4] loc("subnormal_filter")
          %c1q = edge.quantize(%c1) : qi8<scale=0.05, zp=0>[1,2,4,4]
          %c1d = edge.dequantize(%c1q) : f32[1,2,4,4]
          %w2 = edge.constant {value = dense<[1, 2, 3, 4]>} : qi8<axis=0, scales=[0.5, 1e-37], zps=[0, 0]>[2,2,1,1]
          %w2d = edge.dequantize(%w2) : f32[2,2,1,1]
          %b2 = edge.constant {value = dense<[0.5, -0.25]>} : f32[2]
          %c2 = edge.conv2d(%c1d, %w2d, %b2) : f32[1,2,4,4] loc("subnormal_bias_scale")
          %c2q = edge.quantize(%c2) : qi8<scale=0.1, zp=1>[1,2,4,4]
          %c2d = edge.dequantize(%c2q) : f32[1,2,4,4]
          %w3 = edge.constant {value = dense<[1, 2, 3, 4]>} : qi8<axis=0, scales=[0.5, 1e-9], zps=[0, 0]>[2,2,1,1]
          %w3d = edge.dequantize(%w3) : f32[2,2,1,1]
          %b3 = edge.constant {value = dense<[0.5, 10.0]>} : f32[2]
          %c3 = edge.conv2d(%c2d, %w3d, %b3) : f32[1,2,4,4] loc("bias_overflow")
          %c3q = edge.quantize(%c3) : qi8<scale=0.1, zp=1>[1,2,4,4]
          %c3d = edge.dequantize(%c3q) : f32[1,2,4,4]
          return %c3d
        }
        """
        let module = try IRFile.parse(text, fileName: "case.eir")
        try ArmCPUBackend.partition(module)
        let parts = module.functions.filter { $0.attributes["backend"] != nil }
        try #require(parts.count == 1)
        let (g, notes) = try XNNPACKLowering.lowerWithNotes(parts[0], blobs: module.blobs)
        let convs = g.nodes.compactMap { n -> XNNConvolution? in
            if case .convolution(let c) = n.fields { return c }
            return nil
        }
        try #require(convs.count == 3)
        for c in convs { #expect(Self.datatype(g, c.filter) == .fp32 && Self.datatype(g, c.output) == .fp32) }
        try #require(notes.count == 3, "\(notes)")
        #expect(notes[0].contains("\"subnormal_filter\"") && notes[0].contains("runs in fp32: qcint8 filter") && notes[0].contains("scale of channel 1"), "\(notes[0])")
        #expect(notes[1].contains("\"subnormal_bias_scale\"") && notes[1].contains("qcint32 bias") && notes[1].contains("not a positive normal float32"), "\(notes[1])")
        #expect(notes[2].contains("\"bias_overflow\"") && notes[2].contains("overflows int32"), "\(notes[2])")
        #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
        // The whole program compiles, and --stats states the fallbacks.
        let compiled = try ArmCPUBackend().lower(try IRFile.parse(text, fileName: "case.eir"))
        let stats = compiled.delegation?.text ?? ""
        #expect(stats.contains("edge.conv2d") && stats.contains("runs in fp32"), "\(stats)")
    }

    /// The quantizer never writes such parameters: a channel of subnormal weights (PP-OCRv4's
    /// batch-norm-folded convs have them, max |w| down to 3e-40), here next to a bias of 0.3, gets the smallest scale
    /// for which the filter scale and input_scale × scale are normal and the bias fits in int32,
    /// so the conv stays one INT8 node and its bias is not saturated.
    @Test func subnormalWeightChannelsGetScalesXNNPACKAccepts() throws {
        let module = try IRFile.parse("""
        func @main(%x: f32[1,2,4,4]) -> (f32[1,2,4,4]) {
          %w = edge.constant {value = dense<[0.5, -0.25, 1e-42, -3e-41]>} : f32[2,2,1,1]
          %b = edge.constant {value = dense<[0.1, 0.3]>} : f32[2]
          %c = edge.conv2d(%x, %w, %b) : f32[1,2,4,4] loc("folded")
          return %c
        }
        """, fileName: "case.eir")
        let f = module.mainFunction!
        let plan = QuantizationPlan(f)
        let params = [ActivationParameters](repeating: ActivationParameters(range: -1, 1), count: plan.groupCount)
        let r = Rewriter(function: f)
        try InsertQDQ.apply(plan, parameters: params, to: f, rewriter: r)
        try QuantizeWeights.run(f, rewriter: r)
        let inScale = Float(params[0].scale)
        let conv = try #require(f.body.operations.first { $0.definition === Ops.conv2d })
        guard case .quantized(let wt)? = conv.operand(1)?.definingOp?.operand(0)?.type.element,
              case .quantized(let bt)? = conv.operand(2)?.definingOp?.operand(0)?.type.element else {
            Issue.record("weight or bias not quantized: \(IRPrinter().print(module))"); return
        }
        let ws = wt.scheme.parameters.scales.map(Float.init), bs = bt.scheme.parameters.scales.map(Float.init)
        #expect(ws[0] == Float(0.5) / 127)
        #expect(ws[1] == QuantizeWeights.minimumScale(bias: 0.3, inputScale: inScale) && ws[1].isNormal)
        #expect(bs.allSatisfy { $0.isNormal } && bs[1] == inScale * ws[1])
        try ArmCPUBackend.partition(module)
        let parts = module.functions.filter { $0.attributes["backend"] != nil }
        try #require(parts.count == 1)
        let (g, notes) = try XNNPACKLowering.lowerWithNotes(parts[0], blobs: module.blobs)
        #expect(notes.isEmpty, "\(notes)")
        let c = g.nodes.compactMap { n -> XNNConvolution? in
            if case .convolution(let c) = n.fields { return c }
            return nil
        }
        try #require(c.count == 1)
        #expect(Self.datatype(g, c[0].filter) == .qcint8 && Self.datatype(g, c[0].bias!) == .qcint32)
        #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
        // The bias is 0.1 and 0.3 in int32 at its scales (to half a step, or f32 rounding of the
        // quotient near 2^31), not a saturated int32.max × scale.
        let be = g.constantData[Int(g.value(id: c[0].bias!)!.tensor.constantBufferIndex)]
        let bb = Array(g.constantRegion[Int(be.offset) ..< Int(be.offset + be.size)])
        let bias = stride(from: 0, to: bb.count, by: 4).map { Int32(bitPattern: UInt32(bb[$0]) | UInt32(bb[$0 + 1]) << 8 | UInt32(bb[$0 + 2]) << 16 | UInt32(bb[$0 + 3]) << 24) }
        for (c, real) in [Float(0.1), 0.3].enumerated() {
            #expect(abs(Double(bias[c]) * Double(bs[c]) - Double(real)) <= max(Double(bs[c]) / 2, 1e-7 * Double(real)), "\(bias)")
        }
    }

    /// A quantize no INT8 node produces, or one with a per-channel type, is refused with a reason;
    /// the partitioner reports it.
    @Test func refusalsNameTheQuantizedType() throws {
        let module = try IRFile.parse("""
        func @main(%x: f32[2,3]) -> f32[2,3] {
          %q = edge.quantize(%x) : qi8<axis=0, scales=[0.5, 0.25], zps=[0, 0]>[2,3]
          %d = edge.dequantize(%q) : f32[2,3]
          return %d
        }
        """, fileName: "case.eir")
        let q = module.mainFunction!.body.operations.first { $0.definition === Ops.quantize }!
        #expect(XNNPACKSupport.refusal(for: q)?.contains("is not per-tensor qi8") == true)
    }

    /// Dynamic INT8 (as ExecuTorch's `block_dqlinear`): Convert fp32 → qdint8 per token, qd8 fully
    /// connected with a qcint8 filter and an fp32 bias and output; matmul's [K, N] weight transposed.
    @Test func dynamicLinearIsQd8FullyConnected() throws {
        let (_, graphs) = try XNNPACKLoweringTests.lower("""
        func @main(%x: f32[1,3,4]) -> (f32[1,3,2], f32[1,3,2]) {
          %wq = edge.constant {value = dense<[127, -64, 0, 32, 5, 6, 7, 8]>} : qi8<axis=0, scales=[0.01, 0.02], zps=[0, 0]>[2,4]
          %wd = edge.dequantize(%wq) : f32[2,4]
          %b = edge.constant {value = dense<[0.5, -0.5]>} : f32[2]
          %xd = edge.dynamic_quantize(%x) : f32[1,3,4]
          %y = edge.linear(%xd, %wd, %b) {fused_activation = "relu"} : f32[1,3,2]
          %mq = edge.constant {value = dense<[1, 2, 3, 4]>} : qi8<axis=1, scales=[0.5, 0.25], zps=[0, 0]>[2,2]
          %md = edge.dequantize(%mq) : f32[2,2]
          %yd = edge.dynamic_quantize(%y) : f32[1,3,2]
          %z = edge.matmul(%yd, %md) : f32[1,3,2]
          return %y, %z
        }
        """)
        try #require(graphs.count == 1)
        let g = graphs[0]
        #expect(g.nodes.map(\.type) == [.convert, .fullyConnected, .convert, .fullyConnected])
        guard case .fullyConnected(let fc) = g.nodes[1].fields, case .fullyConnected(let mm) = g.nodes[3].fields else { Issue.record("no fully connected"); return }
        #expect(Self.datatype(g, fc.input) == .qdint8 && Self.quant(g, fc.input) == .perTokenDynamic(numNonbatchDims: 1))
        #expect(Self.datatype(g, fc.filter) == .qcint8 && Self.datatype(g, fc.bias!) == .fp32 && Self.datatype(g, fc.output) == .fp32)
        #expect(g.nodes[1].outputMinMax == XNNOutputMinMax(min: 0, max: .infinity))
        #expect(XNNPACKLoweringTests.dims(g, mm.filter) == [2, 2])
        guard case .perChannel(let q)? = Self.quant(g, mm.filter) else { Issue.record("matmul filter not per channel"); return }
        #expect(q.scale == [0.5, 0.25] && q.channelDim == 0)
        #expect(g.precision == "int8 (qd8)")
        #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
    }

    /// INT4 weights (as ExecuTorch's torchao 8da4w export): the qd8 fully connected takes a
    /// `qbint4` [N, K] filter, two values per byte along K (element 2j low nibble, 2j+1 high,
    /// stored q + 8), PerChannelGroupQuant{channel_dim 0, group_size 32} with bf16 scales in a
    /// constant of their own; a known [2, 64] weight gives exactly these bytes.
    @Test func int4LinearIsQbint4FullyConnectedWithPackedNibbles() throws {
        let (_, graphs) = try XNNPACKLoweringTests.lower("""
        func @main(%x: f32[3,64]) -> f32[3,2] {
          %wq = edge.constant {value = dense<[-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, -7, -6, -5, -4]>} : qi4<axis=1, block=32, scales=[1.0, 0.5, 1.0, 0.25]>[2,64]
          %wd = edge.dequantize(%wq) : f32[2,64]
          %b = edge.constant {value = dense<[0.5, -0.5]>} : f32[2]
          %xd = edge.dynamic_quantize(%x) : f32[3,64]
          %y = edge.linear(%xd, %wd, %b) : f32[3,2]
          return %y
        }
        """)
        try #require(graphs.count == 1)
        let g = graphs[0]
        #expect(g.nodes.map(\.type) == [.convert, .fullyConnected])
        guard case .fullyConnected(let fc) = g.nodes[1].fields else { Issue.record("no fully connected"); return }
        #expect(Self.datatype(g, fc.input) == .qdint8 && Self.datatype(g, fc.filter) == .qbint4 && Self.datatype(g, fc.bias!) == .fp32)
        #expect(XNNPACKLoweringTests.dims(g, fc.filter) == [2, 64])
        guard case .perChannelGroup(let q)? = Self.quant(g, fc.filter) else { Issue.record("filter is not PerChannelGroupQuant"); return }
        #expect(q.channelDim == 0 && q.groupSize == 32 && q.numScales == 4 && q.scale.isEmpty && q.scaleBufferIndex != 0)
        func bytes(_ index: UInt32) -> [UInt8] {
            let c = g.constantData[Int(index)]
            return Array(g.constantRegion[Int(c.offset) ..< Int(c.offset + c.size)])
        }
        let packed: [UInt8] = [0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x1f, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x1f, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x21, 0x43, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x1f, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x21, 0x43]
        #expect(bytes(g.value(id: fc.filter)!.tensor.constantBufferIndex) == packed)
        // bf16 1.0, 0.5, 1.0, 0.25, little-endian.
        #expect(bytes(q.scaleBufferIndex) == [0x80, 0x3F, 0x00, 0x3F, 0x80, 0x3F, 0x80, 0x3E])
        #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
    }

    /// A qi4 weight whose blocks XNNPACK cannot take (16 long) leaves the dynamic_quantize refused.
    @Test func int4WeightNeedsBlocksOfAMultipleOf32() throws {
        let module = try IRFile.parse("""
        func @main(%x: f32[1,32]) -> f32[1,1] {
          %wq = edge.constant {value = dense<[1, 2, 3, 4, 5, 6, 7, -8, 1, 2, 3, 4, 5, 6, 7, -8, 1, 2, 3, 4, 5, 6, 7, -8, 1, 2, 3, 4, 5, 6, 7, -8]>} : qi4<axis=1, block=16, scales=[1.0, 1.0]>[1,32]
          %wd = edge.dequantize(%wq) : f32[1,32]
          %xd = edge.dynamic_quantize(%x) : f32[1,32]
          %y = edge.linear(%xd, %wd) : f32[1,1]
          return %y
        }
        """, fileName: "case.eir")
        let d = module.mainFunction!.body.operations.first { $0.definition === Ops.dynamicQuantize }!
        #expect(XNNPACKSupport.refusal(for: d)?.contains("which is not a linear layer with a qi8 weight") == true)
    }

    /// edgec's interpreter runs the qbint4 fully connected of `quantize-dynamic-int4` (groups of 32
    /// and 64): against the float linear with the dequantized 4-bit weights, the error is within
    /// what per-row INT8 activations allow (half a step of the row's scale times Σ|w| per output),
    /// and against the original f32 weights the outputs keep a cosine of at least 0.99.
    @Test(arguments: [32, 64])
    func interpreterRunsInt4AgainstAFloatReference(groupSize: Int) throws {
        let (rows, k, n) = (5, 128, 24)
        let w = try wave([n, k], phase: 0.3), b = try wave([n], phase: 1.1), x = try wave([rows, k], phase: 2.0)
        func dense(_ t: Tensor) -> String { t.floats().map { "\($0)" }.joined(separator: ", ") }
        let module = try IRFile.parse("""
        func @main(%x: f32[\(rows),\(k)]) -> f32[\(rows),\(n)] {
          %w = edge.constant {value = dense<[\(dense(w))]>} : f32[\(n),\(k)]
          %b = edge.constant {value = dense<[\(dense(b))]>} : f32[\(n)]
          %y = edge.linear(%x, %w, %b) : f32[\(rows),\(n)]
          return %y
        }
        """, fileName: "case.eir")
        var manager = PassManager(passes: [DynamicQuantization.int4(groupSize: groupSize)])
        try manager.run(module)
        let c = module.mainFunction!.body.operations.first { $0.definition === Ops.constant && $0.result.type.rank == 2 }!
        guard case .quantized(let qt) = c.result.type.element, case .blockwise(1, groupSize, let scales) = qt.scheme else {
            Issue.record("weight is not qi4 in groups of \(groupSize): \(TypeText.type(c.result.type))"); return
        }
        guard case .dense(let d)? = c.attribute("value") else { Issue.record("weight has no data"); return }
        let raw: Data
        switch d {
        case .inline(let bytes): raw = Data(bytes)
        case .blob(let name): raw = try #require(module.blobs[name])
        }
        let ints = try Tensor(bytes: [UInt8](raw), dtype: .i8, shape: [n, k])
        #expect(ints.int64s().allSatisfy { (-8 ... 7).contains($0) })
        let wq = try Dequantize.run(ints, parameters: qt.scheme.parameters).floats()
        #expect(scales.count == n * k / groupSize)
        let compiled = try ProgramCompiler(backend: ArmCPUBackend.name).compile(module)
        #expect(compiled.delegation?.leftOut.isEmpty == true)
        let got = try runCompiled(compiled, [x])[0].floats()
        let xs = x.floats(), ws = w.floats(), bs = b.floats()
        var dot = 0.0, gg = 0.0, ff = 0.0
        for r in 0 ..< rows {
            let row = xs[r * k ..< (r + 1) * k]
            let step = Double(max(row.max()!, 0) - min(row.min()!, 0)) / 255
            for o in 0 ..< n {
                var ref = Double(bs[o]), f = Double(bs[o]), absW = 0.0
                for i in 0 ..< k {
                    ref += Double(row[r * k + i]) * Double(wq[o * k + i])
                    f += Double(row[r * k + i]) * Double(ws[o * k + i])
                    absW += abs(Double(wq[o * k + i]))
                }
                let v = Double(got[r * n + o])
                #expect(abs(v - ref) <= 0.5 * step * absW + 1e-5, "row \(r) output \(o): \(v) vs \(ref)")
                dot += v * f; gg += v * v; ff += f * f
            }
        }
        #expect(dot / (gg * ff).squareRoot() >= 0.99)
    }

    /// `quantize-embeddings-int4`: the gathered rows of the packed table, unpacked by portable
    /// kernels in edgec's interpreter, are exactly `edge.dequantize` of the qi4 table's rows.
    @Test func int4EmbeddingRowsAreTheDequantizedTable() throws {
        let (v, d) = (6, 64)
        let table = try wave([v, d], phase: 0.7)
        let ids: [Int64] = [5, 0, 3, 3]
        let module = try IRFile.parse("""
        func @main(%ids: i64[4]) -> f32[4,\(d)] {
          %t = edge.constant {value = dense<[\(table.floats().map { "\($0)" }.joined(separator: ", "))]>} : f32[\(v),\(d)]
          %y = edge.index_select(%t, %ids) {dim = 0} : f32[4,\(d)]
          return %y
        }
        """, fileName: "case.eir")
        var manager = PassManager(passes: [QuantizeEmbeddings.int4(groupSize: 32)])
        try manager.run(module)
        #expect(!module.mainFunction!.body.operations.contains { $0.definition === Ops.constant && $0.result.type == TensorType(.f32, [v, d]) })
        let (type, q, _) = try QuantizeWeights.symmetricBlockwise(table, shape: [v, d], axis: 1, blockSize: 32)
        let want = try Dequantize.run(q, parameters: type.scheme.parameters).floats()
        let compiled = try ProgramCompiler(backend: ArmCPUBackend.name).compile(module)
        let got = try runCompiled(compiled, [try Tensor(ids, shape: [4])])[0].floats()
        #expect(got == ids.flatMap { want[Int($0) * d ..< (Int($0) + 1) * d] })
        let err = zip(got, ids.flatMap { table.floats()[Int($0) * d ..< (Int($0) + 1) * d] }).map { abs($0 - $1) }.max() ?? 0
        #expect(err <= 0.08, "max |Δ| vs the f32 table \(err)")
    }

    /// A layer (or embedding row) that the requested group size does not divide takes the largest
    /// multiple of 32 below it that does; one that no multiple of 32 divides keeps INT8 weights
    /// (an embedding table stays f32), and the compiler's notes say which.
    @Test func int4GroupSizeFallsBackToTheLargestMultipleOf32ThatDivides() throws {
        #expect(DynamicQuantization.int4GroupSize(inputSize: 64, requested: 128) == 64)
        #expect(DynamicQuantization.int4GroupSize(inputSize: 128, requested: 128) == 128)
        #expect(DynamicQuantization.int4GroupSize(inputSize: 96, requested: 64) == 32)
        #expect(DynamicQuantization.int4GroupSize(inputSize: 320, requested: 128) == 64)
        #expect(DynamicQuantization.int4GroupSize(inputSize: 48, requested: 64) == nil)
        #expect(DynamicQuantization.int4GroupSize(inputSize: 33, requested: 32) == nil)
        func dense(_ t: Tensor) -> String { t.floats().map { "\($0)" }.joined(separator: ", ") }
        let w64 = try wave([8, 64], phase: 0.1), w128 = try wave([128, 8], phase: 0.2), w48 = try wave([8, 48], phase: 0.3)
        let table = try wave([5, 64], phase: 0.4)
        let module = try IRFile.parse("""
        func @main(%x: f32[2,64], %h: f32[2,128], %z: f32[2,48], %ids: i64[3]) -> (f32[2,8], f32[2,8], f32[2,8], f32[3,64]) {
          %w64 = edge.constant {value = dense<[\(dense(w64))]>} : f32[8,64]
          %w128 = edge.constant {value = dense<[\(dense(w128))]>} : f32[128,8]
          %w48 = edge.constant {value = dense<[\(dense(w48))]>} : f32[8,48]
          %t = edge.constant {value = dense<[\(dense(table))]>} : f32[5,64]
          %a = edge.linear(%x, %w64) : f32[2,8]
          %b = edge.matmul(%h, %w128) : f32[2,8]
          %c = edge.linear(%z, %w48) : f32[2,8]
          %e = edge.index_select(%t, %ids) {dim = 0} : f32[3,64]
          return %a, %b, %c, %e
        }
        """, fileName: "case.eir")
        let main = try #require(module.mainFunction)
        let notes = DynamicQuantization.int4Fallbacks(main, groupSize: 128).map { DynamicQuantization.int4FallbackNote($0.op, blockSize: $0.blockSize, reason: $0.reason) }
        #expect(notes.count == 2)
        #expect(notes.contains { $0.contains("has 4-bit weights in groups of 64: group size 128 does not divide its 64 input features") }, "\(notes)")
        #expect(notes.contains { $0.contains("keeps INT8 weights (dynamic INT8): no multiple of 32 up to group size 128 divides its 48 input features") }, "\(notes)")
        let tableNotes = QuantizeEmbeddings.fallbacks(main, groupSize: 128)
        #expect(tableNotes.count == 1 && tableNotes.first?.blockSize == 64 && tableNotes.first?.reason.contains("its 64 row elements") == true, "\(tableNotes)")
        var manager = PassManager(passes: [DynamicQuantization.int4(groupSize: 128), QuantizeEmbeddings.int4(groupSize: 128)])
        try manager.run(module)
        var schemes: [String: String] = [:]
        for op in main.body.operations where op.definition === Ops.constant {
            if case .quantized(let qt) = op.result.type.element {
                switch qt.scheme {
                case .blockwise(let axis, let block, _): schemes[op.result.nameHint ?? "?"] = "block \(block) on axis \(axis)"
                case .perChannel(let axis, _, _): schemes[op.result.nameHint ?? "?"] = "INT8 on axis \(axis)"
                default: break
                }
            }
        }
        #expect(schemes == ["w64_q4": "block 64 on axis 1", "w128_q4": "block 128 on axis 0", "w48_q8": "INT8 on axis 0"], "\(schemes)")
        #expect(main.body.operations.contains { $0.definition === Ops.constant && $0.result.type == TensorType(.bf16, [5, 1]) })
        let compiled = try ProgramCompiler(backend: ArmCPUBackend.name).compile(module)
        let ids: [Int64] = [4, 1, 4]
        let got = try runCompiled(compiled, [try wave([2, 64]), try wave([2, 128]), try wave([2, 48]), try Tensor(ids, shape: [3])])[3].floats()
        let (type, q, _) = try QuantizeWeights.symmetricBlockwise(table, shape: [5, 64], axis: 1, blockSize: 64)
        let want = try Dequantize.run(q, parameters: type.scheme.parameters).floats()
        #expect(got == ids.flatMap { want[Int($0) * 64 ..< (Int($0) + 1) * 64] })
    }

    /// With `minimumSaving` (what `--quantize int4-weights` asks: ``QuantizeEmbeddings/unpackingBytes``)
    /// a table whose 4-bit form saves fewer bytes stays f32 (a token-type table [2, 64] saves 440
    /// bytes); a larger one is quantized.
    @Test func smallEmbeddingTablesStayF32UnderAMinimumSaving() throws {
        #expect(QuantizeEmbeddings.savedBytes(rows: 2, rowLength: 64, groupSize: 32) == 512 - 64 - 8)
        #expect(QuantizeEmbeddings.savedBytes(rows: 40, rowLength: 64, groupSize: 64) == 10240 - 1280 - 80)
        func run(_ v: Int) throws -> Bool {
            let table = try wave([v, 64], phase: 0.2)
            let module = try IRFile.parse("""
            func @main(%ids: i64[3]) -> f32[3,64] {
              %t = edge.constant {value = dense<[\(table.floats().map { "\($0)" }.joined(separator: ", "))]>} : f32[\(v),64]
              %y = edge.index_select(%t, %ids) {dim = 0} : f32[3,64]
              return %y
            }
            """, fileName: "case.eir")
            let notes = QuantizeEmbeddings.fallbacks(module.mainFunction!, groupSize: 128, minimumSaving: QuantizeEmbeddings.unpackingBytes)
            var manager = PassManager(passes: [QuantizeEmbeddings.int4(groupSize: 128, minimumSaving: QuantizeEmbeddings.unpackingBytes)])
            try manager.run(module)
            let quantized = module.mainFunction!.body.operations.contains { $0.definition === Ops.constant && $0.result.type == TensorType(.u8, [v, 32]) }
            #expect(notes.count == (quantized ? 1 : 0))
            return quantized
        }
        #expect(try run(2) == false)
        #expect(try run(40) == true)
    }

    /// A dynamic_quantize read by anything but a linear layer with a qi8 weight is refused, naming the reader.
    @Test func dynamicQuantizeNeedsAQuantizedLinearReader() throws {
        let module = try IRFile.parse("""
        func @main(%x: f32[2,4]) -> f32[2,4] {
          %xd = edge.dynamic_quantize(%x) : f32[2,4]
          %y = edge.relu(%xd) : f32[2,4]
          return %y
        }
        """, fileName: "case.eir")
        let d = module.mainFunction!.body.operations.first { $0.definition === Ops.dynamicQuantize }!
        #expect(XNNPACKSupport.refusal(for: d)?.contains("which is not a linear layer with a qi8 weight") == true)
    }

    /// edgec's interpreter reproduces ExecuTorch's outputs of the programs edgec compiles from
    /// `Conformance/xnnpack/int8/*.eir` (recorded by Conformance/xnnpack/check_int8.py): INT8
    /// outputs exactly, float outputs within 1e-5 of their range.
    @Test(arguments: [("qcnn", [true]), ("qblock", [true, false]), ("dqmlp", [false, false]), ("dq4mlp", [false, false]), ("dq4mlp64", [false, false])])
    func interpreterMatchesExecuTorch(name: String, int8Outputs: [Bool]) throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("Conformance/xnnpack/int8/\(name).eir"), encoding: .utf8)
        let module = try IRFile.parse(text, fileName: "\(name).eir")
        if name.hasPrefix("dq") {
            let pass = name == "dq4mlp" ? DynamicQuantization.int4(groupSize: 32) : name == "dq4mlp64" ? DynamicQuantization.int4(groupSize: 64) : DynamicQuantization.pass
            var manager = PassManager(passes: [pass])
            try manager.run(module)
        }
        let compiled = try ProgramCompiler(backend: ArmCPUBackend.name).compile(module)
        let folder = repoRoot.appendingPathComponent("Conformance/xnnpack/expected")
        func npy(_ kind: String, _ k: Int) throws -> Tensor {
            try NPY.decode([UInt8](try Data(contentsOf: folder.appendingPathComponent("int8_\(name).\(kind)\(k).npy"))))
        }
        let outputs = try runCompiled(compiled, [try npy("input", 0)])
        try #require(outputs.count == int8Outputs.count)
        for (k, exact) in int8Outputs.enumerated() {
            let got = outputs[k].floats(), want = try npy("output", k).floats()
            let span = want.map(abs).max() ?? 1
            let err = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            #expect(exact ? err == 0 : err <= 1e-5 * Swift.max(span, 1), "\(name) output \(k): max |Δ| \(err)")
        }
    }
}
