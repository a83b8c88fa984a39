import EdgeIR
import Foundation
import Testing

@testable import EdgeONNX

@Suite("ONNX external data: reads inside the model's folder, rejects hostile paths")
struct ExternalDataTests {
    /// A folder holding `weights.bin` (16 floats 0..15) and a sibling folder outside it.
    final class Sandbox {
        let root: URL, model: URL, outside: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-ext-\(UUID().uuidString)")
            model = root.appendingPathComponent("model")
            outside = root.appendingPathComponent("outside")
            for d in [model, outside] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
            let floats = (0..<16).map(Float.init)
            try floats.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: model.appendingPathComponent("weights.bin"))
            try Data(count: 64).write(to: outside.appendingPathComponent("secret.bin"))
        }
        deinit { try? FileManager.default.removeItem(at: root) }
    }

    /// A model whose initializer `w` ([4] floats) lives at `location` with the given offset/length.
    func model(_ location: String, offset: String? = nil, length: String? = nil) -> ModelBuilder {
        var m = ModelBuilder()
        m.input("x", [4])
        var t = Onnx_TensorProto()
        t.name = "w"
        t.dims = [4]
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dataLocation = .external
        t.externalData.append(.with { $0.key = "location"; $0.value = location })
        if let offset { t.externalData.append(.with { $0.key = "offset"; $0.value = offset }) }
        if let length { t.externalData.append(.with { $0.key = "length"; $0.value = length }) }
        m.graph.initializer.append(t)
        m.node("Add", ["x", "w"], ["y"])
        m.output("y")
        return m
    }

    @Test func readsExternalDataWithOffsetAndLength() throws {
        let box = try Sandbox()
        let module = try model("weights.bin", offset: "16", length: "16").importModule(directory: box.model)
        let bytes = try #require(module.first("edge.constant")?.attribute("value"))
        guard case .dense(.inline(let data)) = bytes else { Issue.record("expected inline data"); return }
        let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [4, 5, 6, 7])
        // Through a file on disk too.
        try model("weights.bin", offset: "0", length: "16").data.write(to: box.model.appendingPathComponent("m.onnx"))
        _ = try ONNXImporter.importModel(path: box.model.appendingPathComponent("m.onnx").path)
    }

    @Test func absolutePathsAreRejected() throws {
        let box = try Sandbox()
        let e = model(box.model.appendingPathComponent("weights.bin").path).importError(directory: box.model)
        #expect(e.contains("initializer \"w\": external data location") && e.contains("is an absolute path"))
    }

    @Test func dotDotEscapesAreRejected() throws {
        let box = try Sandbox()
        #expect(model("../outside/secret.bin").importError(directory: box.model).contains("contains '..'"))
        #expect(model("sub/../../outside/secret.bin").importError(directory: box.model).contains("contains '..'"))
        #expect(model("..\\outside\\secret.bin").importError(directory: box.model).contains("contains '..'"))
    }

    @Test func symlinksLeavingTheFolderAreRejected() throws {
        let box = try Sandbox()
        try FileManager.default.createSymbolicLink(at: box.model.appendingPathComponent("link.bin"), withDestinationURL: box.outside.appendingPathComponent("secret.bin"))
        try FileManager.default.createSymbolicLink(at: box.model.appendingPathComponent("dir"), withDestinationURL: box.outside)
        #expect(model("link.bin").importError(directory: box.model).contains("outside the model's folder"))
        #expect(model("dir/secret.bin").importError(directory: box.model).contains("outside the model's folder"))
        // A link that stays inside is fine.
        try FileManager.default.createSymbolicLink(at: box.model.appendingPathComponent("inside.bin"), withDestinationURL: box.model.appendingPathComponent("weights.bin"))
        _ = try model("inside.bin", length: "16").importModule(directory: box.model)
    }

    @Test func offsetsAndLengthsPastTheEndAreRejected() throws {
        let box = try Sandbox()
        #expect(model("weights.bin", offset: "65").importError(directory: box.model).contains("offset 65 is past the end of \"weights.bin\" (64 bytes)"))
        #expect(model("weights.bin", offset: "60", length: "16").importError(directory: box.model).contains("offset 60 + length 16 is past the end"))
        #expect(model("weights.bin", offset: "0", length: "99999999999999999999").importError(directory: box.model).contains("not a non-negative integer"))
        #expect(model("weights.bin", offset: "-4").importError(directory: box.model).contains("not a non-negative integer"))
        // Whole file (64 bytes) for a 16-byte tensor: a length mismatch naming the tensor.
        #expect(model("weights.bin").importError(directory: box.model).contains("initializer \"w\" has 64 bytes of external data but FLOAT[4] needs 16"))
    }

    @Test func missingFilesAndFoldersAreErrors() throws {
        let box = try Sandbox()
        #expect(model("nope.bin").importError(directory: box.model).contains("does not exist"))
        try FileManager.default.createDirectory(at: box.model.appendingPathComponent("sub"), withIntermediateDirectories: true)
        #expect(model("sub").importError(directory: box.model).contains("is a folder"))
        #expect(model("").importError(directory: box.model).contains("without a location"))
        #expect(model("weights.bin").importError(directory: nil).contains("not read from a file"))
    }
}
