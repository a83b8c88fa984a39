import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Reads `folder/stem.input<k>.npy` / `.output<k>.npy` (written by Conformance/xnnpack/check_payloads.py).
func npyFiles(_ folder: URL, _ stem: String, _ kind: String) throws -> [Tensor] {
    var out: [Tensor] = []
    while true {
        let url = folder.appendingPathComponent("\(stem).\(kind)\(out.count).npy")
        guard FileManager.default.fileExists(atPath: url.path) else { return out }
        out.append(try NPY.decode([UInt8](try Data(contentsOf: url))))
    }
}

/// Max of |a - b| / max(1, |b|) over two float tensors of the same shape.
func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
    let x = a.withView { Array($0.buffer(as: Float.self)) }, y = b.withView { Array($0.buffer(as: Float.self)) }
    return zip(x, y).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1) / Swift.max(1, Swift.abs($1.1))) }
}

@Suite struct XNNPACKRuntimeTests {
    static let referenceFolder = fixtures.appendingPathComponent("xnnpack")

    /// Runs `program` on the recorded inputs and compares with ExecuTorch's recorded outputs.
    func expectMatchesExecuTorch(_ program: Program, _ folder: URL, _ stem: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let inputs = try npyFiles(folder, stem, "input"), expected = try npyFiles(folder, stem, "output")
        try #require(!inputs.isEmpty && !expected.isEmpty, "no recorded inputs/outputs for \(stem): run Conformance/xnnpack/check_payloads.py")
        let outputs = try Interpreter(program).run(inputs)
        #expect(outputs.count == expected.count, sourceLocation: sourceLocation)
        for (k, (got, want)) in zip(outputs, expected).enumerated() {
            #expect(got.shape == want.shape, "\(stem) output \(k)", sourceLocation: sourceLocation)
            let err = maxRelativeError(got, want)
            #expect(err <= 1e-5, "\(stem) output \(k): max relative error \(err)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["cnn_fp32", "cnn_fp32_split", "block_fp32"])
    func executorchReferenceProgramsMatchExecuTorch(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.referenceFolder.appendingPathComponent("\(name).pte")))
        let loaded = try ProgramReader.read(bytes)
        #expect(!loaded.program.plans[0].delegates.isEmpty && !loaded.program.namedData.isEmpty)
        try expectMatchesExecuTorch(loaded.program, Self.referenceFolder.appendingPathComponent("expected"), name)
    }

