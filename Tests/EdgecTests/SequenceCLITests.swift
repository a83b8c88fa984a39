import Foundation
import Testing

/// `--sequence-length` end to end: an ONNX model with a sequence input and output
/// (Tests/fixtures/onnx-sequence/make.py) compiles with the length given, and runs on the
/// test data's SequenceProto; without the length the error names the option.
@Suite struct SequenceCLITests {
    let model = repoRoot.appendingPathComponent("Tests/fixtures/onnx-sequence/map_scale/model.onnx").path
    let data = repoRoot.appendingPathComponent("Tests/fixtures/onnx-sequence/map_scale/test_data_set_0")

    @Test func aSequenceInputCompilesWithItsLengthAndRunsOnASequenceProto() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let pte = tmp.appendingPathComponent("map.pte").path
        let missing = try edgec("compile", model, "-o", pte)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("graph input \"parts\" is a sequence of tensor") && missing.stderr.contains("--sequence-length parts=N"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pte))

        let c = try edgec("compile", model, "-o", pte, "--sequence-length", "parts=3")
        #expect(c.status == 0, "\(c.stderr)")
        let r = try edgec("run", pte, "--input", "parts=\(data.appendingPathComponent("input_0.pb").path)",
                          "--input", "scale=\(data.appendingPathComponent("input_1.pb").path)")
        #expect(r.status == 0, "\(r.stderr)")
        // ReferenceEvaluator: parts * 0.5, element 1, and all of them joined.
        #expect(r.stdout.contains("scaled.0: f32[2] min -1 max 0.5 mean -0.25 [0.5, -1]"), "\(r.stdout)")
        #expect(r.stdout.contains("scaled.2: f32[2]"), "\(r.stdout)")
        #expect(r.stdout.contains("second: f32[2] min 1.5 max 2 mean 1.75 [1.5, 2]"), "\(r.stdout)")
        #expect(r.stdout.contains("joined: f32[6] min -2.5 max 3 mean 0.583333 [0.5, -1, 1.5, 2, -2.5, 3]"), "\(r.stdout)")

        let short = try edgec("compile", model, "-o", pte, "--sequence-length", "parts=2")
        #expect(short.status == 0, "\(short.stderr)")
        let wrong = try edgec("run", pte, "--input", "parts=\(data.appendingPathComponent("input_0.pb").path)", "--fill", "1")
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("the sequence has 3 elements, but the program was compiled for 2"), "\(wrong.stderr)")

        let bad = try edgec("compile", model, "-o", pte, "--sequence-length", "parts")
        #expect(bad.status != 0 && bad.stderr.contains("expected name=N"), "\(bad.stderr)")
        let notSeq = try edgec("compile", model, "-o", pte, "--sequence-length", "parts=3", "--sequence-length", "scale=2")
        #expect(notSeq.status != 0 && notSeq.stderr.contains("--sequence-length names graph input \"scale\", which is a tensor"), "\(notSeq.stderr)")
    }
}
