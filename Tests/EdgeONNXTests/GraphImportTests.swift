import EdgeIR
import Foundation
import Testing

@testable import EdgeONNX

@Suite("ONNX graph import: inputs, outputs, names, errors")
struct GraphImportTests {
    @Test func fixtureFileImportsWithNamesAndLocations() throws {
        let url = try #require(Bundle.module.url(forResource: "conv_relu", withExtension: "onnx", subdirectory: "Fixtures"))
        let module = try ONNXImporter.importModel(path: url.path)
        let f = try #require(module.mainFunction)
        #expect(module.name == "conv_relu")
        #expect(module.attributes["onnx_opset"] == .int(17))
        #expect(module.attributes["producer"] == .string("edgec-fixtures 1"))
        #expect(f.inputName(0) == "X")
        #expect(f.outputName(0) == "Y")
        #expect(module.opNames == ["edge.conv2d", "edge.relu"])
        let conv = try #require(module.first("edge.conv2d"))
        #expect(conv.location == .name("conv0"))
        #expect(conv.ints("padding") == [1, 1])
        #expect(module.resultTypes == ["f32[1,4,8,8]"])
        // The weight is a blob of exactly the initializer's bytes.
        #expect(module.blobs["W"]?.count == 432)
        // Written as .eir + .eirb, it reads back and verifies with the weights bit-exact.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try IRFile.write(module, to: dir.appendingPathComponent("m.eir").path)
        let back = try IRFile.read(path: dir.appendingPathComponent("m.eir").path)
        #expect(back.blobs["W"] == module.blobs["W"])
    }

    @Test func symbolicDimsStayAndInputShapeFixesThem() throws {
        var m = ModelBuilder()
        m.input("x", ["batch", 4, "seq len"])
        m.node("Relu", ["x"], ["y"])
        m.output("y")
        let module = try m.importModule()
        #expect(module.resultTypes == ["f32[?batch,4,?seq_len]"])
        let fixed = try m.importModule(inputShapes: ["x": [2, 4, 7]])
        #expect(fixed.resultTypes == ["f32[2,4,7]"])
        #expect(m.importError(inputShapes: ["x": [2, 5, 7]]).contains("contradicts the model's f32[?batch,4,?seq_len]"))
        #expect(m.importError(inputShapes: ["x": [2, 4]]).contains("gives 2 dims, but the input has rank 3"))
        #expect(m.importError(inputShapes: ["nope": [1]]).contains("\"nope\", which is not a graph input"))
    }

    @Test func minusOneDimsAreAnonymousAndInputShapeFixesThem() throws {
        // PaddlePaddle's exporter writes dim_value -1 for sizes it does not know.
        var m = ModelBuilder()
        m.input("x", [-1, 3, -1, 100])
        m.node("Relu", ["x"], ["y"])
        m.output("y")
        #expect(try m.importModule().resultTypes == ["f32[?,3,?,100]"])
        #expect(try m.importModule(inputShapes: ["x": [1, 3, 32, 100]]).resultTypes == ["f32[1,3,32,100]"])
        #expect(m.importError(inputShapes: ["x": [1, 4, 32, 100]]).contains("contradicts the model's f32[?,3,?,100]"))
        // A declared 0 (another exporter's "unknown") takes the given size.
        var zero = ModelBuilder()
        zero.input("x", [0, 3])
        zero.node("Relu", ["x"], ["y"])
        zero.output("y")
        #expect(try zero.importModule(inputShapes: ["x": [2, 3]]).resultTypes == ["f32[2,3]"])
        #expect(try zero.importModule().resultTypes == ["f32[0,3]"])
    }

