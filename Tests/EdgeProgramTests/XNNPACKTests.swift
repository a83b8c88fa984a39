import EdgeProgram
import Foundation
import Testing

/// Shared XNNPACK fixtures: ExecuTorch's own payloads and a hand-built graph.
enum XNNSamples {
    static let folder = Samples.fixtures.appendingPathComponent("xnnpack")

    /// Every `*.xnnpack.bin` payload ExecuTorch 1.5.1 wrote (copied from the reference folder).
    static func referencePayloads() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".xnnpack.bin") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// NCHW input [1,3,8,8] → transpose → conv 3x3 (pad 1) + relu → global avg pool → transpose-free
    /// reshape [1,4] → fully connected [2,4]; self-contained constants.
    static var convNet: XNNGraph {
        var g = XNNGraph()
        let x = g.addTensor(dims: [1, 3, 8, 8], external: .input(0))
        let xt = g.addTensor(dims: [1, 8, 8, 3])
        let w = g.addConstant(floats: (0 ..< 4 * 3 * 3 * 3).map { Float($0 % 7) * 0.125 - 0.375 })
        let filter = g.addTensor(dims: [4, 3, 3, 3], constant: w)
        let bias = g.addTensor(dims: [4], constant: g.addConstant(floats: [0.5, -0.25, 0, 1]))
        let conv = g.addTensor(dims: [1, 8, 8, 4])
        let pooled = g.addTensor(dims: [1, 1, 1, 4])
        let flat = g.addTensor(dims: [1, 4])
        let fcw = g.addTensor(dims: [2, 4], constant: g.addConstant(floats: [1, 2, 3, 4, -1, 0.5, -0.5, 0.25]))
        let y = g.addTensor(dims: [1, 2], external: .output(1))
        g.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: [0, 2, 3, 1], input: x, output: xt)),
                        debugHandle: 65535))
        g.addNode(XNode(.conv2d, .convolution(XNNConvolution(
            padding: XNNPadding2D(top: 1, right: 1, bottom: 1, left: 1), kernelHeight: 3, kernelWidth: 3,
            groupInputChannels: 3, groupOutputChannels: 4, input: xt, filter: filter, bias: bias, output: conv)),
            debugHandle: 1, outputMinMax: .relu))
        g.addNode(.unary(.globalAvgPooling2d, conv, output: pooled, flags: xnnFlagKeepDims, debugHandle: 2))
        g.addNode(XNode(.staticReshape, .staticReshape(XNNStaticReshape(newShape: [1, 4], input: pooled, output: flat))))
        g.addNode(XNode(.fullyConnected, .fullyConnected(XNNFullyConnected(input: flat, filter: fcw, bias: nil, output: y))))
        return g
    }
}

@Suite struct XNNPACKPayloadTests {
    @Test(arguments: (try? XNNSamples.referencePayloads().map(\.name)) ?? [])
    func readsEveryReferencePayload(name: String) throws {
        let bytes = Array(try Data(contentsOf: XNNSamples.folder.appendingPathComponent(name)))
        let graph = try XNNPayloadReader.read(bytes)
        #expect(graph.version == "0")
        #expect(!graph.nodes.isEmpty && !graph.values.isEmpty)
        // The writer reproduces the graph: read → serialize → read is the identity.
        let again = try XNNPayloadReader.read(try graph.serialize())
        #expect(again == graph)
    }

    @Test func allReferencePayloadsArePresent() throws {
        #expect(try XNNSamples.referencePayloads().count == 20)
    }

    @Test func cnnFP32PayloadMatchesExecuTorchSummary() throws {
        let bytes = Array(try Data(contentsOf: XNNSamples.folder.appendingPathComponent("cnn_fp32.xnnpack.bin")))
        let g = try XNNPayloadReader.read(bytes)
        #expect(g.numExterns == 2 && g.inputIDs == [0] && g.outputIDs == [19])
        #expect(g.values[0].tensor == XNNTensorValue(datatype: .fp32, dims: [1, 3, 16, 16], externalID: 0, flags: .externalInput, id: 0))
        #expect(g.values[2].tensor.dims == [8, 3, 3, 3] && g.values[2].tensor.constantBufferIndex == 1)
        #expect(g.constantData.count == 9 && g.constantData[1] == XNNConstantData(offset: .max, size: 864, namedKey: g.constantData[1].namedKey))
        #expect(g.constantData[1].namedKey?.count == 64)
        #expect(g.constantRegion.isEmpty)
        let types = g.nodes.map(\.type)
        #expect(types.first == .staticTranspose && types.contains(.conv2d) && types.contains(.depthwiseConv2d))
        guard case .convolution(let conv) = g.nodes[1].fields else { Issue.record("node 1 is not a convolution"); return }
        #expect(conv.kernelHeight == 3 && conv.groupInputChannels == 3 && conv.groupOutputChannels == 8 && conv.bias == 4)
        #expect(g.nodes[1].outputMinMax == .relu)
    }

