import EdgeIR
import EdgeKernels
import EdgePasses
import Foundation
import Testing
@testable import EdgeQuantization

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The example CNN after -O2 (batch norm folded, relu fused), as the compiler quantizes it.
func optimizedExample(_ name: String) throws -> Module {
    let module = try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/\(name).eir").path)
    var pm = PassManager(passes: OptimizationLevel.o2.passes())
    pm.instrumentation.verifyEach = true
    _ = try pm.run(module)
    return module
}

func randomSamples(_ shape: [Int], count: Int, seed: UInt64) throws -> [CalibrationSample] {
    var d = Distribution(seed: seed)
    return try (0..<count).map { k in
        CalibrationSample(name: "s\(k)", inputs: [try Tensor((0..<shape.reduce(1, *)).map { _ in Float(d.uniform() * 2 - 1) }, shape: shape)])
    }
}

func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
    var n = 0.0, d = 0.0
    for (x, y) in zip(a, b) { n += Double(x - y) * Double(x - y); d += Double(x) * Double(x) }
    return (n / max(d, 1e-30)).squareRoot()
}

@Suite struct QuantizerTests {
    @Test func tinyCNNBecomesQDQAndStaysClose() throws {
        let module = try optimizedExample("tiny_cnn")
        let float = try IRParser.parse(IRPrinter().print(module), blobs: module.blobs)
        let samples = try randomSamples([1, 3, 8, 8], count: 6, seed: 7)
        var options = QuantizationOptions()
        options.observer = "minmax"
        let report = try Quantizer.quantize(module, samples: samples, options: options)
        let text = IRPrinter().print(module)
        // Weights per channel, the bias in i32, activations per tensor.
        #expect(text.contains("qi8<axis=0, scales=["), "\(text)")
        #expect(text.contains("qi32<axis=0"), "\(text)")
        #expect(text.contains("edge.quantize(%x)"), "\(text)")
        #expect(report.floatOps.isEmpty, "\(report.text)")
        // Held-out input: INT8-simulated output within 2 % (relative L2) of float.
        let held = try randomSamples([1, 3, 8, 8], count: 1, seed: 99)[0].inputs
        let f = try IREvaluator(float.mainFunction!).run(held)[0].floats()
        let q = try IREvaluator(module.mainFunction!).run(held)[0].floats()
        #expect(relativeL2(f, q) < 0.02, "\(f) vs \(q)")
        #expect(report.outputs[0].sqnr > 30, "\(report.text)")
    }

    /// Scales that are wrong by 2× (an off-by-one in the 255 levels would be less, a missing
    /// weight scale far more) push the error past the test's tolerance: it can fail.
    @Test func wrongScalesFailTheTolerance() throws {
        let module = try optimizedExample("tiny_cnn")
        let float = try IRParser.parse(IRPrinter().print(module), blobs: module.blobs)
        let samples = try randomSamples([1, 3, 8, 8], count: 4, seed: 7)
        let function = module.mainFunction!
        let plan = QuantizationPlan(function)
        let stats = try Quantizer.calibrate(function, plan: plan, samples: samples, progress: { _ in })
        var params = Array(repeating: ActivationParameters(range: 0, 0), count: plan.groupCount)
        for (v, s) in zip(plan.activations, stats) { params[plan.group(of: v)!] = ActivationParameters(range: s.min / 4, s.max / 4) }
        let r = Rewriter(function: function)
        try InsertQDQ.apply(plan, parameters: params, to: function, rewriter: r)
        try QuantizeWeights.run(function, rewriter: r)
        let held = samples[0].inputs
        let f = try IREvaluator(float.mainFunction!).run(held)[0].floats()
        let q = try IREvaluator(function).run(held)[0].floats()
        #expect(relativeL2(f, q) > 0.02)
    }

