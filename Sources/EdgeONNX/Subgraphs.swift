import EdgeIR
import EdgeKernels
import Foundation

/// Subgraphs (the `then_branch`/`else_branch` of If, the `body` of Loop and Scan) are imported
/// inline: their nodes become ops of `@main` itself, with the subgraph's inputs bound to values
/// the caller chooses (a branch has none; a loop body gets the iteration number and the carried
/// values of one iteration): an If whose condition is known picks its branch at import, Loop and
/// Scan unroll. The branches of a run-time If are imported inline too and then copied into
/// functions of their own (``importBranch(_:what:)``; docs/design.md, "Control flow").
///
/// Names follow the ONNX IR's lexical scoping (https://onnx.ai/onnx/repo-docs/IR.html#graphs):
/// a subgraph sees every name of the scopes around it, and the names it defines (its inputs,
/// initializers and node outputs) are local to it and visible only inside it.
extension GraphImporter {
    /// The most subgraph copies one import inlines (nested loops multiply their iterations).
    static let maxInlinedSubgraphs = 4096

    /// Imports `graph` inline with its formal inputs bound to `inputs` (in order) and returns
    /// its outputs. `what` names the subgraph in errors (`then_branch`, `body`).
    func inlineSubgraph(_ graph: Onnx_GraphProto, inputs: [Imported], what: String) throws -> [Imported] {
        guard graph.input.count == inputs.count else {
            throw ImportError("\(what) declares \(graph.input.count) input\(graph.input.count == 1 ? "" : "s"), expected \(inputs.count)")
        }
        inlinedSubgraphs += 1
        guard inlinedSubgraphs <= Self.maxInlinedSubgraphs else {
            throw ImportError("\(what): the model's control flow unrolls to more than \(Self.maxInlinedSubgraphs) subgraph copies (nested loops multiply), which edgec does not compile")
        }
        let locals = Self.definedNames(graph)
        let outerValues = values, outerMaterialized = materialized
        defer {
            // Leave the scope: local names disappear; constants materialized for outer names
            // while inside stay (they are ops of @main like any other).
            values = outerValues
            var kept = outerMaterialized
            for (name, v) in materialized where !locals.contains(name) && kept[name] == nil { kept[name] = v }
            materialized = kept
        }
        for name in locals {
            values[name] = nil
            materialized[name] = nil
        }
        do {
            for (input, given) in zip(graph.input, inputs) {
                guard !input.name.isEmpty else { throw ImportError("\(what) has an input without a name") }
                // A value given where an optional is declared is that optional, present (a Loop
                // whose carried optional comes back from the body as a plain sequence).
                var bound = given
                if case .optional = ONNXValueKind(input.type) {
                    if case .optional = given {} else { bound = .optional(given) }
                }
                try Self.checkKind(bound, declared: input.type, "\(what) input \"\(input.name)\"")
                if input.type.isTensor, input.type.tensorType.elemType != 0 {
                    let declared = try ONNXType.require(input.type.tensorType.elemType, "\(what) input \"\(input.name)\"")
                    guard bound.type.element == .scalar(declared) else {
                        throw ImportError("\(what) input \"\(input.name)\" is declared \(declared) but receives \(TypeText.type(bound.type))")
                    }
                }
                // Known contents keep the outer name they came from while it is visible, so
                // they share its one constant.
                if let origin = bound.origin, !locals.contains(origin), values[origin] != nil {
                    values[input.name] = bound
                } else {
                    values[input.name] = bound.unnamed()
                }
            }
            for (i, t) in graph.initializer.enumerated() {
                guard !t.name.isEmpty else { throw ImportError("\(what) initializer #\(i) has no name") }
                let d = try TensorDecoder.decode(t, what: "\(what) initializer \"\(t.name)\"", external: external)
                values[t.name] = .initializer(TensorType(.scalar(d.element), d.shape), d.data)
            }
            if !graph.sparseInitializer.isEmpty { throw ImportError("\(what) has sparse initializers, which are not supported") }
            // Outer names a node output shadows are not "defined" for ordering purposes.
            let produced = Set(graph.node.flatMap(\.output).filter { !$0.isEmpty })
            var defined = Set(values.keys).subtracting(produced)
            defined.formUnion(graph.input.map(\.name))
            defined.formUnion(graph.initializer.map(\.name))
            let order = try Self.topologicalOrder(graph, defined: defined)
            try Self.checkSupport(graph.node, opset: opset)
            for index in order { try importNode(graph.node[index]) }
            return try graph.output.map { out in
                guard let v = values[out.name] else {
                    throw ImportError("\(what) output \"\(out.name)\" is not produced by any node, input or initializer")
                }
                // A known result keeps its outer name only when that name outlives the scope.
                if let origin = v.origin, locals.contains(origin) { return v.unnamed() }
                return v
            }
        } catch let e as ImportError {
            throw ImportError("\(what): \(e.message)")
        }
    }

