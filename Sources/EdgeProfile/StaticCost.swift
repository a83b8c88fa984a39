import EdgeProgram
import Foundation

/// Multiply-accumulates of the ops that contract: the one formula both the Edge IR and the
/// program views of cost use. Every output element of a contraction sums `reduction` products.
public enum MACs {
    /// A convolution: each output element (input element, when transposed) sums over the
    /// weight's elements per dim-0 entry (`C/groups·KH·KW`, or `OC/groups·KH·KW` transposed).
    public static func convolution(outputElements: Int, inputElements: Int, weightShape: [Int], transposed: Bool) -> Int {
        guard let first = weightShape.first, first > 0 else { return 0 }
        let perEntry = weightShape.reduce(1, *) / first
        return (transposed ? inputElements : outputElements) * perEntry
    }

    /// A matrix product or linear layer: each output element sums over the contracted dim `k`.
    public static func matmul(outputElements: Int, contracted k: Int) -> Int { outputElements * k }
}

/// The static cost of one layer: a source node's op (Edge IR view) or an instruction (program view).
public struct LayerCost: Sendable, Hashable {
    /// The source node name (`Conv_7`), or a placeholder when the model has none.
    public var node: String
    /// The op or kernel (`edge.conv2d`, `aten::convolution.out`, `delegate XnnpackBackend`).
    public var op: String
    public var outputShape: String
    /// Multiply-accumulates; nil when unknown (a delegate's subgraph seen from the program).
    public var macs: Int?
    /// Bytes of constant data (weights) the layer reads, each constant counted at its first user.
    public var parameterBytes: Int
    /// Bytes of the tensors the layer writes.
    public var activationBytes: Int

    public init(node: String, op: String, outputShape: String, macs: Int?, parameterBytes: Int, activationBytes: Int) {
        self.node = node
        self.op = op
        self.outputShape = outputShape
        self.macs = macs
        self.parameterBytes = parameterBytes
        self.activationBytes = activationBytes
    }
}

/// Static cost of a model or program: per layer and in total, with the memory facts of the
/// program it compiles to (`edgec profile --static`).
public struct StaticCost: Sendable {
    /// What the layers are: `Edge IR` (a model, after optimization) or `program` (a `.pte`).
    public var view: String
    public var layers: [LayerCost]
    /// `.pte` bytes.
    public var programBytes: Int
    /// Bytes of constant data in the program.
    public var constantBytes: Int
    /// Bytes of the planned arena(s).
    public var arenaBytes: Int
    /// The largest total of tensors live at one step.
    public var lowerBound: Int
    /// The method's working set: arena plus constants (what a device holds while it runs).
    public var peakWorkingSet: Int { arenaBytes + constantBytes }

    public init(view: String, layers: [LayerCost], programBytes: Int, constantBytes: Int, arenaBytes: Int, lowerBound: Int) {
        self.view = view
        self.layers = layers
        self.programBytes = programBytes
        self.constantBytes = constantBytes
        self.arenaBytes = arenaBytes
        self.lowerBound = lowerBound
    }

    public var totalMACs: Int { layers.reduce(0) { $0 + ($1.macs ?? 0) } }
    public var totalParameterBytes: Int { layers.reduce(0) { $0 + $1.parameterBytes } }
    public var totalActivationBytes: Int { layers.reduce(0) { $0 + $1.activationBytes } }

    /// The program's cost, per instruction, read from the program alone.
    public static func of(program: Program, programBytes: Int, method: String = "forward") -> StaticCost? {
        guard let plan = program.plan(named: method) else { return nil }
        let graph = ProgramGraph(plan)
        var counted = Set<UInt32>()
        var countedKeys = Set<String>()
        let layers = graph.steps.map { s -> LayerCost in
            var params = 0
            for v in s.reads {
                guard let t = plan.values[Int(v)].tensor, t.dataBufferIndex != 0, counted.insert(t.dataBufferIndex).inserted else { continue }
                params += t.byteCount ?? 0
            }
            // A delegate's weights: inside its payload, or named data (each key at its first user).
            if case let .delegateCall(d, _) = plan.instructions[s.index], d >= 0, Int(d) < plan.delegates.count {
                let c = Program.delegateConstants(plan.delegates[Int(d)])
                params += c.inPayload
                for (key, bytes) in c.named where countedKeys.insert(key).inserted { params += bytes }
            }
            let activations = s.writes.reduce(0) { $0 + (plan.values[Int($1)].tensor?.byteCount ?? 0) }
            return LayerCost(node: graph.nodeLabel(s.index), op: s.unit.name, outputShape: graph.outputShapes(s.index),
                             macs: macs(plan, s.index), parameterBytes: params, activationBytes: activations)
        }
        let memory = MemoryLayout(graph)
        // Constant bytes: each constant tensor's data once, and each delegate's weights (in its
        // payload or named data), at their first reader.
        return StaticCost(view: "program", layers: layers, programBytes: programBytes,
                          constantBytes: layers.reduce(0) { $0 + $1.parameterBytes },
                          arenaBytes: memory.arenaBytes, lowerBound: memory.lowerBound)
    }