    @Test func aSampleOfTheWrongShapeIsNamed() throws {
        let module = try optimizedExample("tiny_cnn")
        let samples = try randomSamples([1, 3, 9, 9], count: 1, seed: 1)
        #expect {
            _ = try Quantizer.quantize(module, samples: samples, options: QuantizationOptions())
        } throws: { e in
            "\(e)".contains("calibration sample s0, input 0 'input.1': expected f32[1,3,8,8], got f32[1, 3, 9, 9]")
        }
    }

    @Test func nonFiniteActivationsAreAnErrorNamingTheTensor() throws {
        let module = try optimizedExample("tiny_cnn")
        var values = [Float](repeating: 0.5, count: 192)
        values[5] = .nan
        let samples = [CalibrationSample(name: "bad", inputs: [try Tensor(values, shape: [1, 3, 8, 8])])]
        #expect {
            _ = try Quantizer.quantize(module, samples: samples, options: QuantizationOptions())
        } throws: { e in
            "\(e)".contains("calibration sample bad: tensor 'input.1'") && "\(e)".contains("NaN")
        }
    }

    @Test func keepFloatLeavesTheOpFloat() throws {
        let module = try optimizedExample("tiny_cnn")
        var options = QuantizationOptions()
        options.keepFloat = ["Gemm*"]
        let report = try Quantizer.quantize(module, samples: try randomSamples([1, 3, 8, 8], count: 2, seed: 3), options: options)
        #expect(report.floatOps.map(\.name) == ["Gemm_5"], "\(report.text)")
        let text = IRPrinter().print(module)
        #expect(!text.contains("qi8<axis=0, scales=[") || text.components(separatedBy: "qi8<axis=0").count == 2, "only the conv weight is quantized:\n\(text)")
    }

    /// Concat's inputs and output share one set of parameters; a reshape reuses its input's.
    @Test func scaleSharing() throws {
        let text = """
        func @main(%a: f32[1,4], %b: f32[1,4]) -> f32[2,4] {
          %c = edge.concat(%a, %b) {axis = 0} : f32[2,4]
          %r = edge.reshape(%c) {shape = [2, 4]} : f32[2,4]
          return %r
        }
        """
        let module = try IRParser.parse(text)
        let samples = [CalibrationSample(name: "s", inputs: [try Tensor([0, 1, 2, 3] as [Float], shape: [1, 4]), try Tensor([-8, 0, 1, 2] as [Float], shape: [1, 4])])]
        var options = QuantizationOptions()
        options.observer = "minmax"
        let report = try Quantizer.quantize(module, samples: samples, options: options)
        let params = Set(report.tensors.map { "\($0.scale)/\($0.zeroPoint)" })
        #expect(report.tensors.count == 4 && params.count == 1, "\(report.text)")
        #expect(report.tensors[0].range == 0...3 && report.tensors[0].scale == Double(Float(11.0 / 255)))
    }

    /// With the backend's INT8 ops given (arm-cpu: XNNPACK's INT8 forms), an op of the table the
    /// backend cannot run on integers stays float and the report says why; the rest is planned.
    @Test func opsTheBackendCannotRunInINT8StayFloat() throws {
        let text = """
        func @main(%x: f32[1,8]) -> f32[1,8] {
          %s = edge.sigmoid(%x) : f32[1,8]
          %a = edge.add(%s, %x) : f32[1,8]
          return %a
        }
        """
        let samples = [CalibrationSample(name: "s", inputs: [try Tensor((0..<8).map { Float($0) - 4 }, shape: [1, 8])])]
        var options = QuantizationOptions()
        options.int8Ops = ["edge.add"]
        let module = try IRParser.parse(text)
        let report = try Quantizer.quantize(module, samples: samples, options: options)
        #expect(report.floatOps.map(\.op) == ["edge.sigmoid"] && report.floatOps[0].reason == "the backend has no INT8 form of edge.sigmoid", "\(report.text)")
        #expect(report.quantizedOps == 1)
        let all = try Quantizer.quantize(try IRParser.parse(text), samples: samples, options: QuantizationOptions())
        #expect(all.floatOps.isEmpty && all.quantizedOps == 2, "\(all.text)")
    }

    /// A probability output that is rarely high (the post-processor case): `auto`
    /// keeps its whole observed range, so the top of [0, 1] stays representable.
    @Test func autoKeepsASigmoidOutputWhole() throws {
        let text = """
        func @main(%x: f32[1,1000]) -> f32[1,1000] {
          %s = edge.sigmoid(%x) : f32[1,1000]
          return %s
        }
        """
        let module = try IRParser.parse(text)
        var values = [Float](repeating: -6, count: 1000)
        values[0] = 4
        let samples = [CalibrationSample(name: "s", inputs: [try Tensor(values, shape: [1, 1000])])]
        let report = try Quantizer.quantize(module, samples: samples, options: QuantizationOptions())
        let row = report.tensors.first { $0.op == "edge.sigmoid" }!
        #expect(row.observer == "minmax" && row.range.upperBound > 0.98, "\(report.text)")
        #expect(row.clipped == 0)
    }

    /// The ranking holds each layer with parameters of its own once, most sensitive first, and
    /// `--keep-float 1` keeps exactly the first of them float.
    @Test func sensitivityRankingAndKeepMostSensitive() throws {
        let module = try optimizedExample("tiny_cnn")
        var options = QuantizationOptions()
        options.keepMostSensitive = 1
        let report = try Quantizer.quantize(module, samples: try randomSamples([1, 3, 8, 8], count: 3, seed: 4), options: options)
        #expect(Set(report.sensitivity.map(\.name)) == ["Conv_0", "GlobalAveragePool_3", "Gemm_5"], "\(report.text)")
        #expect(zip(report.sensitivity, report.sensitivity.dropFirst()).allSatisfy { $0.outputSQNR <= $1.outputSQNR })
        #expect(report.floatOps.map(\.name) == [report.sensitivity[0].name], "\(report.text)")
    }

    /// `--min-sqnr`: a budget already met keeps nothing float; one no layer set reaches keeps
    /// every ranked layer float and says so.
    @Test func minSQNRBudget() throws {
        let samples = try randomSamples([1, 3, 8, 8], count: 2, seed: 9)
        var easy = QuantizationOptions()
        easy.minSQNR = 0
        let r0 = try Quantizer.quantize(try optimizedExample("tiny_cnn"), samples: samples, options: easy)
        #expect(r0.floatOps.isEmpty && r0.notes == ["--min-sqnr 0.0: 0 layers kept float reach the budget"], "\(r0.text)")
        var hard = QuantizationOptions()
        hard.minSQNR = 1000
        let r1 = try Quantizer.quantize(try optimizedExample("tiny_cnn"), samples: samples, options: hard)
        #expect(r1.floatOps.count == r1.sensitivity.count && r1.notes[0].contains("not reached"), "\(r1.text)")
    }
}

/// The IR evaluator (calibration) runs the branch an `edge.if` takes and observes its values.
@Suite struct ConditionalEvaluationTests {
    @Test func theTakenBranchRunsAndItsValuesAreObserved() throws {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/runtime_if.eir").path)
        let main = try #require(module.mainFunction)
        let branchValues = Set(module.functions.filter { $0 !== main }.flatMap { $0.body.operations.flatMap(\.results) }.map(ObjectIdentifier.init))
        for (scale, expectedScore) in [(Float(0.3), Float(-1)), (3, -2)] {
            let x = try Tensor((0 ..< 8).map { sin(Float($0) * 0.37 + 0.5) * scale }, shape: [2, 4])
            var seen = 0
            let out = try IREvaluator(main).run([x], wanted: branchValues) { _, _ in seen += 1 }
            let energy = x.floats().map { $0 * $0 }.reduce(0, +) / 8
            #expect(abs(out[1].floats()[0] - (expectedScore == -1 ? -1 : energy)) <= 1e-5, "scale \(scale)")
            #expect(seen > 0, "the taken branch's values are observed")
        }
    }
}