    /// Imports a branch of a run-time If (no inputs) inline and returns the ops it added to the
    /// function and its outputs as values. The caller copies them into a function of their own
    /// and erases them (``erase(_:)``), so no name the rest of the import sees may refer to them:
    /// constants materialized for outer names inside the branch are forgotten again.
    func importBranch(_ graph: Onnx_GraphProto, what: String) throws -> (ops: [EdgeIR.Operation], results: [Value]) {
        let mark = function.body.lastOp
        let outerMaterialized = materialized
        defer { materialized = outerMaterialized }
        let outputs = try inlineSubgraph(graph, inputs: [], what: what)
        let results = try tensorValues(outputs, of: graph, what: what) { k, out in
            RuntimeIfRefusal(reason: "\(what) output \"\(graph.output[k].name)\" is \(out.kindDescription) and a run-time If returns tensors only")
        }
        return (operations(after: mark), results)
    }

    /// The outputs of a subgraph imported into a function that will become its own (an If
    /// branch, a loop body) as values: a known output becomes a constant of that function; a
    /// sequence or optional is the error `refuse` makes for it.
    func tensorValues(_ outputs: [Imported], of graph: Onnx_GraphProto, what: String,
                      refuse: (Int, Imported) -> Error) throws -> [Value] {
        try outputs.enumerated().map { k, out -> Value in
            func known(_ data: Data) throws -> Value {
                do throws(OpError) {
                    return try builder.constant(data, type: out.type, name: graph.output[k].name)
                } catch { throw ImportError("\(what) output \"\(graph.output[k].name)\": \(error.message)") }
            }
            switch out {
            case .value(let v): return v
            case .sequence, .optional: throw refuse(k, out)
            case .constant(let t, _): return try known(Data(t.bytes()))
            case .initializer(_, let d, _): return try known(d)
            }
        }
    }

    /// The ops of the function being imported after `mark` (all of them when it is nil).
    func operations(after mark: EdgeIR.Operation?) -> [EdgeIR.Operation] {
        var ops: [EdgeIR.Operation] = []
        var op = mark.map { $0.nextInBlock } ?? function.body.operations.first
        while let o = op {
            ops.append(o)
            op = o.nextInBlock
        }
        return ops
    }

    /// Imports a Loop body into a function of its own for `edge.loop`: it takes the iteration
    /// number, the condition, the carried values (of `carried` types) and then every outer value
    /// the body reads, and returns the next condition and carried values. The body is imported
    /// into a scratch function first (its outer reads are found afterwards), then copied.
    func importLoopBody(_ graph: Onnx_GraphProto, carried: [TensorType], name: String) throws -> (body: Function, outer: [Value]) {
        guard graph.input.count == carried.count + 2 else {
            throw ImportError("body declares \(graph.input.count) input\(graph.input.count == 1 ? "" : "s"), expected \(carried.count + 2) (the iteration number, the condition and \(carried.count) carried value\(carried.count == 1 ? "" : "s"))")
        }
        guard graph.output.count == carried.count + 1 else {
            throw ImportError("body has \(graph.output.count) outputs, expected \(carried.count + 1) (the condition and the carried values)")
        }
        return try loopFunction(argumentTypes: [TensorType(.scalar(.i64), [Dim]()), TensorType(.scalar(.bool), [Dim]())] + carried,
                                argumentNames: graph.input.map(\.name), name: name) { scratch in
            let arguments = scratch.arguments
            let outputs = try inlineSubgraph(graph, inputs: arguments.map { Imported.value($0) }, what: "body")
            let results = try tensorValues(outputs, of: graph, what: "body") { k, out in
                ImportError("body output \"\(graph.output[k].name)\" is \(out.kindDescription); a loop run at run time carries tensors only (edgec unrolls a Loop whose trip count is known at import time)")
            }
            guard results[0].type.element == .scalar(.bool), results[0].type.elementCount == 1 else {
                throw ImportError("body output \"\(graph.output[0].name)\" (the condition) must be a bool tensor of one element, is \(TypeText.type(results[0].type))")
            }
            for (k, (r, c)) in zip(results.dropFirst(), carried).enumerated() where r.type != c {
                throw ImportError("loop-carried value \"\(graph.input[2 + k].name)\" enters the loop as \(TypeText.type(c)) but the body returns \(TypeText.type(r.type)) (\"\(graph.output[1 + k].name)\"); a loop run at run time keeps one static type per carried value (edgec unrolls a Loop whose trip count is known at import time)")
            }
            return (arguments, results)
        }
    }

