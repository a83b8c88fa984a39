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
}
