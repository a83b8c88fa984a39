import EdgeIR

// torch.cond (`torch.ops.higher_order.cond`): both branch graphs become functions of the module
// and the node one `edge.if` (lowered to ExecuTorch's JumpFalseCall, as ExecuTorch's own
// emitter lowers cond), docs/design.md, "Control flow".

extension ATenTable {
    static let controlFlow: [String: ATenLowering] = [
        "higher_order.cond": ATenLowering("torch.cond(pred, true_fn, false_fn, operands): edge.if calling the two branch graphs as functions") { call throws(OpError) in
            let inputs = call.node.inputs.map(\.value)
            guard inputs.count == 4, case .tensor(let p) = inputs[0], case .graph(let t) = inputs[1], case .graph(let f) = inputs[2] else {
                throw OpError("expects (pred, true graph, false graph, operands)")
            }
            let operandNames: [String]
            switch inputs[3] {
            case .tensors(let names): operandNames = names
            case .tensor(let name): operandNames = [name]
            case .none: operandNames = []
            default: throw OpError("the operands must be tensors, got \(inputs[3])")
            }
            let pred = try call.value(p)
            guard pred.type.element == .scalar(.bool), pred.type.elementCount == 1 else {
                throw OpError("the predicate '\(p)' must be a bool tensor of one element, got \(TypeText.type(pred.type))")
            }
            var operands: [Value] = []
            for n in operandNames { operands.append(try call.value(n)) }
            let branches: [Function]
            do throws(TorchImportError) {
                branches = [try call.importer.importSubgraph(t, operands: operands, name: "\(call.node.name)_true"),
                            try call.importer.importSubgraph(f, operands: operands, name: "\(call.node.name)_false")]
            } catch {
                throw OpError(error.message)
            }
            let arguments = operands.filter { !($0.definingOp.map(Outlining.isConstantLike) ?? false) }
            let op = try call.builder.create(Ops.conditional, [pred] + arguments,
                                             attributes: ["then_branch": .symbol(branches[0].name), "else_branch": .symbol(branches[1].name)],
                                             location: call.location)
            return op.results
        },
    ]
}