    @Test func notStaticErrorsNameTheInputShapeThatFixesThem() throws {
        // Shape needs a static input: the error names the option, with the known sizes kept.
        var m = ModelBuilder()
        m.input("x", [-1, 3, -1, 100])
        m.input("other", [2])
        m.node("Shape", ["x"], ["s"], name: "shape0")
        m.output("s", .int64)
        let e = m.importError()
        #expect(e.contains("fix it with --input-shape x=?,3,?,100"), "\(e)")
        #expect(!e.contains("--input-shape other"), "\(e)")
        #expect(try m.importModule(inputShapes: ["x": [1, 3, 32, 100]]).resultTypes == ["i64[4]"])
        // A named symbol points at the inputs that carry it, not at every dynamic input.
        var sym = ModelBuilder()
        sym.input("a", ["batch", 4])
        sym.input("b", ["seq", 4])
        sym.node("Shape", ["a"], ["s"])
        sym.output("s", .int64)
        let se = sym.importError()
        #expect(se.contains("--input-shape a=batch,4"), "\(se)")
        #expect(!se.contains("--input-shape b="), "\(se)")
    }

    @Test func inputShapeParsing() throws {
        let (name, dims) = try ONNXImportOptions.parseInputShape("input.1=1x3x224x224")
        #expect(name == "input.1" && dims == [1, 3, 224, 224])
        #expect(try ONNXImportOptions.parseInputShape("s=").dims == [])
        #expect(throws: DiagnosticError.self) { try ONNXImportOptions.parseInputShape("x=1xAx3") }
        #expect(throws: DiagnosticError.self) { try ONNXImportOptions.parseInputShape("1x3") }
    }

    @Test func initializersListedAsInputsAreNotArguments() throws {
        var m = ModelBuilder(opset: 9)
        m.irVersion = 3
        m.input("x", [2, 3])
        m.input("w", [2, 3])
        m.initializer("w", [2, 3], [1, 2, 3, 4, 5, 6])
        m.node("Add", ["x", "w"], ["y"])
        m.output("y")
        let module = try m.importModule()
        #expect(module.mainFunction!.arguments.count == 1)
        #expect(module.opNames == ["edge.add"])
    }

    @Test func outputsMayBeInputsOrConstants() throws {
        var m = ModelBuilder()
        m.input("x", [2])
        m.initializer("c", [2], [1, 2])
        m.output("x")
        m.output("c")
        let module = try m.importModule()
        #expect(module.resultTypes == ["f32[2]", "f32[2]"])
        #expect(module.mainFunction!.outputName(1) == "c")
    }

    @Test func nodesOutOfOrderAreSorted() throws {
        var m = ModelBuilder()
        m.input("x", [2])
        m.node("Neg", ["a"], ["y"], name: "second")
        m.node("Relu", ["x"], ["a"], name: "first")
        m.output("y")
        #expect(try m.importModule().opNames == ["edge.relu", "edge.neg"])
    }

