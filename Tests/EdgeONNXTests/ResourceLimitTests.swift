import EdgeIR
import EdgeONNX
import Foundation
import SwiftProtobuf
import Testing

/// Models that declare enormous sizes or nest without end are rejected with an error, before
/// anything that large is allocated.
@Suite struct ResourceLimitTests {
    /// A graph whose one node carries a subgraph attribute, `depth` levels deep.
    func nested(_ depth: Int) -> Onnx_GraphProto {
        var graph = Onnx_GraphProto()
        graph.name = "leaf"
        for level in 0 ..< depth {
            var attribute = Onnx_AttributeProto()
            attribute.name = "then_branch"
            attribute.type = .graph
            attribute.g = graph
            var node = Onnx_NodeProto()
            node.opType = "If"
            node.name = "if_\(level)"
            node.attribute = [attribute]
            graph = Onnx_GraphProto()
            graph.name = "level_\(level)"
            graph.node = [node]
        }
        return graph
    }

    func model(_ graph: Onnx_GraphProto) throws -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph = graph
        return try model.serializedData()
    }

    @Test func deeplyNestedMessagesAreAParseError() throws {
        // 150 levels of graph → node → attribute → graph: the protobuf decoder's depth limit stops it.
        let data = try model(nested(150))
        do {
            _ = try ONNXImporter.importModel(data: data, directory: nil)
            Issue.record("imported a model nested 150 deep")
        } catch {
            #expect(error.description.contains("is not a valid ONNX model"), "\(error.description)")
        }
    }

    @Test func aTensorDeclaringTrillionsOfElementsIsRejectedWithoutAllocating() throws {
        // An initializer whose dims claim 10^12 floats but carries 16 bytes.
        var t = Onnx_TensorProto()
        t.name = "w"
        t.dataType = 1
        t.dims = [1_000_000, 1_000_000]
        t.rawData = Data(count: 16)
        var graph = nested(0)
        graph.initializer = [t]
        var output = Onnx_ValueInfoProto()
        output.name = "w"
        graph.output = [output]
        let data = try model(graph)
        do {
            _ = try ONNXImporter.importModel(data: data, directory: nil)
            Issue.record("imported a 4 TB initializer from 16 bytes")
        } catch {
            #expect(error.description.contains("\"w\""), "\(error.description)")
        }
        let pb = try t.serializedData()
        #expect(throws: DiagnosticError.self) { try ONNXTensorFile.decode(pb, what: "huge.pb") }
    }

    /// Resize builds its tables at import (an index per output position, or an [input, output]
    /// weight matrix for linear and cubic): absurd scales are errors naming the axis, before any
    /// table is allocated, and a non-finite output length is an error, not a trap.
    func resize(_ scales: [Float], mode: String, input: [Int] = [1, 1, 2, 2]) -> ModelBuilder {
        var m = ModelBuilder(opset: 19)
        m.input("x", input)
        m.initializer("scales", [scales.count], scales)
        m.node("Resize", ["x", "", "scales"], ["y"], [Attr.string("mode", mode), Attr.string("coordinate_transformation_mode", "asymmetric")])
        m.output("y")
        return m
    }

    @Test func resizeTablesAreBoundedBeforeTheyAreBuilt() throws {
        // 2 → 2·10^7 positions along one axis (the fuzzer's slow input had 2·10^5 on two axes).
        #expect { _ = try resize([1, 1, 1, 1e7], mode: "nearest").importModule() } throws: {
            "\($0)".contains("Resize along axis 3 from 2 to 20000000 elements")
        }
        // A 4096 × 16384 weight matrix (67 M entries) for a linear resize of a 4096-wide axis.
        #expect { _ = try resize([1, 1, 1, 4], mode: "linear", input: [1, 1, 1, 4096]).importModule() } throws: {
            "\($0)".contains("4096×16384 weight matrix")
        }
        // Within the bounds: 2 → 4096 positions still import.
        _ = try resize([1, 1, 1, 2048], mode: "nearest").importModule()
    }

    @Test func resizeWithAnInfiniteScaleIsAnError() throws {
        #expect { _ = try resize([1, 1, .infinity, 1], mode: "nearest").importModule() } throws: {
            "\($0)".contains("output along axis 2 would have inf elements")
        }
        #expect { _ = try resize([1, 1, 1, 3e38], mode: "linear").importModule() } throws: {
            "\($0)".contains("output along axis 3 would have")
        }
        // tf_crop_and_resize with a region ending at 1e300 maps output positions to no finite index.
        var c = ModelBuilder(opset: 19)
        c.input("x", [1, 1, 2, 2])
        c.initializer("roi", [8], [0, 0, 0, 0, 1, 1, 1, 1e30])
        c.initializer("scales", [4], [1, 1, 1, 2])
        c.node("Resize", ["x", "roi", "scales"], ["y"], [Attr.string("mode", "linear"), Attr.string("coordinate_transformation_mode", "tf_crop_and_resize")])
        c.output("y")
        #expect { _ = try c.importModule() } throws: { "\($0)".contains("maps to the source coordinate") }
        // Upsample (opset 9) and the aten fast path read the scales the same way.
        var u = ModelBuilder(opset: 9)
        u.input("x", [1, 1, 2, 2])
        u.initializer("scales", [4], [1, 1, .infinity, 2])
        u.node("Upsample", ["x", "scales"], ["y"])
        u.output("y")
        #expect { _ = try u.importModule() } throws: { "\($0)".contains("output along axis 2 would have inf elements") }
    }
}
