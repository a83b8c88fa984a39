import EdgeIR
import Foundation

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
        "higher_order.while_loop": ATenLowering("torch.while_loop(cond_fn, body_fn, carried_inputs, additional_inputs): edge.loop whose body runs body_fn and then cond_fn on its results; cond_fn on the initial values decides the first iteration") { call throws(OpError) in
            let inputs = call.node.inputs.map(\.value)
            guard inputs.count == 4, case .graph(let condition) = inputs[0], case .graph(let body) = inputs[1] else {
                throw OpError("expects (cond graph, body graph, carried inputs, additional inputs)")
            }
            func tensors(_ a: TorchArgument, _ what: String) throws(OpError) -> [Value] {
                var names: [String] = []
                switch a {
                case .tensors(let n): names = n
                case .tensor(let n): names = [n]
                case .none: names = []
                default: throw OpError("the \(what) must be tensors, got \(a)")
                }
                var out: [Value] = []
                for n in names { out.append(try call.value(n)) }
                return out
            }
            let carried = try tensors(inputs[2], "carried inputs")
            let additional = try tensors(inputs[3], "additional inputs")
            guard !carried.isEmpty else { throw OpError("carries no values") }
            let importer = call.importer
            let name = call.node.name
            do {
                // The first test, on the initial values, in the calling function.
                let first = try importer.inlineGraph(condition, inputs: carried + additional, builder: call.builder)
                guard first.count == 1, first[0].type.element == .scalar(.bool), first[0].type.elementCount == 1 else {
                    throw TorchImportError("cond graph '\(condition.name)' must return one bool tensor of one element, returns \(first.map { TypeText.type($0.type) }.joined(separator: ", "))")
                }
                // The body: (counter, condition, carried..., additional...) -> (cond_fn(next), next...).
                let invariant = additional.filter { !($0.definingOp.map(Outlining.isConstantLike) ?? false) }
                let scalarShape: [Int] = []
                let f = Function(name: importer.module.uniqueFunctionName("\(name)_body"),
                                 argumentTypes: [TensorType(.scalar(.i64), scalarShape), TensorType(.scalar(.bool), scalarShape)] + carried.map(\.type) + invariant.map(\.type),
                                 argumentNames: ["iteration", "condition"] + carried.map(\.nameHint) + invariant.map(\.nameHint), resultTypes: [])
                importer.module.add(f)
                let b = Rewriter(function: f)
                let local = try GraphImporter.localOperands(additional, arguments: Array(f.arguments.dropFirst(2 + carried.count)), builder: b,
                                                            what: "while_loop '\(name)'")
                let next = try importer.inlineGraph(body, inputs: Array(f.arguments[2 ..< 2 + carried.count]) + local, builder: b)
                guard next.count == carried.count else {
                    throw TorchImportError("body graph '\(body.name)' returns \(next.count) values for \(carried.count) carried inputs")
                }
                for (k, (n, c)) in zip(next, carried).enumerated() where n.type != c.type {
                    throw TorchImportError("carried value #\(k) enters the loop as \(TypeText.type(c.type)) but body graph '\(body.name)' returns \(TypeText.type(n.type)); a loop keeps one static type per carried value")
                }
                let again = try importer.inlineGraph(condition, inputs: next + local, builder: b)
                guard again.count == 1, again[0].type == first[0].type else {
                    throw TorchImportError("cond graph '\(condition.name)' returns \(again.map { TypeText.type($0.type) }.joined(separator: ", ")) on the body's results")
                }
                f.setResultTypes([again[0].type] + next.map(\.type))
                do throws(OpError) { try b.makeReturn([again[0]] + next) } catch { throw TorchImportError("while_loop '\(name)' body return: \(error.message)") }
                let unbounded = try call.builder.constant(Data(withUnsafeBytes(of: Int64.max.littleEndian) { Array($0) }), type: TensorType(.scalar(.i64), scalarShape),
                                                          name: "\(name)_no_trip_limit")
                let op = try call.builder.create(Ops.loop, [unbounded, first[0]] + carried + invariant,
                                                 attributes: ["body": .symbol(f.name)], location: call.location)
                return op.results
            } catch let e as TorchImportError {
                throw OpError(e.message)
            } catch {
                throw OpError("\(error)")
            }
        },
    ]
}