    @Test func garbageAndTruncatedFilesAreClearErrors() throws {
        let bad = Data("this is not protobuf at all \u{1}\u{2}\u{3}\u{ff}".utf8)
        #expect(throws: DiagnosticError.self) { try ONNXImporter.importModel(data: bad, directory: nil) }
        var m = ModelBuilder()
        m.input("x", [1, 3, 8, 8])
        m.initializer("w", [4, 3, 3, 3], [Float](repeating: 0.5, count: 108))
        m.node("Conv", ["x", "w"], ["y"])
        m.output("y")
        let full = m.data
        var failures = 0
        for cut in stride(from: 1, to: full.count, by: 7) {
            do {
                _ = try ONNXImporter.importModel(data: full.prefix(cut), directory: nil)
            } catch {
                failures += 1
                #expect(!String(describing: error).isEmpty)
            }
        }
        #expect(failures > 0)
        do {
            _ = try ONNXImporter.importModel(data: full.prefix(full.count / 2), directory: nil)
            Issue.record("truncated model imported")
        } catch {
            #expect(String(describing: error).contains("not a valid ONNX model"))
        }
        // Random bytes never crash.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 0..<200, using: &rng)
            _ = try? ONNXImporter.importModel(data: Data((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }), directory: nil)
        }
    }

    @Test func opsetOutOfRangeAndMissingGraph() {
        var m = ModelBuilder(opset: 6)
        m.input("x", [1])
        #expect(m.importError().contains("opset 6; edgec imports opsets 7 to"))
        m.opset = 99
        #expect(m.importError().contains("opset 99"))
        let empty = try! Onnx_ModelProto().serializedData()
        #expect(throws: DiagnosticError.self) { try ONNXImporter.importModel(data: empty, directory: nil) }
    }

    @Test func cyclesAndUndefinedNamesNameTheNode() {
        var m = ModelBuilder()
        m.input("x", [2])
        m.node("Add", ["x", "b"], ["a"], name: "add_a")
        m.node("Relu", ["a"], ["b"], name: "relu_b")
        m.output("b")
        let cycle = m.importError()
        #expect(cycle.contains("cycle"))
        #expect(cycle.contains("\"add_a\"") || cycle.contains("\"relu_b\""))

        var u = ModelBuilder()
        u.input("x", [2])
        u.node("Add", ["x", "ghost"], ["y"], name: "adder")
        u.output("y")
        #expect(u.importError().contains("node \"adder\" (Add) uses \"ghost\", which no node, graph input or initializer defines"))

        var d = ModelBuilder()
        d.input("x", [2])
        d.node("Relu", ["x"], ["y"], name: "one")
        d.node("Neg", ["x"], ["y"], name: "two")
        d.output("y")
        #expect(d.importError().contains("both define \"y\""))

        var o = ModelBuilder()
        o.input("x", [2])
        o.output("missing")
        #expect(o.importError().contains("graph output \"missing\""))
    }

    @Test func unsupportedOpsAreListedOnceWithCountsAndNames() {
        var m = ModelBuilder(opset: 14)
        m.input("x", [1, 2, 3])
        m.node("NonMaxSuppression", ["x"], ["a"], name: "nms_1")
        m.node("NonMaxSuppression", ["a"], ["b"], name: "nms_2")
        m.node("Relu", ["b"], ["c"], name: "fine")
        m.node("NotAnOp", ["c"], ["d"], name: "mystery")
        m.graph.node.append(.with { $0.opType = "FusedConv"; $0.domain = "com.microsoft"; $0.input = ["d"]; $0.output = ["y"]; $0.name = "fused" })
        m.output("y")
        let e = m.importError()
        #expect(e.contains("error: 4 nodes use ops edgec does not support: NonMaxSuppression (opset 14, definition 11) ×2 at \"nms_1\", \"nms_2\""))
        #expect(e.contains("NotAnOp (not an ONNX operator) ×1 at \"mystery\""))
        #expect(e.contains("com.microsoft.FusedConv (domain com.microsoft) ×1 at \"fused\""))
        #expect(!e.contains("Relu"))
    }

    @Test func nodeErrorsNameNodeOpAndOpset() {
        let m = singleNode("Conv", input: [1, 3, 8, 8], extraInputs: ["w"]) { m in
            m.initializer("w", [4, 5, 3, 3], [Float](repeating: 0, count: 180))
        }
        let e = m.importError()
        #expect(e.contains("node \"n\" (Conv, opset 17): edge.conv2d: input has 3 channels"))
    }

    @Test func attributeOfWrongKindIsAnError() {
        let m = singleNode("LeakyRelu", [Attr.string("alpha", "big")])
        #expect(m.importError().contains("attribute 'alpha' must be a float, got string"))
    }

    @Test func valueInfoWithUnknownTypeIsRejected() {
        var m = singleNode("Relu")
        m.graph.valueInfo.append(.with { $0.name = "y0"; $0.type = ModelBuilder.type(.string, [1]) })
        #expect(m.importError().contains("value \"y0\" (value_info) has element type STRING"))
    }
}
