/// Run-time control flow. A branch is a function of the module, called by symbol (as
/// `edge.delegate_call` calls a partition), so every function stays one straight-line block:
/// passes run on branches as on any function, the verifier checks each body on its own, and
/// a branch sees only its arguments (docs/design.md, "Control flow").
extension Ops {
    /// Runs `then_branch` when the condition holds, else `else_branch`, on `inputs`.
    public static let conditional = OpDefinition(
        "edge.if",
        summary: "Calls `then_branch` when `condition` (a bool tensor of one element) is true, else `else_branch`, with `inputs` as the arguments; its results are the branch's. Both branches take the inputs' types and return the same types.",
        reference: "onnx::If (a run-time condition); ExecuTorch JumpFalseCall (program.fbs)",
        operands: [
            OperandSpec("condition", .single, "bool, one element"),
            OperandSpec("inputs", .variadic, "the arguments of both branches, in order"),
        ],
        attributes: [
            AttributeSpec("then_branch", .symbol, .required, "the function run when the condition is true"),
            AttributeSpec("else_branch", .symbol, .required, "the function run when it is false"),
        ],
        results: .variadic
    ) { ctx throws(OpError) in
        guard let condition = ctx.type("condition") else { throw OpError("needs a condition") }
        guard condition.element == .scalar(.bool), condition.elementCount == 1 else {
            throw OpError("the condition must be a bool tensor of one element, got \(TypeText.type(condition))")
        }
        let inputs = ctx.types("inputs")
        guard let callees = ctx.callees else {
            guard let declared = ctx.declaredResultTypes else { throw OpError("needs its result types written out or the module's functions") }
            return declared
        }
        var results: [TensorType]?
        for attribute in ["then_branch", "else_branch"] {
            guard case .symbol(let name)? = ctx.attribute(attribute) else { throw OpError("'\(attribute)' must be a function symbol") }
            guard let callee = callees[name] else { throw OpError("\(attribute) @\(name) is not a function of the module") }
            guard inputs.count == callee.arguments.count else {
                throw OpError("passes \(inputs.count) input\(inputs.count == 1 ? "" : "s") but \(attribute) @\(name) takes \(callee.arguments.count)")
            }
            for (i, (given, expected)) in zip(inputs, callee.arguments).enumerated() where given != expected {
                throw OpError("input #\(i) is \(TypeText.type(given)) but \(attribute) @\(name) takes \(TypeText.type(expected))")
            }
            if let r = results, r != callee.results {
                throw OpError("the branches return different types: then_branch \(r.map(TypeText.type).joined(separator: ", ")), else_branch @\(name) \(callee.results.map(TypeText.type).joined(separator: ", "))")
            }
            results = callee.results
        }
        return results ?? []
    }
}

extension Ops {
    /// Runs `body` while the iteration number is below `max_trips` and the condition holds,
    /// carrying values from one iteration to the next.
    public static let loop = OpDefinition(
        "edge.loop",
        summary: "Runs `body` while the iteration number (from 0) is below `max_trips` and the condition holds: the body takes (iteration number, condition, carried values, invariant inputs) and returns (the next condition, the next carried values). `inputs` are the initial carried values, then the invariant inputs; the results are the carried values after the last iteration (the initial ones when it runs none). The body's result count says how many inputs are carried.",
        reference: "onnx::Loop (a run-time trip count or condition, no scan outputs); torch.while_loop; ExecuTorch JumpFalseCall (program.fbs)",
        operands: [
            OperandSpec("max_trips", .single, "int64, one element: the most iterations"),
            OperandSpec("condition", .single, "bool, one element: whether the first iteration runs"),
            OperandSpec("inputs", .variadic, "the initial carried values, then the invariant inputs"),
        ],
        attributes: [
            AttributeSpec("body", .symbol, .required, "the function run once per iteration"),
        ],
        results: .variadic
    ) { ctx throws(OpError) in
        guard let trips = ctx.type("max_trips"), trips.element == .scalar(.i64), trips.elementCount == 1 else {
            throw OpError("max_trips must be an int64 tensor of one element, got \(ctx.type("max_trips").map(TypeText.type) ?? "nothing")")
        }
        guard let condition = ctx.type("condition"), condition.element == .scalar(.bool), condition.elementCount == 1 else {
            throw OpError("the condition must be a bool tensor of one element, got \(ctx.type("condition").map(TypeText.type) ?? "nothing")")
        }
        let inputs = ctx.types("inputs")
        guard let callees = ctx.callees else {
            guard let declared = ctx.declaredResultTypes else { throw OpError("needs its result types written out or the module's functions") }
            return declared
        }
        guard case .symbol(let name)? = ctx.attribute("body") else { throw OpError("'body' must be a function symbol") }
        guard let body = callees[name] else { throw OpError("body @\(name) is not a function of the module") }
        let args = body.arguments, results = body.results
        guard args.count == inputs.count + 2 else {
            throw OpError("passes \(inputs.count) input\(inputs.count == 1 ? "" : "s") but body @\(name) takes \(args.count) arguments (the iteration number, the condition, then the inputs)")
        }
        guard args[0].element == .scalar(.i64), args[0].elementCount == 1 else {
            throw OpError("body @\(name) argument #0 (the iteration number) must be an int64 tensor of one element, is \(TypeText.type(args[0]))")
        }
        guard args[1].element == .scalar(.bool), args[1].elementCount == 1 else {
            throw OpError("body @\(name) argument #1 (the condition) must be a bool tensor of one element, is \(TypeText.type(args[1]))")
        }
        for (i, (given, expected)) in zip(inputs, args.dropFirst(2)).enumerated() where given != expected {
            throw OpError("input #\(i) is \(TypeText.type(given)) but body @\(name) takes \(TypeText.type(expected))")
        }
        guard let next = results.first, next.element == .scalar(.bool), next.elementCount == 1 else {
            throw OpError("body @\(name) must return the next condition (a bool tensor of one element) first")
        }
        let carried = results.count - 1
        guard carried <= inputs.count else {
            throw OpError("body @\(name) returns \(carried) carried values but the loop has \(inputs.count) inputs")
        }
        for k in 0..<carried where results[1 + k] != inputs[k] {
            throw OpError("carried value #\(k) enters the loop as \(TypeText.type(inputs[k])) but body @\(name) returns \(TypeText.type(results[1 + k])): a carried value keeps one static type")
        }
        return Array(inputs[..<carried])
    }