    /// MACs of instruction `k` from its kernel's arguments (ATen schemas: `convolution.out(input,
    /// weight, bias, stride, padding, dilation, transposed, ...)`, `addmm.out(self, mat1, mat2, ...)`,
    /// `mm.out(self, mat2, out)`, `bmm.out(self, mat2, out)`); 0 for kernels that do not contract,
    /// nil for delegates.
    static func macs(_ plan: ExecutionPlan, _ k: Int) -> Int? {
        let (unit, args) = ProgramGraph.decode(plan, k)
        guard case .kernel(let name) = unit else { return nil }
        func tensor(_ i: Int) -> TensorValue? { i < args.count && args[i] >= 0 && Int(args[i]) < plan.values.count ? plan.values[Int(args[i])].tensor : nil }
        func elements(_ t: TensorValue?) -> Int { t?.elementCount ?? 0 }
        switch name {
        case "aten::convolution.out":
            guard let w = tensor(1), args.count > 9 else { return 0 }
            var transposed = false
            if Int(args[6]) < plan.values.count, case .bool(let b) = plan.values[Int(args[6])] { transposed = b }
            return MACs.convolution(outputElements: elements(tensor(9)), inputElements: elements(tensor(0)),
                                    weightShape: w.sizes.map(Int.init), transposed: transposed)
        case "aten::addmm.out":
            return MACs.matmul(outputElements: elements(tensor(args.count - 2)), contracted: Int(tensor(1)?.sizes.last ?? 0))
        case "aten::mm.out", "aten::bmm.out":
            return MACs.matmul(outputElements: elements(tensor(2)), contracted: Int(tensor(0)?.sizes.last ?? 0))
        default:
            return 0
        }
    }

    /// The `profile --static` table and totals.
    public func text(top: Int? = nil) -> String {
        var rows = layers.enumerated().map { i, l in
            [String(i), l.node, l.op, l.outputShape, l.macs.map(Format.count) ?? "n/a", Format.bytes(l.parameterBytes), Format.bytes(l.activationBytes)]
        }
        if let top, rows.count > top { rows = Array(rows.prefix(top)) }
        var out = "static cost (\(view) view, \(layers.count) layers):\n"
        out += Format.table(header: ["#", "node", "op", "output", "MACs", "params", "activations"], rows: rows, rightAligned: [0, 4, 5, 6])
        out += "totals:\n"
        out += "  MACs:             \(Format.count(totalMACs)) (\(totalMACs))\n"
        out += "  parameter bytes:  \(Format.bytes(totalParameterBytes)) (\(totalParameterBytes))\n"
        out += "  activation bytes: \(Format.bytes(totalActivationBytes)) (\(totalActivationBytes))\n"
        out += "  program size:     \(Format.bytes(programBytes)) (\(programBytes))\n"
        out += "  constant bytes:   \(Format.bytes(constantBytes)) (\(constantBytes))\n"
        out += "  arena:            \(Format.bytes(arenaBytes)) (\(arenaBytes)), lower bound \(Format.bytes(lowerBound)) (\(lowerBound))\n"
        out += "  peak working set: \(Format.bytes(peakWorkingSet)) (\(peakWorkingSet); arena + constants)\n"
        return out
    }

    /// The same as JSON.
    public func json() -> String {
        let root: [String: Any] = [
            "view": view,
            "layers": layers.map { l -> [String: Any] in
                ["node": l.node, "op": l.op, "output": l.outputShape, "macs": l.macs.map { $0 as Any } ?? NSNull(),
                 "parameter_bytes": l.parameterBytes, "activation_bytes": l.activationBytes]
            },
            "total_macs": totalMACs, "total_parameter_bytes": totalParameterBytes, "total_activation_bytes": totalActivationBytes,
            "program_bytes": programBytes, "constant_bytes": constantBytes, "arena_bytes": arenaBytes, "lower_bound": lowerBound,
            "peak_working_set": peakWorkingSet,
        ]
        return Format.json(root)
    }
}
