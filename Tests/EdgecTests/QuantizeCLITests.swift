import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeQuantization
import EdgeRuntime
import Foundation
import Testing

/// `edgec quantize` and `edgec compile --quantize int8` end to end on Examples/tiny_cnn.onnx.
@Suite struct QuantizeCLITests {
    /// Deterministic N(0, 1) samples of the example's input shape.
    static func gaussian(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        return (0..<n).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())) }
    }

    /// Writes `count` samples as DATA/sample_K/input_0.npy.
    static func writeSamples(_ dir: URL, count: Int, seed: UInt64) throws {
        for k in 0..<count {
            let d = dir.appendingPathComponent("sample_\(k)")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            let t = try Tensor(gaussian(3 * 32 * 32, seed: seed + UInt64(k)), shape: [1, 3, 32, 32])
            try Data(try NPY.encode(t)).write(to: d.appendingPathComponent("input_0.npy"))
        }
    }

    static func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
        var n = 0.0, d = 0.0
        for (x, y) in zip(a, b) { n += Double(x - y) * Double(x - y); d += Double(x) * Double(x) }
        return (n / d).squareRoot()
    }

    /// Quantize with 8 samples, then run the QDQ IR (INT8 simulated by its quantize/dequantize
    /// ops) and the float model on the example's own held-out input: the logits stay within
    /// 3 % relative L2 (scales wrong by 4× give > 2 %, QuantizerTests.wrongScalesFailTheTolerance)
    /// and the argmax is the same.
    @Test(arguments: ["auto", "minmax", "entropy", "percentile", "mse"])
    func quantizedTinyCNNStaysCloseToFloat(_ observer: String) throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try Self.writeSamples(data, count: 8, seed: 11)
        let out = dir.appendingPathComponent("tiny.q.eir").path
        let json = dir.appendingPathComponent("report.json").path
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let r = try edgec(["quantize", model, "--calibration", data.path, "-o", out, "--observer", observer, "--report", "--report-json", json])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("calibrating: pass 2/2 (histograms), sample 8/8"), "\(r.stderr)")
        #expect(r.stdout.contains("SQNR dB") && r.stdout.contains("/conv1/Conv"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("tiny.q.eirb").path))

        let held = try NPY.decode([UInt8](Data(contentsOf: repoRoot.appendingPathComponent("Examples/tiny_cnn.input.npy"))))
        let quantized = try IRFile.read(path: out)
        let float = try ProgramCompiler().importModel(path: model)
        let q = try IREvaluator(quantized.mainFunction!).run([held])[0].floats()
        let f = try IREvaluator(float.mainFunction!).run([held])[0].floats()
        #expect(Self.relativeL2(f, q) < 0.03, "\(observer): relative L2 \(Self.relativeL2(f, q))")
        #expect(f.indices.max { f[$0] < f[$1] } == q.indices.max { q[$0] < q[$1] })

        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let outputs = report["outputs"] as! [[String: Any]]
        #expect((outputs[0]["cosine"] as! Double) > 0.999)
    }

    @Test func theSameInputGivesTheSameBytes() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try Self.writeSamples(data, count: 2, seed: 5)
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        var texts: [Data] = []
        for i in 0..<2 {
            let out = dir.appendingPathComponent("q\(i).eir").path
            let r = try edgec(["quantize", model, "--calibration", data.path, "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            texts.append(try Data(contentsOf: dir.appendingPathComponent("q\(i).eirb")))
        }
        #expect(texts[0] == texts[1])
    }

    @Test func aSampleThatDoesNotFitIsNamed() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("data/odd")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data(try NPY.encode(try Tensor([Float](repeating: 0, count: 3 * 16 * 16), shape: [1, 3, 16, 16]))).write(to: bad.appendingPathComponent("input_0.npy"))
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let r = try edgec(["quantize", model, "--calibration", dir.appendingPathComponent("data").path, "-o", dir.appendingPathComponent("q.eir").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("calibration sample \(bad.path), input 0 'input': expected f32[1,3,32,32], got f32[1, 3, 16, 16]"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("q.eir").path))

        // Stacked samples: the file's shape must be [N] + the input's.
        let stacked = dir.appendingPathComponent("x.npy")
        try Data(try NPY.encode(try Tensor([Float](repeating: 0, count: 2 * 3 * 8), shape: [2, 3, 8]))).write(to: stacked)
        let r2 = try edgec(["quantize", model, "--calibration", "input=\(stacked.path)"])
        #expect(r2.status != 0)
        #expect(r2.stderr.contains("shape [2, 3, 8] is not [N] + [1, 3, 32, 32]"), "\(r2.stderr)")
    }

    /// `compile --quantize int8 --compile-to=optimize` writes the QDQ IR the lowering receives.
    @Test func compileQuantizesAfterTheOptimizeStage() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("q.eir").path
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let r = try edgec(["compile", model, "-o", out, "--backend", "arm-cpu", "--quantize", "int8", "--calibration",
                           repoRoot.appendingPathComponent("Examples/tiny_cnn").path, "--compile-to=optimize"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("edge.quantize(%input)") && text.contains("qi32<axis=0") && text.contains("fused_activation = \"relu\""))
    }

    /// `compile --backend arm-cpu --quantize int8|dynamic-int8` writes a program whose whole
    /// graph is one XNNPACK partition (static INT8: qs8 nodes, the mean without keepdim as a
    /// global pool + reshape on qint8 values), which the interpreter runs close to float.
    @Test(arguments: [["int8", "--calibration", "DATA"], ["dynamic-int8"]])
    func quantizedProgramsRunCloseToFloat(_ scheme: [String]) throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try Self.writeSamples(data, count: 8, seed: 5)
        let pte = dir.appendingPathComponent("q.pte").path
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let args = ["compile", model, "-o", pte, "--backend", "arm-cpu", "--stats", "--quantize"] + scheme.map { $0 == "DATA" ? data.path : $0 }
        let r = try edgec(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("portable ops:    0"), "\(r.stdout)")
        #expect(r.stdout.contains(scheme[0] == "int8" ? "int8 (qs8)" : "int8 (qd8)"), "\(r.stdout)")
        let outDir = dir.appendingPathComponent("out")
        let run = try edgec(["run", pte, "--input", repoRoot.appendingPathComponent("Examples/tiny_cnn.input.npy").path, "-o", outDir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outDir.path)
        let q = try NPY.decode([UInt8](Data(contentsOf: outDir.appendingPathComponent(try #require(files.first))))).floats()
        let f = try NPY.decode([UInt8](Data(contentsOf: repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy")))).floats()
        #expect(Self.relativeL2(f, q) < 0.03, "\(scheme[0]): relative L2 \(Self.relativeL2(f, q))")
        #expect(f.indices.max { f[$0] < f[$1] } == q.indices.max { q[$0] < q[$1] })
    }

    /// `--quantize int4-weights` quantizes embedding tables before fold-constants: rows picked by
    /// constant ids (position embeddings) fold to their 4-bit values (one per byte) and bf16 scales,
    /// never to f32 rows; `edgec run` gives the dequantized rows (the table's values are multiples
    /// of their bf16 scales, so exactly the table's rows).
    @Test func int4WeightsQuantizeRowsPickedByConstantIds() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table: [Float] = (0 ..< 40 * 64).map { (i: Int) -> Float in
            let step: Int = (i * 5) % 15 - 7
            return Float(step) * 0.25
        }
        let source = dir.appendingPathComponent("pos.eir")
        try """
        func @main(%x: f32[2,64]) -> f32[2,64] {
          %t = edge.constant {value = dense<[\(table.map { "\($0)" }.joined(separator: ", "))]>} : f32[40,64]
          %ids = edge.constant {value = dense<[37, 1]>} : i64[2]
          %rows = edge.index_select(%t, %ids) {dim = 0} : f32[2,64]
          %y = edge.add(%x, %rows) : f32[2,64]
          return %y
        }
        """.write(to: source, atomically: true, encoding: .utf8)
        let ir = dir.appendingPathComponent("q.eir").path
        let opt = try edgec(["compile", source.path, "--compile-to=optimize", "-o", ir, "--backend", "arm-cpu", "--quantize", "int4-weights"])
        #expect(opt.status == 0, "\(opt.stderr)")
        let text = try String(contentsOfFile: ir, encoding: .utf8)
        let constants = text.split(separator: "\n").filter { $0.contains("edge.constant") }
        #expect(!constants.contains { $0.contains(": f32[2,64]") || $0.contains(": f32[40,64]") }, "\(text)")
        #expect(constants.contains { $0.contains(": u8[2,2,32]") }, "\(text)")
        let pte = dir.appendingPathComponent("q.pte").path
        let c = try edgec(["compile", source.path, "-o", pte, "--backend", "arm-cpu", "--quantize", "int4-weights"])
        #expect(c.status == 0, "\(c.stderr)")
        let x = dir.appendingPathComponent("x.npy")
        try Data(try NPY.encode(try Tensor([Float](repeating: 0, count: 128), shape: [2, 64]))).write(to: x)
        let out = dir.appendingPathComponent("out")
        let run = try edgec(["run", pte, "--input", x.path, "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first)
        let got = try NPY.decode([UInt8](Data(contentsOf: out.appendingPathComponent(file)))).floats()
        #expect(got == Array(table[37 * 64 ..< 38 * 64]) + Array(table[64 ..< 128]))
    }

    /// `compile --quantize int4-weights --group-size 64` on the float MLP of check_int8.py: fc1 (32
    /// input features) takes groups of 32 with a note, the other layers groups of 64, and
    /// `edgec run` gives ExecuTorch's recorded outputs (within 1e-5 of their range). `--group-size`
    /// alone or not a multiple of 32 is a usage error.
    @Test func int4WeightsCompileRunAndValidate() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = repoRoot.appendingPathComponent("Conformance/xnnpack/int8/dq4mlp64.eir").path
        let pte = dir.appendingPathComponent("q4.pte").path
        let r = try edgec(["compile", model, "-o", pte, "--backend", "arm-cpu", "--stats", "--quantize", "int4-weights", "--group-size", "64"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: 'edge.linear' at \"fc1\" has 4-bit weights in groups of 32: group size 64 does not divide its 32 input features"), "\(r.stderr)")
        #expect(r.stdout.contains("int8 (qd8, qb4w)"), "\(r.stdout)")
        let expected = repoRoot.appendingPathComponent("Conformance/xnnpack/expected")
        let outDir = dir.appendingPathComponent("out")
        let run = try edgec(["run", pte, "--input", expected.appendingPathComponent("int8_dq4mlp64.input0.npy").path, "-o", outDir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outDir.path).sorted()
        try #require(files.count == 2)
        for (k, f) in files.enumerated() {
            let got = try NPY.decode([UInt8](Data(contentsOf: outDir.appendingPathComponent(f)))).floats()
            let want = try NPY.decode([UInt8](Data(contentsOf: expected.appendingPathComponent("int8_dq4mlp64.output\(k).npy")))).floats()
            let span = max(want.map(abs).max() ?? 1, 1)
            #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 1e-5 * span }, "output \(k) (\(f))")
        }
        let alone = try edgec(["compile", model, "-o", pte, "--backend", "arm-cpu", "--group-size", "64"])
        #expect(alone.status != 0 && alone.stderr.contains("--group-size is for --quantize int4-weights"), "\(alone.stderr)")
        let odd = try edgec(["compile", model, "-o", pte, "--backend", "arm-cpu", "--quantize", "int4-weights", "--group-size", "48"])
        #expect(odd.status != 0 && odd.stderr.contains("group size 48 is not a positive multiple of 32"), "\(odd.stderr)")
    }

    @Test func portableIsRefusedAndObserversAreChecked() throws {
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let r = try edgec(["compile", model, "-o", "/dev/null", "--backend", "portable", "--quantize", "int8", "--calibration", "Examples/tiny_cnn"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("portable kernels have no quantized ops"), "\(r.stderr)")
        let r2 = try edgec(["quantize", model, "--calibration", "Examples/tiny_cnn", "--observer", "conv*=kl"])
        #expect(r2.status != 0)
        #expect(r2.stderr.contains("unknown observer 'kl'; the observers are minmax, percentile, entropy, mse, auto"), "\(r2.stderr)")
        let help = try edgec(["quantize", "--help"])
        for o in Observers.all { #expect(help.stdout.contains(o.name), "\(o.name) missing from --help") }
    }

    /// `compile --quantize int8` records the quantizer's report in the program: the same bytes on
    /// every compile, the same tensors and SQNRs as `edgec quantize --report-json` on the same
    /// data, shown by `edgec inspect` (text and JSON) and as the per-layer table of `edgec report`.
    @Test func theProgramRecordsItsQuantizationReport() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try Self.writeSamples(data, count: 4, seed: 9)
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let a = dir.appendingPathComponent("a.pte").path, b = dir.appendingPathComponent("b.pte").path
        for out in [a, b] {
            let r = try edgec(["compile", model, "-o", out, "--backend", "arm-cpu", "--quantize", "int8", "--calibration", data.path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        let json = dir.appendingPathComponent("q.json").path
        let q = try edgec(["quantize", model, "--calibration", data.path, "-o", dir.appendingPathComponent("q.eir").path, "--report-json", json])
        #expect(q.status == 0, "\(q.stderr)")
        let expected = try #require(QuantizationReport.record([UInt8](Data(contentsOf: URL(fileURLWithPath: json)))))
        let program = try ProgramReader.read([UInt8](Data(contentsOf: URL(fileURLWithPath: a)))).program
        let recorded = try #require(QuantizationReport.recorded(in: program))
        #expect(recorded.tensors.map(\.name) == expected.tensors.map(\.name))
        #expect(recorded.tensors.map(\.sqnr) == expected.tensors.map(\.sqnr))
        #expect(recorded.tensors.count >= 5 && recorded.outputs.count == 1)
        // The record is not model data.
        let record = try #require(program.namedData.first { $0.key == QuantizationReport.recordKey })
        var bare = program
        bare.namedData.removeAll { $0.key == QuantizationReport.recordKey }
        #expect(!record.data.isEmpty && bare.constantByteCount == program.constantByteCount)

        let inspect = try edgec(["inspect", a])
        #expect(inspect.stdout.contains("quantization: \(recorded.quantizedOps) ops INT8, \(recorded.tensors.count) activation tensors"), "\(inspect.stdout)")
        let inspectJSON = try edgec(["inspect", a, "--json"])
        let root = try JSONSerialization.jsonObject(with: Data(inspectJSON.stdout.utf8)) as? [String: Any]
        #expect((root?["quantization_report"] as? [String: Any])?["tensors"] as? [Any] != nil)
        #expect(((root?["quantization_report"] as? [String: Any])?["tensors"] as? [Any])?.count == recorded.tensors.count)

        let html = dir.appendingPathComponent("q.html").path
        let report = try edgec(["report", a, "-o", html])
        #expect(report.status == 0, "\(report.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let section = try #require(page.components(separatedBy: "<section id=\"sec-quantization\">").dropFirst().first)
        for t in recorded.tensors {
            #expect(section.contains("<td>\(t.name)</td>"), "\(t.name) missing from the report's table")
            #expect(section.contains("<td class=\"num\">\(QuantizationReport.db(t.sqnr!))</td>"))
        }
        #expect(section.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"quantization-sqnr\""))
        // A float program has no such section.
        let fp = dir.appendingPathComponent("f.pte").path
        #expect(try edgec(["compile", model, "-o", fp, "--backend", "arm-cpu"]).status == 0)
        #expect(try edgec(["report", fp, "-o", html]).status == 0)
        #expect(!(try String(contentsOfFile: html, encoding: .utf8)).contains("sec-quantization"))
    }

}
