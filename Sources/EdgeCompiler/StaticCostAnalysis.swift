import EdgeBackends
import EdgeIR
import EdgeProfile
import EdgeProgram

/// Static cost of a model from its Edge IR (after the pipeline's optimization), with the memory
/// facts of the program it lowers to: `edgec profile --static model.onnx|.pt2|.eir`.
public enum StaticCostAnalysis {
    /// Per compute op of `module`'s main function (constants and the return are not layers):
    /// MACs of the contractions (``MACs``), bytes of the constants it reads (each counted at its
    /// first user) and bytes of its results; totals and memory from `compiled`.
    public static func cost(of module: Module, compiled: CompiledProgram) -> StaticCost {
        var layers: [LayerCost] = []
        var counted = Set<ObjectIdentifier>()
        for op in module.mainFunction?.body.operations ?? [] {
            let traits = op.definition.traits
            if traits.contains(.constantLike) || traits.contains(.terminator) { continue }
            var params = 0
            for v in op.presentOperands {
                guard let def = v.definingOp, def.definition.traits.contains(.constantLike),
                      counted.insert(ObjectIdentifier(def)).inserted else { continue }
                params += v.type.byteCount ?? 0
            }
            // A delegate call reads the constants of its partition (outlined with them).
            if op.definition === Ops.delegateCall, case .symbol(let name)? = op.attribute("callee"),
               let callee = module.functions.first(where: { $0.name == name }) {
                for c in callee.body.operations where c.definition.traits.contains(.constantLike) {
                    params += c.results.reduce(0) { $0 + ($1.type.byteCount ?? 0) }
                }
            }
            layers.append(LayerCost(node: op.location.nodeName ?? op.result.nameHint ?? "-", op: op.name,
                                    outputShape: op.results.map { TypeText.type($0.type) }.joined(separator: ", "),
                                    macs: macs(op), parameterBytes: params,
                                    activationBytes: op.results.reduce(0) { $0 + ($1.type.byteCount ?? 0) }))
        }
        let plan = compiled.program.plans.first ?? ExecutionPlan()
        let memory = MemoryLayout(ProgramGraph(plan))
        return StaticCost(view: "Edge IR", layers: layers, programBytes: compiled.bytes.count, constantBytes: compiled.constantBytes,
                          arenaBytes: memory.arenaBytes, lowerBound: memory.lowerBound)
    }

    /// MACs of a contraction op (`edge.conv2d`, `edge.conv_transpose2d`, `edge.linear`,
    /// `edge.matmul`); 0 for every other op.
    static func macs(_ op: Operation) -> Int {
        func elements(_ v: Value?) -> Int { v?.type.elementCount ?? 0 }
        func shape(_ v: Value?) -> [Int] { v?.type.staticShape ?? [] }
        let out = op.results.first.map { $0.type.elementCount ?? 0 } ?? 0
        switch op.definition.name {
        case Ops.conv2d.name, Ops.convTranspose2d.name:
            return MACs.convolution(outputElements: out, inputElements: elements(op.operand(0)), weightShape: shape(op.operand(1)),
                                    transposed: op.definition.name == Ops.convTranspose2d.name)
        case Ops.linear.name:
            return MACs.matmul(outputElements: out, contracted: shape(op.operand(0)).last ?? 0)
        case Ops.matmul.name:
            return MACs.matmul(outputElements: out, contracted: shape(op.operand(0)).last ?? 0)
        default:
            return 0
        }
    }
}
