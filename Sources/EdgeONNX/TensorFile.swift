import EdgeIR
import Foundation
import SwiftProtobuf

/// A tensor read from a serialized ONNX TensorProto (the `input_K.pb` / `output_K.pb` files of
/// ONNX backend test data), as little-endian elements of its Edge IR element type.
public struct ONNXTensorValue: Sendable {
    /// The TensorProto's name (for test data: the graph input or output it belongs to).
    public var name: String
    public var element: ScalarType
    public var shape: [Int]
    public var data: Data

    public init(name: String, element: ScalarType, shape: [Int], data: Data) {
        self.name = name
        self.element = element
        self.shape = shape
        self.data = data
    }

    /// Reads one TensorProto file. Every storage form is decoded and its length checked against
    /// the dims; element types edgec has no type for (strings, complex, unsigned 32/64 values
    /// that do not fit i64, 8-bit floats) are errors whose message says "does not support".
    public static func read(path: String) throws(DiagnosticError) -> ONNXTensorValue {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DiagnosticError(Diagnostic(.error, "cannot read \(path): \(error.localizedDescription)"))
        }
        return try decode(data, what: URL(fileURLWithPath: path).lastPathComponent)
    }

    /// Decodes serialized TensorProto bytes; `what` names them in errors.
    public static func decode(_ bytes: Data, what: String = "tensor") throws(DiagnosticError) -> ONNXTensorValue {
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: bytes) } catch {
            throw DiagnosticError(Diagnostic(.error, "\(what) is not a TensorProto (\(error))"))
        }
        do {
            let c = try TensorDecoder.decode(proto, what: "\(what) (\"\(proto.name)\")", external: nil)
            return ONNXTensorValue(name: proto.name, element: c.element, shape: c.shape, data: Data(c.data))
        } catch {
            throw DiagnosticError(Diagnostic(.error, error.message))
        }
    }

    var constant: ConstTensor { ConstTensor(element: element, shape: shape, data: data) }
}

/// What the conformance runner needs to know of a model without importing it.
public struct ONNXModelSummary: Sendable {
    /// The op types of every node of the graph and its subgraphs (`If`, `Loop`, `Scan` bodies),
    /// each once, in order of first use; custom domains are written `domain.Op`.
    public var opTypes: [String] = []
    /// Graph inputs that are not initializers, in order.
    public var inputs: [String] = []
    /// Graph outputs, in order.
    public var outputs: [String] = []

    /// Reads the model at `path`; an unreadable model gives an empty summary.
    public init(path: String) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
              let model = try? Onnx_ModelProto(serializedBytes: data) else { return }
        var seen = Set<String>()
        func visit(_ g: Onnx_GraphProto, depth: Int) {
            guard depth < 16 else { return }
            for n in g.node {
                let key = n.domain.isEmpty || n.domain == "ai.onnx" ? n.opType : "\(n.domain).\(n.opType)"
                if seen.insert(key).inserted { opTypes.append(key) }
                for a in n.attribute {
                    if a.hasG { visit(a.g, depth: depth + 1) }
                    for sub in a.graphs { visit(sub, depth: depth + 1) }
                }
            }
        }
        visit(model.graph, depth: 0)
        let initializers = Set(model.graph.initializer.map(\.name))
        inputs = model.graph.input.map(\.name).filter { !initializers.contains($0) }
        outputs = model.graph.output.map(\.name)
    }
}