    /// A function for `edge.loop`, built by `build` in a scratch function that takes
    /// `argumentTypes` (`build` may append arguments to it, and returns the arguments of the loop body
    /// in order with its results); every outer value the body reads becomes a further argument.
    func loopFunction(argumentTypes: [TensorType], argumentNames: [String], name: String,
                      build: (Function) throws -> (arguments: [Value], results: [Value])) throws -> (body: Function, outer: [Value]) {
        let scratch = Function(name: module.uniqueFunctionName("\(name)_scratch"), argumentTypes: argumentTypes,
                               argumentNames: argumentNames, resultTypes: [])
        module.add(scratch)
        defer {
            let rewriter = Rewriter(function: scratch)
            for op in scratch.body.operations.reversed() { rewriter.erase(op) }
            module.remove(scratch)
        }
        let outerMaterialized = materialized
        defer { materialized = outerMaterialized }
        let (arguments, results) = try importing(into: scratch) { try build(scratch) }
        let ops = scratch.body.operations
        let own = Set(scratch.arguments.map(ObjectIdentifier.init))
        let outer = Outlining.externalValues(of: ops, results: results).filter { !own.contains(ObjectIdentifier($0)) }
        do throws(OpError) {
            let body = try Outlining.copy(ops, arguments: arguments + outer, results: results,
                                          name: module.uniqueFunctionName("\(name)_body"), in: module)
            return (body, outer)
        } catch {
            throw ImportError("body: \(error.message)")
        }
    }

    /// Runs `work`; when it returns nil, removes the ops it added to the function being imported
    /// (none of them may be read by anything else) and forgets the constants it materialized.
    func rollingBack<T>(_ work: () throws -> T?) throws -> T? {
        let mark = function.body.lastOp
        let outerMaterialized = materialized
        guard let result = try work() else {
            materialized = outerMaterialized
            let rewriter = Rewriter(function: function)
            for o in operations(after: mark).reversed() { rewriter.erase(o) }
            return nil
        }
        return result
    }

    /// Why an If cannot run its condition at run time (so the condition must be known at import).
    struct RuntimeIfRefusal: Error {
        var reason: String
    }

    /// Removes `ops` (the branches just copied into functions) from the function being imported.
    /// Nothing outside them may read their results.
    func erase(_ ops: [EdgeIR.Operation]) throws {
        let members = Set(ops.map(ObjectIdentifier.init))
        for op in ops {
            for r in op.results where r.uses.contains(where: { !members.contains(ObjectIdentifier($0.user)) }) {
                throw ImportError("internal error: \(op.diagnosticName) of a branch is read outside it")
            }
        }
        let rewriter = Rewriter(function: function)
        for op in ops.reversed() { rewriter.erase(op) }
    }

    /// The names `graph` defines: its inputs, initializers and node outputs.
    static func definedNames(_ graph: Onnx_GraphProto) -> Set<String> {
        var names = Set(graph.input.map(\.name))
        names.formUnion(graph.initializer.map(\.name))
        for n in graph.node { names.formUnion(n.output.filter { !$0.isEmpty }) }
        return names
    }

    /// The names the subgraphs of `node` read from scopes outside themselves (the implicit
    /// inputs of an If, Loop or Scan), through any depth of nesting.
    static func outerReferences(_ node: Onnx_NodeProto) -> Set<String> {
        var out = Set<String>()
        for a in node.attribute {
            for g in (a.hasG ? [a.g] : []) + a.graphs { out.formUnion(freeNames(g)) }
        }
        return out
    }

    /// The names `graph` uses without defining them.
    static func freeNames(_ graph: Onnx_GraphProto) -> Set<String> {
        var used = Set<String>()
        for n in graph.node {
            used.formUnion(n.input.filter { !$0.isEmpty })
            used.formUnion(outerReferences(n))
        }
        used.formUnion(graph.output.map(\.name))
        return used.subtracting(definedNames(graph))
    }

    /// The subgraph attribute `name` of `ctx`'s node.
    static func subgraph(_ ctx: NodeContext, _ name: String) throws -> Onnx_GraphProto {
        guard let a = ctx.node.attribute.first(where: { $0.name == name }) else { throw ImportError("needs the subgraph attribute '\(name)'") }
        guard a.type == .graph || (a.type == .undefined && a.hasG) else { throw ImportError("attribute '\(name)' must be a graph, got \(a.type)") }
        return a.g
    }
}

extension Imported {
    /// The same contents without an ONNX name (for values leaving the scope that named them).
    func unnamed() -> Imported {
        switch self {
        case .value: return self
        case .sequence(let items, let element): return .sequence(items.map { $0.unnamed() }, element: element)
        case .optional(let v): return .optional(v?.unnamed())
        case .constant(let t, _): return .constant(t)
        case .initializer(let type, let data, _): return .initializer(type, data)
        }
    }
}
