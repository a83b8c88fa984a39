import Foundation
import SwiftProtobuf
import Testing

@testable import EdgeONNX

/// Compile-time check: generated messages must be Sendable under Swift 6 strict concurrency.
private func assertSendable<T: Sendable>(_: T.Type) {}

@Suite("ONNX protobuf bindings (onnx 1.23.2, swift-protobuf 1.39.0)")
struct ONNXProtoTests {
    @Test("Generated types are Sendable messages")
    func sendable() {
        assertSendable(Onnx_ModelProto.self)
        assertSendable(Onnx_GraphProto.self)
        assertSendable(Onnx_TensorProto.self)
        assertSendable(Onnx_TypeProto.self)
        #expect(Onnx_ModelProto.protoMessageName == "onnx.ModelProto")
        #expect(Onnx_TensorProto.DataType.float.rawValue == 1)
    }

    @Test("Build a 2-node model, serialize, parse back")
    func roundTripBuiltModel() throws {
        var model = Onnx_ModelProto()
        model.irVersion = Int64(Onnx_Version.irVersion.rawValue)
        model.producerName = "edgec-test"
        model.opsetImport = [Onnx_OperatorSetIdProto.with { $0.domain = ""; $0.version = 17 }]

        model.graph = Onnx_GraphProto.with { g in
            g.name = "add_relu"
            g.input = ["A", "B"].map { name in
                Onnx_ValueInfoProto.with {
                    $0.name = name
                    $0.type = Self.floatTensorType(dims: [2, 3])
                }
            }
            g.output = [Onnx_ValueInfoProto.with { $0.name = "Y"; $0.type = Self.floatTensorType(dims: [2, 3]) }]
            g.node = [
                Onnx_NodeProto.with {
                    $0.opType = "Add"; $0.name = "add0"; $0.input = ["A", "B"]; $0.output = ["sum"]
                },
                Onnx_NodeProto.with {
                    $0.opType = "LeakyRelu"; $0.name = "lrelu0"; $0.input = ["sum"]; $0.output = ["Y"]
                    $0.attribute = [Onnx_AttributeProto.with { $0.name = "alpha"; $0.type = .float; $0.f = 0.1 }]
                },
            ]
        }

        let bytes: [UInt8] = try model.serializedBytes()
        #expect(!bytes.isEmpty)
        let parsed = try Onnx_ModelProto(serializedBytes: bytes)

        #expect(parsed == model)
        #expect(parsed.graph.node.map(\.opType) == ["Add", "LeakyRelu"])
        #expect(parsed.graph.node[1].attribute.first?.f == 0.1)
        #expect(parsed.graph.node[1].attribute.first?.type == .float)
        #expect(parsed.graph.input.first?.type.tensorType.shape.dim.map(\.dimValue) == [2, 3])
        #expect(parsed.opsetImport.map(\.version) == [17])
        #expect(parsed.hasGraph)
        #expect(!parsed.hasDocString)  // proto2 presence survives the round trip

        // Foundation Data API works too.
        let data = try model.serializedData()
        #expect(try Onnx_ModelProto(serializedBytes: data) == model)
    }

    @Test("Parse a real ONNX file written by onnx 1.23.2 (Conv + Relu with initializers)")
    func parseRealONNXFile() throws {
        let url = try #require(
            Bundle.module.url(forResource: "conv_relu", withExtension: "onnx", subdirectory: "Fixtures"),
            "missing fixture; run Scripts/make-onnx-fixtures.py")
        let data = try Data(contentsOf: url)
        let model = try Onnx_ModelProto(serializedBytes: data)

        #expect(model.irVersion == 8)
        #expect(model.producerName == "edgec-fixtures")
        #expect(model.opsetImport.count == 1)
        #expect(model.opsetImport.first?.domain == "")
        #expect(model.opsetImport.first?.version == 17)

        let graph = model.graph
        #expect(graph.name == "conv_relu")
        #expect(graph.node.map(\.opType) == ["Conv", "Relu"])
        #expect(graph.node[0].input == ["X", "W", "B"])
        #expect(graph.node[1].input == graph.node[0].output)
        let kernel = try #require(graph.node[0].attribute.first { $0.name == "kernel_shape" })
        #expect(kernel.type == .ints)
        #expect(kernel.ints == [3, 3])

        #expect(graph.input.map(\.name) == ["X"])
        #expect(graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue))
        #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimValue) == [1, 3, 8, 8])
        #expect(graph.output[0].type.tensorType.shape.dim.map(\.dimValue) == [1, 4, 8, 8])

        #expect(graph.initializer.map(\.name) == ["W", "B"])
        let w = graph.initializer[0]
        #expect(w.dims == [4, 3, 3, 3])
        #expect(w.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue))
        #expect(w.rawData.count == 4 * 3 * 3 * 3 * MemoryLayout<Float32>.size)  // 432
        #expect(w.floatData.isEmpty)
        #expect(graph.initializer[1].dims == [4])
        #expect(graph.initializer[1].rawData.count == 16)

        // raw_data is little-endian float32; check the values written by the fixture script.
        let weights: [Float32] = w.rawData.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { i in
                let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                return Float32(bitPattern: UInt32(littleEndian: bits))
            }
        }
        let expected: [Float32] = (0..<108).map { i in Float32((i % 7) - 3) * 0.125 }
        #expect(weights == expected)

        // Re-serializing and parsing again is lossless.
        #expect(try Onnx_ModelProto(serializedBytes: try model.serializedBytes() as [UInt8]) == model)
    }

    private static func floatTensorType(dims: [Int64]) -> Onnx_TypeProto {
        Onnx_TypeProto.with {
            $0.tensorType = Onnx_TypeProto.Tensor.with { t in
                t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
                t.shape = Onnx_TensorShapeProto.with {
                    $0.dim = dims.map { d in Onnx_TensorShapeProto.Dimension.with { $0.dimValue = d } }
                }
            }
        }
    }
}
