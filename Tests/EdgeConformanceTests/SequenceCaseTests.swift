import EdgeONNX
import Foundation
import Testing
@testable import EdgeConformance

/// The runner on a case with a sequence input and sequence output (SequenceProto test data,
/// Tests/fixtures/onnx-sequence/make.py): flattened into tensor inputs and outputs, compiled
/// with the data's length, compared element-wise.
@Suite struct SequenceCaseTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/onnx-sequence/map_scale")

    @Test(arguments: ["portable", "arm-cpu"])
    func aSequenceCasePassesInTheInterpreterAndCountsAsBound(backend: String) throws {
        let r = CaseRunner.runInterpreter(CaseSpec(name: "map_scale", directory: Self.fixture, backend: backend))
        #expect(r.outcome == .pass, "\(r.message ?? "")")
        #expect(r.structuredInputs == ["parts"])
        #expect(r.bindsTestData)
    }

    @Test func theExternalExecutorGetsFlattenedInputsInProgramOrder() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-seq-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let r = CaseRunner.emitPrograms(CaseSpec(name: "map_scale", directory: Self.fixture), work: work)
        #expect(r.outcome == .pass, "\(r.message ?? "")")
        let set = work.appendingPathComponent("test_data_set_0")
        let files = try FileManager.default.contentsOfDirectory(atPath: set.path).sorted()
        #expect(files == ["input_0.npy", "input_1.npy", "input_2.npy", "input_3.npy", "program.pte"])
    }

    @Test func aWrongElementCountIsAMismatchNotAPass() throws {
        let summary = ONNXModelSummary(path: Self.fixture.appendingPathComponent("model.onnx").path)
        #expect(summary.inputKinds == [.sequence(.tensor), .tensor])
        #expect(summary.outputKinds == [.sequence(.tensor), .tensor, .tensor])
        let sets = try CaseRunner.readDataSets(CaseSpec(name: "map_scale", directory: Self.fixture), summary)
        #expect(sets[0].inputs.map(\.name) == ["parts.0", "parts.1", "parts.2", "scale"])
        #expect(sets[0].outputs.map(\.name) == ["scaled.0", "scaled.1", "scaled.2", "second", "joined"])
        #expect(throws: CaseFailure.self) { try CaseRunner.compare(sets[0], [], .onnxDefault) }
    }
}
