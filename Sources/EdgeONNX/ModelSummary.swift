import EdgeIR
import Foundation
import SwiftProtobuf

/// What the conformance runner needs to know of a model without importing it.
public struct ONNXModelSummary: Sendable {
    /// The op types of every node of the graph and its subgraphs (`If`, `Loop`, `Scan` bodies),
    /// each once, in order of first use; custom domains are written `domain.Op`.
    public var opTypes: [String] = []
    /// Graph inputs that are not initializers, in order.
    public var inputs: [String] = []
    /// Graph outputs, in order.
    public var outputs: [String] = []
    /// The kind of each graph input of ``inputs`` (tensor, sequence, optional, map), in order.
    public var inputKinds: [ONNXValueKind] = []
    /// The kind of each graph output, in order.
    public var outputKinds: [ONNXValueKind] = []

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
        let graphInputs = model.graph.input.filter { !initializers.contains($0.name) }
        inputs = graphInputs.map(\.name)
        inputKinds = graphInputs.map { ONNXValueKind($0.type) }
        outputs = model.graph.output.map(\.name)
        outputKinds = model.graph.output.map { ONNXValueKind($0.type) }
    }
}