    /// ExecuTorch's INT8 programs (static qs8 and dynamic qd8) against ExecuTorch's runtime outputs;
    /// `tolerance` is the max relative error measured (docs/xnnpack.md).
    @Test(arguments: [("cnn_qs8", Float(0)), ("block_qs8", 0), ("cnn_dqlinear", 0), ("block_dqlinear", 1e-6)])
    func quantizedReferenceProgramsMatchExecuTorch(name: String, tolerance: Float) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.referenceFolder.appendingPathComponent("\(name).pte")))
        let program = try ProgramReader.read(bytes).program
        let folder = Self.referenceFolder.appendingPathComponent("expected")
        let inputs = try npyFiles(folder, name, "input"), expected = try npyFiles(folder, name, "output")
        try #require(!inputs.isEmpty && !expected.isEmpty, "no recorded inputs/outputs for \(name): run Conformance/xnnpack/check_payloads.py")
        let outputs = try Interpreter(program).run(inputs)
        try #require(outputs.count == expected.count)
        for (k, (got, want)) in zip(outputs, expected).enumerated() {
            #expect(got.shape == want.shape)
            let err = maxRelativeError(got, want)
            print("\(name) output \(k): max relative error vs ExecuTorch \(err)")
            #expect(err <= tolerance, "\(name) output \(k): max relative error \(err)")
        }
    }

    /// cnn_qs8 with one value's quantization replaced: value 1 is qint8 per-tensor, value 3 the
    /// first convolution's qcint8 filter (8 channels, scales in named data). The payload bytes
    /// are written unvalidated (the writer refuses what XNNPACK rejects), so the reader's and the
    /// interpreter's own checks are what refuse them.
    func hostileQS8(_ slot: Int, _ q: XNNQuantParams) throws -> Program {
        let bytes = [UInt8](try Data(contentsOf: Self.referenceFolder.appendingPathComponent("cnn_qs8.pte")))
        var program = try ProgramReader.read(bytes).program
        var g = try XNNPayloadReader.read(program.plans[0].delegates[0].processed)
        g.values[slot] = .quantized(g.values[slot].tensor, q)
        program.plans[0].delegates[0].processed = g.payloadBytes()
        return program
    }

    @Test func hostileQuantizationIsALoadError() throws {
        for scale in [Float(0), -0.5, .nan, .infinity, .leastNormalMagnitude / 2] {
            expectLoadError(try hostileQS8(1, .perTensor(scale: scale, zeroPoint: 0)), "delegate 0: value 1 (id 1): scale \(scale) is not a positive normal float32")
        }
        expectLoadError(try hostileQS8(1, .perTensor(scale: 0.1, zeroPoint: 128)), "qint8 zero point 128 is outside [-128, 127]")
        expectLoadError(try hostileQS8(1, .perTensor(scale: 0.1, zeroPoint: -129)), "qint8 zero point -129 is outside [-128, 127]")
        guard case .perChannel(let p)? = try XNNPayloadReader.read(try hostileQS8(1, .perTensor(scale: 0.1, zeroPoint: 0)).plans[0].delegates[0].processed).values[3].quantization else {
            Issue.record("cnn_qs8 value 3 is not per-channel"); return
        }
        var inline = p
        inline.scaleBufferIndex = 0
        inline.scale = [Float](repeating: 0.01, count: 8)
        inline.scale[5] = -1
        expectLoadError(try hostileQS8(3, .perChannel(inline)), "scale of channel 5 -1.0 is not a positive normal float32")
        inline.scale = [Float](repeating: 0.01, count: 8)
        inline.scale[2] = .nan
        expectLoadError(try hostileQS8(3, .perChannel(inline)), "scale of channel 2 nan is not a positive normal float32")
        inline.scale = [Float](repeating: 0.01, count: 8)
        inline.scale[4] = 2.4665656e-41
        expectLoadError(try hostileQS8(3, .perChannel(inline)), "scale of channel 4 \(Float(2.4665656e-41)) is not a positive normal float32")
        var missing = p
        missing.scaleBufferIndex = 0
        missing.scale = []
        missing.numScales = 0
        expectAnyLoadError { try self.hostileQS8(3, .perChannel(missing)) }
        // A scale buffer that does not exist or is too short (the payload's own validation may catch it first).
        var gone = p
        gone.scaleBufferIndex = 1000
        expectAnyLoadError { try self.hostileQS8(3, .perChannel(gone)) }
        var short = p
        short.numScales = 7
        expectAnyLoadError { try self.hostileQS8(3, .perChannel(short)) }
        var bias = p
        bias.channelDim = 3
        expectAnyLoadError { try self.hostileQS8(3, .perChannel(bias)) }
    }

    /// Either the writer/reader or the interpreter refuses the program (never a crash).
    func expectAnyLoadError(_ make: () throws -> Program, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let program = try? make() else { return }
        do {
            _ = try Interpreter(program)
            Issue.record("loaded a bad quantized delegate", sourceLocation: sourceLocation)
        } catch {
            #expect(!"\(error)".isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func checkProgramsAreWhatTheWriterProduces() throws {
        let folder = XNNPACKSamples.checkFolder.appendingPathComponent("programs")
        for (name, program) in try XNNPACKSamples.checkPrograms {
            let bytes = ProgramWriter.serialize(program)
            let url = folder.appendingPathComponent(name)
            if ProcessInfo.processInfo.environment["EDGEC_WRITE_XNNPACK_CHECKS"] != nil {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(bytes).write(to: url, options: .atomic)
            }
            let committed = [UInt8](try Data(contentsOf: url))
            #expect(committed == bytes, "\(name) is stale: rerun with EDGEC_WRITE_XNNPACK_CHECKS=1, then Conformance/xnnpack/check_payloads.py")
            #expect(try ProgramReader.read(bytes).program == program)
        }
    }

    @Test func handBuiltProgramsMatchExecuTorch() throws {
        let folder = XNNPACKSamples.checkFolder.appendingPathComponent("expected")
        try expectMatchesExecuTorch(try XNNPACKSamples.convProgram, folder, "conv_net")
        try expectMatchesExecuTorch(try XNNPACKSamples.opsProgram, folder, "ops_net")
        try expectMatchesExecuTorch(try XNNPACKSamples.upsampleProgram, folder, "upsample_net")
        try expectMatchesExecuTorch(try XNNPACKSamples.quantProgram, folder, "quant_net")
        try expectMatchesExecuTorch(try XNNPACKSamples.quantOpsProgram, folder, "quant_ops_net")
    }

    /// The dequantized int8 outputs of the hand-built INT8 programs are bit-identical to ExecuTorch's
    /// (same integer arithmetic and rounding); the qd8 output (fp32) is within 1e-6.
    @Test func handBuiltInt8ProgramsAreBitIdentical() throws {
        let folder = XNNPACKSamples.checkFolder.appendingPathComponent("expected")
        for (stem, program, exact) in [("quant_net", try XNNPACKSamples.quantProgram, [true, true, false]),
                                       ("quant_ops_net", try XNNPACKSamples.quantOpsProgram, [true, true, true])] {
            let outputs = try Interpreter(program).run(try npyFiles(folder, stem, "input"))
            let expected = try npyFiles(folder, stem, "output")
            try #require(outputs.count == exact.count && expected.count == exact.count)
            for k in exact.indices {
                let err = maxRelativeError(outputs[k], expected[k])
                #expect(exact[k] ? err == 0 : err <= 1e-6, "\(stem) output \(k): max relative error \(err)")
            }
        }
    }

    func expectLoadError(_ program: Program, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Interpreter(program)
            Issue.record("loaded a bad delegate (expected: \(fragment))", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func unsupportedNodesAndDatatypesAreLoadErrors() throws {
        var g = XNNPACKSamples.convGraph
        let index = g.addTensor(dims: [1, 3, 3, 4])
        g.nodes[3] = XNode(.argMaxPooling2d, .argMaxPooling2d(XNNArgMaxPooling2d(poolingHeight: 2, poolingWidth: 2, input: 7,
                                                                                 outputValue: 8, outputIndex: index)))
        expectLoadError(try XNNPACKSamples.program(g, inputs: [[1, 3, 8, 8]], outputs: [[1, 3], [1, 4, 8, 8]]),
                        "delegate 0 node 3: XNNPACK node type XNNArgMaxPooling2d is not supported by edgec's interpreter")
        var q = XNNPACKSamples.convGraph
        q.values[3] = .quantized(q.values[3].tensor, .perTensor(scale: 0.5, zeroPoint: 0))
        q.values[3].tensor.datatype = .quint8
        expectLoadError(try XNNPACKSamples.program(q, inputs: [[1, 3, 8, 8]], outputs: [[1, 3], [1, 4, 8, 8]]),
                        "XNNPACK datatype quint8 with PerTensorQuant is not supported by edgec's interpreter")
        var other = try XNNPACKSamples.convProgram
        other.plans[0].delegates[0].id = "QnnBackend"
        expectLoadError(other, "backend \"QnnBackend\" is not supported")
    }

    @Test func badShapesAndBindingsAreLoadErrors() throws {
        let io: ([[Int32]], [[Int32]]) = ([[1, 3, 8, 8]], [[1, 3], [1, 4, 8, 8]])
        var g = XNNPACKSamples.convGraph
        g.values[4].tensor.dims = [1, 8, 8, 5]  // conv output channels disagree with the filter
        expectLoadError(try XNNPACKSamples.program(g, inputs: io.0, outputs: io.1), "delegate 0 node 1 (XNNConv2d): output dims are [1, 8, 8, 5], expected [1, 8, 8, 4]")
        var args = try XNNPACKSamples.convProgram
        args.plans[0].instructions = [.delegateCall(delegateIndex: 0, args: [0, 1])]
        expectLoadError(args, "3 external values but the delegate call passes 2 arguments")
        var sizes = try XNNPACKSamples.convProgram
        sizes.plans[0].values[0] = .tensor(TensorValue(scalarType: .float, sizes: [1, 3, 8, 9], allocation: Allocation(memoryID: 1, offset: 0)))
        expectLoadError(sizes, "do not match delegate argument 0")
        var order = XNNPACKSamples.convGraph
        order.nodes.swapAt(0, 1)
        expectLoadError(try XNNPACKSamples.program(order, inputs: io.0, outputs: io.1), "reads value id 1 before any node writes it")
        var named = XNNPACKSamples.convGraph
        named.constantData[1] = XNNConstantData(offset: .max, size: 432, namedKey: "missing")
        expectLoadError(try XNNPACKSamples.program(named, inputs: io.0, outputs: io.1), "constant named \"missing\" is not in the program's named data")
        var payload = try XNNPACKSamples.convProgram
        payload.plans[0].delegates[0].processed[5] = 0
        expectLoadError(payload, "delegate 0: not an XNNPACK payload")
    }
}

@Suite struct XNNPACKFuzzTests {
    @Test func everyPayloadTruncationIsRejected() throws {
        let payload = try XNNPACKSamples.convGraph.serialize()
        for length in 0 ..< payload.count {
            #expect(throws: XNNPACKError.self) { try XNNPayloadReader.read(Array(payload.prefix(length))) }
        }
    }

    /// Bit flips anywhere in a delegate payload: reading, binding and running never crash.
    @Test(arguments: ["conv_net", "quant_net", "quant_ops_net"])
    func payloadBitFlipsNeverCrashTheInterpreter(name: String) throws {
        let programs = [("conv_net", try XNNPACKSamples.convProgram), ("quant_net", try XNNPACKSamples.quantProgram),
                        ("quant_ops_net", try XNNPACKSamples.quantOpsProgram)]
        let program = try #require(programs.first { $0.0 == name }).1
        let payload = program.plans[0].delegates[0].processed
        let input = try Tensor((0 ..< 192).map { Float($0 % 11) / 5 - 1 }, shape: [1, 3, 8, 8])
        var ran = 0, rejected = 0
        for byte in 0 ..< payload.count {
            for bit in [byte % 8] {
                var p = program
                p.plans[0].delegates[0].processed[byte] ^= UInt8(1 << bit)
                do {
                    let loaded = try ProgramReader.read(ProgramWriter.serialize(p)).program
                    _ = try Interpreter(loaded).run([input])
                    ran += 1
                } catch {
                    rejected += 1
                }
            }
        }
        #expect(ran + rejected == payload.count)
        #expect(rejected > 0 && ran > 0)
    }
}

@Suite struct DelegateProgramTests {
    @Test func writerPlacesSegmentsLikeExecuTorch() throws {
        var program = try XNNPACKSamples.convProgram
        program.namedData = [NamedData(key: "a", data: [1, 2, 3]), NamedData(key: "b", data: Array(repeating: 7, count: 200))]
        program.plans[0].delegates.append(program.plans[0].delegates[0])  // identical payloads share a segment
        let bytes = ProgramWriter.serialize(program)
        let loaded = try ProgramReader.read(bytes)
        #expect(loaded.program == program)
        // Segments: constant (empty), one delegate payload, two named blobs; each 128-aligned.
        #expect(loaded.segmentSizes == [0, program.plans[0].delegates[0].processed.count, 3, 200])
        let header = try #require(loaded.header)
        #expect(header.segmentBaseOffset % 128 == 0)
        let inline = try XNNPACKSamples.opsProgram
        #expect(try ProgramReader.read(ProgramWriter.serialize(inline)).program == inline)
        #expect(try ProgramReader.read(ProgramWriter.serialize(inline)).segmentSizes == [0])
    }

    @Test func readsExecuTorchDelegatesAndNamedData() throws {
        let folder = fixtures.appendingPathComponent("xnnpack")
        let loaded = try ProgramReader.read([UInt8](try Data(contentsOf: folder.appendingPathComponent("cnn_fp32.pte"))))
        let plan = loaded.program.plans[0]
        #expect(plan.delegates.count == 1 && plan.delegates[0].id == "XnnpackBackend" && plan.delegates[0].location == .segment)
        #expect(plan.delegates[0].processed == [UInt8](try Data(contentsOf: folder.appendingPathComponent("cnn_fp32.xnnpack.bin"))))
        #expect(plan.instructions == [.delegateCall(delegateIndex: 0, args: [2, 3])])
        #expect(loaded.program.namedData.count == 8 && loaded.program.namedData[0].data.count == 864)
        #expect(loaded.segmentSizes == [8, 3152, 864, 32, 288, 32, 256, 32, 128, 16])
        let block = try ProgramReader.read([UInt8](try Data(contentsOf: folder.appendingPathComponent("block_fp32.pte")))).program
        #expect(block.plans[0].delegates.count == 5)
        let text = ProgramSummary.text(loaded)
        #expect(text.contains("0: XnnpackBackend, 3152 payload bytes (SEGMENT), 1648 constant bytes (0 in the payload, 8 named)"))
        #expect(text.contains("XNNConv2d 2") && text.contains("XNNDepthwiseConv2d 1"))
    }

    @Test func hostileDelegateReferencesAreErrors() throws {
        func rejected(_ program: Program, _ patch: (inout [UInt8]) -> Void = { _ in }) -> String? {
            var bytes = ProgramWriter.serialize(program)
            patch(&bytes)
            do { _ = try ProgramReader.read(bytes); return nil } catch { return error.message }
        }
        var call = try XNNPACKSamples.convProgram
        call.plans[0].instructions = [.delegateCall(delegateIndex: 3, args: [0, 1, 2])]
        #expect(rejected(call)?.contains("instruction 0 calls delegate 3, but there are 1 delegates") == true)
        var arg = try XNNPACKSamples.convProgram
        arg.plans[0].instructions = [.delegateCall(delegateIndex: 0, args: [0, 1, 9])]
        #expect(rejected(arg)?.contains("refers to value 9") == true)
        // A SEGMENT payload whose segment lies past the end of the file.
        let good = ProgramWriter.serialize(try XNNPACKSamples.convProgram)
        let truncated = Array(good.prefix(good.count - 100))
        do { _ = try ProgramReader.read(truncated); Issue.record("accepted a truncated segment") } catch {
            #expect(error.message.contains("segment"), "\(error.message)")
        }
    }
}
