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
    ]

    /// The deepest nesting of `edge.if` a program may have (branches calling branches).
    static let maxBranchDepth = 64

    mutating func conditional(_ op: Operation) throws(Unsupported) {
        guard let module = function.module else { throw Unsupported("the function is not in a module") }
        var branches: [Function] = []
        for attribute in ["then_branch", "else_branch"] {
            guard case .symbol(let name)? = op.attribute(attribute), let f = module.function(named: name) else {
                throw Unsupported("\(attribute) is not a function of the module")
            }
            guard f.attributes["backend"] == nil else { throw Unsupported("\(attribute) @\(name) is a delegate partition") }
            guard !branchStack.contains(name) else {
                throw Unsupported("\(attribute) @\(name) calls itself (\((branchStack + [name]).map { "@\($0)" }.joined(separator: " -> ")))")
            }
            guard branchStack.count < Self.maxBranchDepth else {
                throw Unsupported("branches nest more than \(Self.maxBranchDepth) deep at \(attribute) @\(name)")
            }
            branches.append(f)
        }
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

    /// Lowers the body of `callee` inline with its arguments bound to `inputs` and its returned
    /// values written to `results`.
    mutating func branch(_ callee: Function, inputs: [Int32], results: [Int32]) throws(Unsupported) {
        for (a, v) in zip(callee.arguments, inputs) { bind(a, v) }
        // A returned value computed by the branch is written straight into the result.
        var claimed = Set<ObjectIdentifier>()
        for (v, r) in zip(callee.returnedValues, results) where v.definingOp != nil && !Outlining.isConstantLike(v.definingOp!) {
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
        for (v, r) in zip(callee.returnedValues, results) where t(v) != r {
            try call(.clone, ["self": t(v), "out": r])
        }
    }
}