    @Test func quantizedPayloadsKeepTheirParameters() throws {
        let bytes = Array(try Data(contentsOf: XNNSamples.folder.appendingPathComponent("cnn_qs8.xnnpack.bin")))
        let g = try XNNPayloadReader.read(bytes)
        let perChannel = g.values.compactMap { v -> XNNPerChannelQuant? in
            if case .perChannel(let q)? = v.quantization { return q }; return nil
        }
        #expect(!perChannel.isEmpty && perChannel.allSatisfy { $0.scale.isEmpty && $0.scaleBufferIndex != 0 })
        let perTensor = g.values.filter { if case .perTensor? = $0.quantization { return true }; return false }
        #expect(perTensor.allSatisfy { $0.tensor.datatype == .qint8 })
        #expect(g.nodes.contains { $0.type == .convert })
        let dq = try XNNPayloadReader.read(Array(try Data(contentsOf: XNNSamples.folder.appendingPathComponent("cnn_dqlinear.xnnpack.bin"))))
        #expect(dq.values.contains { $0.quantization == .perTokenDynamic(numNonbatchDims: 1) && $0.tensor.datatype == .qdint8 })
    }

    @Test func handBuiltGraphRoundTripsWithExactLayout() throws {
        let g = XNNSamples.convNet
        let bytes = try g.serialize()
        #expect(try g.serialize() == bytes)  // deterministic
        #expect(Array(bytes[0 ..< 8]) == [0, 0, 0, 0] + Array("XH00".utf8))
        let header = try #require(try XNNHeader.read(bytes))
        #expect(header.flatBufferOffset == 32)
        #expect(Array(bytes[36 ..< 40]) == Array("XN01".utf8))
        #expect(header.constantDataOffset % 16 == 0 && header.constantDataOffset >= 32 + header.flatBufferSize)
        #expect(Int(header.constantDataOffset) + Int(header.constantDataSize) == bytes.count)
        #expect(header.constantDataSize == UInt64(g.constantRegion.count))
        let read = try XNNPayloadReader.read(bytes)
        #expect(read == g)
        #expect(read.numExterns == 2 && read.inputIDs == [0] && read.outputIDs == [8])
        // Identical constant bytes are stored once; constants start 16-byte aligned.
        var h = g
        #expect(h.addConstant(floats: [0.5, -0.25, 0, 1]) == 2)
        #expect(g.constantData.dropFirst().allSatisfy { $0.offset % 16 == 0 })
    }

    @Test func absentIDsAreWrittenAsInvalidValueID() throws {
        let g = XNNSamples.convNet
        let fb = g.payloadBytes()
        // The fully connected node has no bias: the raw bias_id field must be 0xFFFFFFFF, not absent.
        let read = try XNNPayloadReader.read(fb)
        guard case .fullyConnected(let fc) = read.nodes[4].fields else { Issue.record("node 4 is not fully connected"); return }
        #expect(fc.bias == nil)
        #expect(fb.count > 0)
        var withBias = g
        withBias.nodes[4] = XNode(.fullyConnected, .fullyConnected(XNNFullyConnected(input: 6, filter: 7, bias: 3, output: 8)))
        #expect(withBias.payloadBytes() != fb)
    }
}

@Suite struct XNNPACKHostilePayloadTests {
    static let good = (try? XNNSamples.convNet.serialize()) ?? []

