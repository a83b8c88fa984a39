import EdgeIR
import EdgePasses
import EdgeProgram
import Foundation
import Testing

@testable import EdgeBackends

/// The lowering of partitions to XNNPACK graphs: layouts, filters, fused ranges, externals.
@Suite struct XNNPACKLoweringTests {
    /// Partitions `text` and lowers each partition.
    static func lower(_ text: String) throws -> (Module, [XNNGraph]) {
        let module = try IRFile.parse(text, fileName: "case.eir")
        try ArmCPUBackend.partition(module)
        let graphs = try module.functions.filter { $0.attributes["backend"] != nil }.map { f in
            try XNNPACKLowering.lower(f, blobs: module.blobs)
        }
        return (module, graphs)
    }

    static func dims(_ g: XNNGraph, _ id: UInt32) -> [UInt32] { g.value(id: id)?.tensor.dims ?? [] }

    /// The shape of ExecuTorch's own `cnn_fp32` delegate (reference/executorch/xnnpack/cnn_fp32.summary.txt):
    /// one transpose in, conv (relu fused), depthwise conv (relu fused), 1x1 conv, residual add,
    /// hardswish, avg pool, global pool, one transpose out, reshape, fully connected.
    @Test func cnnMatchesExecuTorchsGraphShape() throws {
        let (_, graphs) = try Self.lower("""
        func @main(%x: f32[1,3,16,16]) -> f32[1,4] {
          %w1 = edge.constant {value = dense<0.5>} : f32[8,3,3,3]
          %b1 = edge.constant {value = dense<0.1>} : f32[8]
          %c1 = edge.conv2d(%x, %w1, %b1) {padding = [1, 1], fused_activation = "relu"} : f32[1,8,16,16]
          %w2 = edge.constant {value = dense<0.25>} : f32[8,1,3,3]
          %b2 = edge.constant {value = dense<0.2>} : f32[8]
          %c2 = edge.conv2d(%c1, %w2, %b2) {padding = [1, 1], groups = 8} : f32[1,8,16,16]
          %r2 = edge.relu(%c2) : f32[1,8,16,16]
          %w3 = edge.constant {value = dense<0.125>} : f32[8,8,1,1]
          %b3 = edge.constant {value = dense<0.3>} : f32[8]
          %c3 = edge.conv2d(%r2, %w3, %b3) : f32[1,8,16,16]
          %a = edge.add(%c3, %c1) : f32[1,8,16,16]
          %h = edge.hardswish(%a) : f32[1,8,16,16]
          %p = edge.avg_pool2d(%h) {kernel_size = [2, 2]} : f32[1,8,8,8]
          %m = edge.mean(%p) {axes = [2, 3], keepdim = true} : f32[1,8,1,1]
          %f = edge.reshape(%m) {shape = [1, 8]} : f32[1,8]
          %lw = edge.constant {value = dense<0.5>} : f32[4,8]
          %lb = edge.constant {value = dense<0.0>} : f32[4]
          %l = edge.linear(%f, %lw, %lb) : f32[1,4]
          return %l
        }
        """)
        try #require(graphs.count == 1)
        let g = graphs[0]
        #expect(g.nodes.map(\.type) == [.staticTranspose, .conv2d, .depthwiseConv2d, .conv2d, .add, .hardswish, .avgPooling2d,
                                        .globalAvgPooling2d, .staticTranspose, .staticReshape, .fullyConnected])
        #expect(g.numExterns == 2)
        guard case .staticTranspose(let tin) = g.nodes[0].fields, case .staticTranspose(let tout) = g.nodes[8].fields,
              case .convolution(let conv) = g.nodes[1].fields, case .convolution(let dw) = g.nodes[2].fields,
              case .convolution(let pw) = g.nodes[3].fields, case .pooling(let avg) = g.nodes[6].fields,
              case .node1x1(let gap) = g.nodes[7].fields, case .fullyConnected(let fc) = g.nodes[10].fields else {
            Issue.record("unexpected node fields"); return
        }
        #expect(tin.perm == [0, 2, 3, 1] && tout.perm == [0, 3, 1, 2])
        #expect(Self.dims(g, tin.input) == [1, 3, 16, 16] && Self.dims(g, tin.output) == [1, 16, 16, 3])
        #expect(Self.dims(g, conv.filter) == [8, 3, 3, 3] && Self.dims(g, conv.output) == [1, 16, 16, 8])
        #expect(conv.padding == XNNPadding2D(top: 1, right: 1, bottom: 1, left: 1) && conv.groups == 1)
        #expect(Self.dims(g, dw.filter) == [1, 3, 3, 8] && dw.groups == 8 && dw.groupInputChannels == 1 && dw.groupOutputChannels == 1)
        #expect(Self.dims(g, pw.filter) == [8, 1, 1, 8])
        #expect(g.nodes[1].outputMinMax == .relu && g.nodes[2].outputMinMax == .relu && g.nodes[3].outputMinMax == nil)
        #expect(avg.flags == xnnFlagKeepDims && avg.poolingHeight == 2 && avg.strideHeight == 2)
        #expect(gap.flags == xnnFlagKeepDims && Self.dims(g, gap.output) == [1, 1, 1, 8])
        #expect(Self.dims(g, fc.filter) == [4, 8] && fc.bias != nil)
        // Externals: input 0 NCHW, output 1 = the fully connected result.
        #expect(g.value(id: tin.input)?.tensor.externalID == 0)
        #expect(g.value(id: fc.output)?.tensor.externalID == 1 && g.value(id: fc.output)?.tensor.flags == .externalOutput)
        #expect(g.outputIDs == [fc.output])
        // The payload passes the writer's validation.
        _ = try g.serialize()
    }

    @Test func filtersArePermuted() throws {
        // w[o][i][h][w] = o*1000 + i*100 + h*10 + w, so every position is recognizable.
        var w: [Float] = []
        for o in 0 ..< 2 { for i in 0 ..< 3 { for h in 0 ..< 2 { for x in 0 ..< 2 { w.append(Float(o * 1000 + i * 100 + h * 10 + x)) } } } }
        let literal = w.map { "\($0)" }.joined(separator: ", ")
        let (_, graphs) = try Self.lower("""
        func @main(%x: f32[1,3,4,4]) -> f32[1,2,3,3] {
          %w = edge.constant {value = dense<[\(literal)]>} : f32[2,3,2,2]
          %y = edge.conv2d(%x, %w) : f32[1,2,3,3]
          return %y
        }
        """)
        let g = try #require(graphs.first)
        guard let conv = g.nodes.lazy.compactMap({ n -> XNNConvolution? in if case .convolution(let c) = n.fields { return c }; return nil }).first,
              let value = g.value(id: conv.filter) else { Issue.record("no convolution"); return }
        let entry = g.constantData[Int(value.tensor.constantBufferIndex)]
        let bytes = Array(g.constantRegion[Int(entry.offset) ..< Int(entry.offset + entry.size)])
        let floats = stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
        var ohwi: [Float] = []
        for o in 0 ..< 2 { for h in 0 ..< 2 { for x in 0 ..< 2 { for i in 0 ..< 3 { ohwi.append(Float(o * 1000 + i * 100 + h * 10 + x)) } } } }
        #expect(floats == ohwi)
        #expect(conv.bias == nil)  // written as XNN_INVALID_VALUE_ID
    }

    @Test func fusedRangesAndLayoutAgnosticOps() throws {
        // relu6 (clamp 0..6) after an add is its output range; the concat of two NHWC values stays
        // NHWC along the channel axis (3); the result leaves through one transpose.
        let (_, graphs) = try Self.lower("""
        func @main(%x: f32[1,2,4,4]) -> f32[1,4,4,4] {
          %w = edge.constant {value = dense<0.5>} : f32[2,2,1,1]
          %c = edge.conv2d(%x, %w) : f32[1,2,4,4]
          %a = edge.add(%c, %x) : f32[1,2,4,4]
          %r = edge.clamp(%a) {min = 0.0, max = 6.0} : f32[1,2,4,4]
          %k = edge.concat(%r, %c) {axis = 1} : f32[1,4,4,4]
          return %k
        }
        """)
        let g = try #require(graphs.first)
        #expect(g.nodes.map(\.type) == [.staticTranspose, .conv2d, .add, .concatenate2, .staticTranspose])
        #expect(g.nodes[2].outputMinMax == XNNOutputMinMax(min: 0, max: 6))
        if case .concatenate(let cat) = g.nodes[3].fields { #expect(cat.axis == 3) } else { Issue.record("no concat") }
        // The add reads the input already transposed for the conv (one transpose per value).
        if case .node2x1(let add) = g.nodes[2].fields, case .staticTranspose(let t) = g.nodes[0].fields {
            #expect(add.input2 == t.output)
        }
    }

    @Test func layerNormIsGlobalPoolsOverARowView() throws {
        let (_, graphs) = try Self.lower("""
        func @main(%x: f32[2,5,8]) -> f32[2,5,8] {
          %w = edge.constant {value = dense<1.5>} : f32[8]
          %b = edge.constant {value = dense<0.5>} : f32[8]
          %y = edge.layer_norm(%x, %w, %b) {normalized_shape = [8], epsilon = 1e-6} : f32[2,5,8]
          return %y
        }
        """)
        let g = try #require(graphs.first)
        #expect(g.nodes.map(\.type) == [.staticReshape, .globalAvgPooling2d, .subtract, .square, .globalAvgPooling2d, .add,
                                        .reciprocalSquareRoot, .multiply, .staticReshape, .multiply, .add])
        if case .staticReshape(let r) = g.nodes[0].fields { #expect(r.newShape == [10, 8, 1, 1]) }
        if case .node1x1(let gap) = g.nodes[1].fields { #expect(Self.dims(g, gap.output) == [10, 1, 1, 1]) }
    }

    @Test func returnedValueReadInsideAndAClampThatCannotFuse() throws {
        // %c is returned and read by the relu: the relu stays a clamp node; both results are outputs.
        let (_, graphs) = try Self.lower("""
        func @main(%x: f32[2,3]) -> (f32[2,3], f32[2,3]) {
          %c = edge.sigmoid(%x) : f32[2,3]
          %a = edge.add(%c, %x) : f32[2,3]
          %r = edge.relu(%a) : f32[2,3]
          return %a, %r
        }
        """)
        let g = try #require(graphs.first)
        #expect(g.nodes.map(\.type) == [.sigmoid, .add, .clamp])
        #expect(g.nodes[1].outputMinMax == nil && g.nodes[2].outputMinMax == .relu)
        #expect(g.numExterns == 3)
        let externals = g.values.compactMap { $0.tensor.externalID }.sorted()
        #expect(externals == [0, 1, 2])
    }
}
