import EdgeIR
import Foundation
import SwiftProtobuf

@testable import EdgeONNX

/// Builds small ONNX models in Swift for importer tests (no Python needed).
struct ModelBuilder {
    var opset: Int
    var graph = Onnx_GraphProto()
    var irVersion: Int64 = 8

    init(opset: Int = 17, name: String = "test") {
        self.opset = opset
        graph.name = name
    }

    static func type(_ element: Onnx_TensorProto.DataType, _ dims: [Any]?) -> Onnx_TypeProto {
        Onnx_TypeProto.with {
            $0.tensorType = Onnx_TypeProto.Tensor.with { t in
                t.elemType = Int32(element.rawValue)
                if let dims {
                    t.shape = Onnx_TensorShapeProto.with {
                        $0.dim = dims.map { d in
                            Onnx_TensorShapeProto.Dimension.with {
                                if let v = d as? Int { $0.dimValue = Int64(v) }
                                if let s = d as? String { $0.dimParam = s }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds a graph input; dims are Ints or Strings (symbolic), `nil` for no shape.
    mutating func input(_ name: String, _ dims: [Any]?, _ element: Onnx_TensorProto.DataType = .float) {
        graph.input.append(Onnx_ValueInfoProto.with { $0.name = name; $0.type = Self.type(element, dims) })
    }

    mutating func output(_ name: String, _ element: Onnx_TensorProto.DataType = .float) {
        graph.output.append(Onnx_ValueInfoProto.with { $0.name = name; $0.type = Self.type(element, nil) })
    }

    /// Adds a float initializer with `raw_data`.
    mutating func initializer(_ name: String, _ dims: [Int], _ values: [Float]) {
        graph.initializer.append(Self.floatTensor(name, dims, values))
    }

    /// Adds an int64 initializer (int64_data).
    mutating func initializer(_ name: String, _ dims: [Int], ints values: [Int64]) {
        graph.initializer.append(Onnx_TensorProto.with {
            $0.name = name; $0.dims = dims.map(Int64.init); $0.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue); $0.int64Data = values
        })
    }

    static func floatTensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
        Onnx_TensorProto.with {
            $0.name = name
            $0.dims = dims.map(Int64.init)
            $0.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            $0.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        }
    }

    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil, _ attributes: [Onnx_AttributeProto] = []) -> Int {
        graph.node.append(Onnx_NodeProto.with {
            $0.opType = op; $0.input = inputs; $0.output = outputs
            $0.name = name ?? "\(op)_\(graph.node.count)"
            $0.attribute = attributes
        })
        return graph.node.count - 1
    }

    var model: Onnx_ModelProto {
        Onnx_ModelProto.with {
            $0.irVersion = irVersion
            $0.producerName = "edgec-tests"
            $0.opsetImport = [Onnx_OperatorSetIdProto.with { $0.domain = ""; $0.version = Int64(opset) }]
            $0.graph = graph
        }
    }

    var data: Data { try! model.serializedData() }

    /// Imports the model (through its serialized bytes, as a file would be).
    func importModule(directory: URL? = nil, inputShapes: [String: [Int]] = [:]) throws -> Module {
        try ONNXImporter.importModel(data: data, directory: directory, options: ONNXImportOptions(inputShapes: inputShapes))
    }

    /// The import error's text; fails the test when the import succeeds.
    func importError(directory: URL? = nil, inputShapes: [String: [Int]] = [:]) -> String {
        do {
            _ = try importModule(directory: directory, inputShapes: inputShapes)
            return "<imported without error>"
        } catch {
            return String(describing: error)
        }
    }
}

/// Attribute constructors.
enum Attr {
    static func int(_ n: String, _ v: Int) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .int; $0.i = Int64(v) } }
    static func float(_ n: String, _ v: Float) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .float; $0.f = v } }
    static func ints(_ n: String, _ v: [Int]) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .ints; $0.ints = v.map(Int64.init) } }
    static func floats(_ n: String, _ v: [Float]) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .floats; $0.floats = v } }
    static func string(_ n: String, _ v: String) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .string; $0.s = Data(v.utf8) } }
    static func tensor(_ n: String, _ t: Onnx_TensorProto) -> Onnx_AttributeProto { .with { $0.name = n; $0.type = .tensor; $0.t = t } }
}

extension Module {
    /// The ops of @main, without constants and the return.
    var opNames: [String] {
        mainFunction!.body.operations.map(\.name).filter { $0 != "edge.constant" && $0 != "return" }
    }

    /// The first op named `name` in @main.
    func first(_ name: String) -> EdgeIR.Operation? {
        mainFunction!.body.operations.first { $0.name == name }
    }

    var resultTypes: [String] { mainFunction!.resultTypes.map(TypeText.type) }

    var text: String { IRPrinter().print(self) }
}

extension EdgeIR.Operation {
    func ints(_ name: String) -> [Int64]? { attribute(name)?.intsValue }
    func int(_ name: String) -> Int64? { attribute(name)?.intValue }
}

/// A one-node model: input x of `dims`, node `op` with `attributes`, extra initializers.
func singleNode(_ op: String, opset: Int = 17, input dims: [Any] = [1, 3, 8, 8], element: Onnx_TensorProto.DataType = .float,
                extraInputs: [String] = [], outputs: Int = 1, _ attributes: [Onnx_AttributeProto] = [],
                setup: (inout ModelBuilder) -> Void = { _ in }) -> ModelBuilder {
    var m = ModelBuilder(opset: opset)
    m.input("x", dims, element)
    setup(&m)
    let outs = (0..<outputs).map { "y\($0)" }
    m.node(op, ["x"] + extraInputs, outs, name: "n", attributes)
    for o in outs { m.output(o) }
    return m
}