    /// The functions `op` runs as control flow (branches of `edge.if`, the body of `edge.loop`),
    /// by name, in attribute order.
    public static func controlFlowCallees(of op: Operation) -> [String] {
        guard op.definition === conditional || op.definition === loop else { return [] }
        return op.definition.attributes.filter { $0.kind == .symbol }.compactMap { op.attribute($0.name)?.symbolValue }
    }
}

/// Moving ops of a function into a function of their own (delegate partitions, If branches).
public enum Outlining {
    /// Whether `op` produces a constant an outlined function copies instead of taking as an
    /// argument: constant-like ops, dequantized constants, and pure ops without operands.
    public static func isConstantLike(_ op: Operation) -> Bool {
        if op.definition === Ops.dequantize, let d = op.operand(0)?.definingOp { return isConstantLike(d) }
        return op.definition.traits.contains(.constantLike)
            || (op.operands.isEmpty && op.definition.traits.contains(.pure) && !op.definition.traits.contains(.terminator))
    }

    /// The values `group` reads, and those of `results`, that are defined outside it and not by
    /// a constant (in first-use order, each once): the arguments an outlined copy takes.
    public static func externalValues(of group: [Operation], results: [Value] = []) -> [Value] {
        let members = Set(group.map(ObjectIdentifier.init))
        var out: [Value] = [], seen = Set<ObjectIdentifier>()
        for v in group.flatMap(\.presentOperands) + results {
            if let d = v.definingOp, members.contains(ObjectIdentifier(d)) || isConstantLike(d) { continue }
            if seen.insert(ObjectIdentifier(v)).inserted { out.append(v) }
        }
        return out
    }

    /// A new function `name` of `module` that computes `results` with copies of `group` (ops in
    /// program order): it takes `arguments` (which must include ``externalValues(of:results:)``)
    /// and copies in the constants the group reads. The group itself is left where it is.
    public static func copy(_ group: [Operation], arguments: [Value], results: [Value], name: String,
                            in module: Module) throws(OpError) -> Function {
        let callee = Function(name: name, argumentTypes: arguments.map(\.type), argumentNames: arguments.map(\.nameHint),
                              resultTypes: results.map(\.type))
        module.add(callee)
        let builder = IRBuilder(function: callee)
        var mapped: [ObjectIdentifier: Value] = [:]
        for (v, arg) in zip(arguments, callee.arguments) where mapped[ObjectIdentifier(v)] == nil { mapped[ObjectIdentifier(v)] = arg }
        func value(_ v: Value, for what: String) throws(OpError) -> Value {
            if let m = mapped[ObjectIdentifier(v)] { return m }
            // A constant read by the group: copied in on first use.
            guard let d = v.definingOp, isConstantLike(d) else { throw OpError("a value read by \(what) is not available in @\(name)") }
            try clone(d)
            return mapped[ObjectIdentifier(v)]!
        }
        func clone(_ op: Operation) throws(OpError) {
            let operands: [Value?] = try op.operands.map { (v: Value?) throws(OpError) -> Value? in
                guard let v else { return nil }
                return try value(v, for: op.diagnosticName)
            }
            let copy = try builder.create(op.definition, operands, attributes: op.attributes,
                                          resultTypes: op.results.map(\.type), location: op.location)
            for (old, new) in zip(op.results, copy.results) {
                new.nameHint = old.nameHint
                mapped[ObjectIdentifier(old)] = new
            }
        }
        for op in group { try clone(op) }
        try builder.makeReturn(try results.map { (v: Value) throws(OpError) -> Value in try value(v, for: "the return") })
        return callee
    }
}