    func expectError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try XNNPayloadReader.read(bytes)
            Issue.record("accepted a bad payload (expected: \(fragment))", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    func patched(_ at: Int, _ value: UInt32) -> [UInt8] {
        var b = Self.good
        for i in 0 ..< 4 { b[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        return b
    }

    @Test func wrongMagic() {
        var b = Self.good
        b[4] = UInt8(ascii: "Q")
        expectError(b, "not an XNNPACK payload")
    }

    @Test func headerOffsetsPastTheEnd() {
        expectError(patched(14, 1 << 20), "does not fit")  // flatbuffer_size
        expectError(patched(18, 1 << 20), "constant data")  // constant_data_offset
        expectError(patched(18, 40), "before the FlatBuffer's end")
        expectError(Array(Self.good.prefix(20)), "shorter than its 30-byte header")
    }

    @Test func truncatedFlatBuffer() {
        // Shrink the declared FlatBuffer to half: offsets inside it now point past its end.
        let size = Int(Self.good[14]) | Int(Self.good[15]) << 8
        expectError(patched(14, UInt32(size / 2)), "malformed XNNGraph FlatBuffer")
    }

    @Test func badIDsAndSizes() throws {
        var g = XNNSamples.convNet
        g.nodes[1] = XNode(.conv2d, .convolution(XNNConvolution(kernelHeight: 3, kernelWidth: 3, groupInputChannels: 3,
                                                                groupOutputChannels: 4, input: 1, filter: 2, bias: 99, output: 5)))
        #expect(throws: XNNPACKError.self) { try g.serialize() }
        let bad = g.payloadBytes()
        expectError(bad, "node 1 (XNNConv2d): input value id 99 does not exist")

        var sizes = XNNSamples.convNet
        sizes.values[2].tensor.dims = [4, 3, 3, 9]  // more elements than constant_data[1] holds
        expectError(sizes.payloadBytes() , "need 1296 bytes but constant_data[1] holds 432")

        var constant = XNNSamples.convNet
        constant.values[2].tensor.constantBufferIndex = 17
        expectError(constant.payloadBytes(), "constant buffer index 17 is out of range")

        var external = XNNSamples.convNet
        external.values[8].tensor.externalID = 5
        expectError(external.payloadBytes(), "external id 5 is not below num_externs 2")

        var flags = XNNSamples.convNet
        flags.values[0].tensor.flags = XNNValueFlags(rawValue: 4)
        expectError(flags.payloadBytes(), "flags 4")

        var cat = XNNSamples.convNet
        cat.nodes.append(XNode(.concatenate3, .concatenate(XNNConcatenate(axis: 0, inputs: [1, 2], output: 6))))
        expectError(cat.payloadBytes(), "2 inputs do not match the node type")

        var region = XNNSamples.convNet
        region.constantData[3].offset = 4000
        #expect(throws: XNNPACKError.self) { try region.serialize() }
    }

    /// XNNPACK's checks on quantized values (`xnn_define_quantized_tensor_value`,
    /// `xnn_define_channelwise_quantized_tensor_value_v2`, as ExecuTorch 1.5.1's XNNCompiler calls
    /// them): a scale the runtime rejects with xnn_status_invalid_parameter ("Failed to define
    /// tensor N", issue 12: a qcint32 bias scale input_scale × a subnormal filter scale) is refused
    /// by the writer and the reader.
    @Test func quantizationParametersXNNPACKRejects() throws {
        func graph(_ datatype: XNNDatatype, _ q: XNNQuantParams, dims: [UInt32] = [4]) -> XNNGraph {
            var g = XNNSamples.convNet
            g.addQuantizedTensor(datatype, dims: dims, quantization: q, constant: g.addConstant([UInt8](repeating: 1, count: 16)))
            return g
        }
        func channels(_ scales: [Float], dim: Int32 = 0) -> XNNQuantParams {
            .perChannel(XNNPerChannelQuant(scale: scales, channelDim: dim, numScales: UInt32(scales.count)))
        }
        let subnormal = Float.leastNormalMagnitude / 2
        let bad: [(XNNGraph, String)] = [
            (graph(.qint8, .perTensor(scale: subnormal, zeroPoint: 0)), "scale \(subnormal) is not a positive normal float32"),
            (graph(.qint8, .perTensor(scale: 0, zeroPoint: 0)), "scale 0.0 is not a positive normal float32"),
            (graph(.qint8, .perTensor(scale: -0.5, zeroPoint: 0)), "is not a positive normal float32"),
            (graph(.qint8, .perTensor(scale: .nan, zeroPoint: 0)), "is not a positive normal float32"),
            (graph(.qint8, .perTensor(scale: .infinity, zeroPoint: 0)), "is not a positive normal float32"),
            (graph(.qint8, .perTensor(scale: 0.1, zeroPoint: 128)), "qint8 zero point 128 is outside [-128, 127]"),
            (graph(.quint8, .perTensor(scale: 0.1, zeroPoint: -1)), "quint8 zero point -1 is outside [0, 255]"),
            (graph(.qint32, .perTensor(scale: 0.1, zeroPoint: 3)), "qint32 zero point 3 is outside [0, 0]"),
            (graph(.qcint8, channels([0.1, 2.4665656e-41, 0.1, 0.1])), "scale of channel 1 \(Float(2.4665656e-41)) is not a positive normal float32"),
            (graph(.qcint32, channels([1e-3, 1e-3, 0, 1e-3])), "scale of channel 2 0.0 is not a positive normal float32"),
            (graph(.qint8, channels([0.1, 0.1, 0.1, 0.1])), "qint8 has no per-channel quantization in XNNPACK"),
            (graph(.fp32, .perTensor(scale: 0.1, zeroPoint: 0)), "fp32 has no per-tensor quantization in XNNPACK"),
        ]
        for (g, fragment) in bad {
            do {
                _ = try g.serialize()
                Issue.record("wrote a payload XNNPACK rejects (expected: \(fragment))")
            } catch {
                #expect(error.message.contains(fragment), "\(error.message)")
                #expect(error.message.hasPrefix("value 9 (id 9): "), "\(error.message)")
            }
            expectError(g.payloadBytes(), fragment)
        }
        // The limits themselves are accepted: the smallest normal scale, zero points at the ends.
        for g in [graph(.qint8, .perTensor(scale: .leastNormalMagnitude, zeroPoint: -128)), graph(.qint8, .perTensor(scale: 3e38, zeroPoint: 127)),
                  graph(.qcint8, channels([0.1, .leastNormalMagnitude, 1, 2])), graph(.qcint8, channels([1, 1, 1, 1], dim: 1), dims: [1, 4]),
                  graph(.qint32, .perTensor(scale: 1e-20, zeroPoint: 0))] {
            #expect(throws: Never.self) { try XNNPayloadReader.read(try g.serialize()) }
        }
    }
}
