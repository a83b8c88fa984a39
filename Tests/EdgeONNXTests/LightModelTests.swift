import EdgeIR
import Foundation
import Testing

@testable import EdgeONNX

/// The onnx package's `light` models (ConstantOfShape stands in for the weights), when a
/// Python environment with onnx is present: `$EDGEC_ONNX_LIGHT_DIR`, else the repository's
/// `.venv` (which `Scripts/test.sh` sets up, so CI runs them).
enum LightModels {
    static let directory: URL? = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["EDGEC_ONNX_LIGHT_DIR"] { candidates.append(env) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for venv in [root.appendingPathComponent(".venv").path] {
            let lib = URL(fileURLWithPath: venv).appendingPathComponent("lib")
            for py in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] where py.hasPrefix("python") {
                candidates.append(lib.appendingPathComponent(py).appendingPathComponent("site-packages/onnx/backend/test/data/light").path)
            }
        }
        return candidates.map(URL.init(fileURLWithPath:)).first { FileManager.default.fileExists(atPath: $0.path) }
    }()

    static let names = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"]
}

@Suite("onnx light models", .enabled(if: LightModels.directory != nil,
                                     "skipped: no onnx package found (set EDGEC_ONNX_LIGHT_DIR to onnx/backend/test/data/light)"))
struct LightModelTests {
    @Test(arguments: LightModels.names)
    func importsAndVerifies(_ name: String) throws {
        let path = LightModels.directory!.appendingPathComponent("light_\(name).onnx").path
        let module = try ONNXImporter.importModel(path: path)
        // 1000 class scores ([1, 1000], or [1, 1000, 1, 1] for squeezenet and densenet121).
        #expect(module.mainFunction!.resultTypes.map(\.elementCount) == [1000])
        #expect(module.mainFunction!.body.operations.contains { $0.name == "edge.conv2d" })
    }
}
