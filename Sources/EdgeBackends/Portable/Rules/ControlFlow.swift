import EdgeIR
import EdgeKernels
import EdgeProgram

// Run-time control flow: `edge.if` becomes ExecuTorch's jumps around the two branches, laid out
// as ExecuTorch's own emitter lays out `torch.cond` (exir/emit/_emitter.py, `_emit_cond`):
//
//     k:     JumpFalseCall(condition, destination: else)
//            ... then_branch, writing the If's results ...
//            JumpFalseCall(Bool(false), destination: end)      (an unconditional jump)
//     else:  ... else_branch, writing the If's results ...
//     end:
//
// The results are planned tensors of their own, written by the last kernel of each branch
// directly (the branch's returned value is bound to the result before the branch lowers), or by
// a `clone.out` when a branch returns one of its arguments, a constant, a view or a value it
// returns twice. ExecuTorch's `MoveCall` is not used: it copies the tensor handle, so after one
// run the result would alias the other branch's memory, and a later run that takes the
// other branch would write through it. Memory planning needs nothing new: in the chain's order
// every value is written before it is read on every path, and a value's lifetime from its first
// to its last instruction covers both branches when it is live across the If.

extension PortableLowering {
    static let controlFlowRules: [PortableRule] = [
        PortableRule("edge.if", [.clone], "`JumpFalseCall` around each branch (inlined); `clone.out` when a branch returns an argument, a constant or a view") { l, op throws(Unsupported) in
            try l.conditional(op)
        },
        PortableRule("edge.loop", [.clone, .lt, .logicalAnd, .add], "a loop in the plan: `lt.Tensor_out`/`logical_and.out` test, `JumpFalseCall` out of the loop, the body (inlined), `clone.out` of the carried values, `add.out` of the counter, a jump back") { l, op throws(Unsupported) in
            try l.loop(op)
        },
    ]

    /// The deepest nesting of `edge.if` a program may have (branches calling branches).
    static let maxBranchDepth = 64

    mutating func conditional(_ op: Operation) throws(Unsupported) {
        let branches = [try callee(op, "then_branch"), try callee(op, "else_branch")]
        let condition = t(op.operand(0)!)
        let inputs = op.presentOperands.dropFirst().map(t)
        let results = try op.results.map { r throws(Unsupported) in try out(r) }
        let toElse = builder.jumpFalse(condition)
        try branch(branches[0], inputs: Array(inputs), results: results)
        let toEnd = builder.jumpFalse(builder.bool(false))
        builder.setDestination(of: toElse)
        try branch(branches[1], inputs: Array(inputs), results: results)
        builder.setDestination(of: toEnd)
    }

    /// The function `op` names by `attribute`, checked to be lowerable inline here.
    func callee(_ op: Operation, _ attribute: String) throws(Unsupported) -> Function {
        guard let module = function.module else { throw Unsupported("the function is not in a module") }
        guard case .symbol(let name)? = op.attribute(attribute), let f = module.function(named: name) else {
            throw Unsupported("\(attribute) is not a function of the module")
        }
        guard f.attributes["backend"] == nil else { throw Unsupported("\(attribute) @\(name) is a delegate partition") }
        guard !branchStack.contains(name) else {
            throw Unsupported("\(attribute) @\(name) calls itself (\((branchStack + [name]).map { "@\($0)" }.joined(separator: " -> ")))")
        }
        guard branchStack.count < Self.maxBranchDepth else {
            throw Unsupported("branches and loops nest more than \(Self.maxBranchDepth) deep at \(attribute) @\(name)")
        }
        return f
    }

    /// `edge.loop` as a loop in the plan (ExecuTorch runs any jump; edgec's interpreter counts
    /// the jumps back):
    ///
    ///            clone.out(0 -> i), clone.out(condition -> c), clone.out(input_k -> carried_k)
    ///     top:   lt.Tensor_out(i, max_trips -> below), logical_and.out(below, c -> go)
    ///            JumpFalseCall(go, destination: end)
    ///            ... body (i, c, carried..., invariants...) -> (c', carried'...) ...
    ///            clone.out(c' -> c), clone.out(carried'_k -> carried_k)
    ///            add.out(i, 1 -> i)
    ///            JumpFalseCall(Bool(false), destination: top)
    ///     end:   the results are carried_k
    ///
    /// The body writes its results into tensors of its own, copied into the carried tensors once
    /// the body is done (it reads the carried values while it runs); a result that is a carried
    /// tensor itself, or a view of one, is copied out first, so a body that swaps two carried
    /// values sees both old values. The memory plan keeps every value read inside the loop but
    /// made before it live to the jump back (``PlanBuilder/lifetimes(inputs:outputs:)``).
    mutating func loop(_ op: Operation) throws(Unsupported) {
        let body = try callee(op, "body")
        let carriedCount = op.results.count
        let operands = op.presentOperands
        // The loop's state: counter, condition, carried values (each a tensor of its own).
        let counterType = body.arguments[0].type, conditionType = body.arguments[1].type
        let (counterScalar, counterDims) = try Self.tensorType(counterType)
        let counter = builder.planned(counterScalar, counterDims)
        let (conditionScalar, conditionDims) = try Self.tensorType(conditionType)
        let condition = builder.planned(conditionScalar, conditionDims)
        let carried = try op.results.map { r throws(Unsupported) in try out(r) }
        let zero = builder.constant(counterScalar, counterDims, bytes: [UInt8](repeating: 0, count: 8))
        var oneBytes = [UInt8](repeating: 0, count: 8)
        oneBytes[0] = 1
        let one = builder.constant(counterScalar, counterDims, bytes: oneBytes)
        try call(.clone, ["self": zero, "out": counter])
        try call(.clone, ["self": try view(t(operands[1]), conditionDims), "out": condition])
        for k in 0..<carriedCount { try call(.clone, ["self": t(operands[2 + k]), "out": carried[k]]) }

        let top = builder.nextInstruction
        let trips = t(operands[0])
        let below = temp(.bool, Self.broadcastDims(builder.tensor(counter).sizes, builder.tensor(trips).sizes))
        try call(.lt, ["self": counter, "other": trips, "out": below])
        let go = temp(.bool, Self.broadcastDims(builder.tensor(below).sizes, builder.tensor(condition).sizes))
        try call(.logicalAnd, ["self": below, "other": condition, "out": go])
        let exit = builder.jumpFalse(go)

        let inputs = [counter, condition] + carried + operands.dropFirst(2 + carriedCount).map(t)
        var next = try inline(body, inputs: inputs, results: nil)
        // Results that alias the loop's state are copied out before any state is written.
        let loopState = [counter, condition] + carried
        for (k, v) in next.enumerated() where loopState.contains(where: { $0 == v || builder.sharesStorage($0, v) }) {
            let t = builder.tensor(v)
            let copy = temp(t.scalarType, t.sizes.map(Int.init))
            try call(.clone, ["self": v, "out": copy])
            next[k] = copy
        }
        try call(.clone, ["self": try view(next[0], conditionDims), "out": condition])
        for k in 0..<carriedCount { try call(.clone, ["self": next[1 + k], "out": carried[k]]) }
        try call(.add, ["self": counter, "other": one, "out": counter])
        builder.jumpFalse(builder.bool(false), destination: top)
        builder.setDestination(of: exit)
    }

    /// The sizes of a broadcast of two tensors' sizes.
    static func broadcastDims(_ a: [Int32], _ b: [Int32]) -> [Int] {
        let rank = max(a.count, b.count)
        return (0..<rank).map { i in
            let x = i - (rank - a.count) >= 0 ? Int(a[i - (rank - a.count)]) : 1
            let y = i - (rank - b.count) >= 0 ? Int(b[i - (rank - b.count)]) : 1
            return x == 1 ? y : x
        }
    }

    /// Lowers the body of `callee` inline with its arguments bound to `inputs` and its returned
    /// values written to `results`.
    mutating func branch(_ callee: Function, inputs: [Int32], results: [Int32]) throws(Unsupported) {
        let returned = try inline(callee, inputs: inputs, results: results)
        for (v, r) in zip(returned, results) where v != r {
            try call(.clone, ["self": v, "out": r])
        }
    }

    /// Lowers the body of `callee` inline with its arguments bound to `inputs` and returns the
    /// values it returns; with `results`, a returned value a kernel of the body computes is
    /// written straight into its result.
    mutating func inline(_ callee: Function, inputs: [Int32], results: [Int32]?) throws(Unsupported) -> [Int32] {
        for (a, v) in zip(callee.arguments, inputs) { bind(a, v) }
        // A returned value computed by the branch is written straight into the result.
        var claimed = Set<ObjectIdentifier>()
        for (v, r) in zip(callee.returnedValues, results ?? []) where v.definingOp != nil && !Outlining.isConstantLike(v.definingOp!) {
            if claimed.insert(ObjectIdentifier(v)).inserted { preassigned[ObjectIdentifier(v)] = r }
        }
        branchStack.append(callee.name)
        defer {
            branchStack.removeLast()
            for v in callee.returnedValues { preassigned[ObjectIdentifier(v)] = nil }
        }
        for op in callee.body.operations where !op.definition.traits.contains(.terminator) {
            let outer = builder.location
            builder.location = op.location.frames.items.isEmpty ? outer : op.location.frames
            defer { builder.location = outer }
            do throws(Unsupported) {
                try lower(op)
            } catch {
                throw Unsupported("in @\(callee.name): \(Self.describe(op))\(error.reason.isEmpty ? " has no lowering" : " (\(error.reason))")")
            }
        }
        return callee.returnedValues.map(t)
    }
}
