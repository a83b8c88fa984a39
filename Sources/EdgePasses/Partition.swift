import EdgeIR

/// What a delegate executes, as the partitioner sees it: a name and, per op, why not.
public struct DelegateCapability: Sendable {
    /// The delegate's name: the `backend` attribute of outlined functions and their name prefix.
    public var backend: String
    /// Why the delegate cannot execute `op`, or nil when it can.
    public var refusal: @Sendable (EdgeIR.Operation) -> String?
    /// Ops that belong with their readers rather than their producers (a dequantize: the
    /// quantized tensor, not its float view, should cross a partition boundary). Such an op is
    /// copied once per reader before partitioning, does not join its producer's partition, and
    /// its reader's partition takes it (and, through it, its producer's partition when that
    /// stays convex); one no reader took joins its producer's partition.
    public var joinsConsumers: @Sendable (EdgeIR.Operation) -> Bool

    public init(backend: String, refusal: @escaping @Sendable (EdgeIR.Operation) -> String?,
                joinsConsumers: @escaping @Sendable (EdgeIR.Operation) -> Bool = { _ in false }) {
        self.backend = backend
        self.refusal = refusal
        self.joinsConsumers = joinsConsumers
    }
}

/// Partitioning for a delegate: groups the ops of `@main` the delegate executes into maximal
/// convex subgraphs, outlines each into its own function (`func @xnnpack_0(...) attributes
/// {backend = "xnnpack"}`) and replaces it in `@main` by one `edge.delegate_call`.
///
/// Convex: no path leaves a partition and comes back into it through an op outside it. The
/// partitions are grown greedily in program order — each supported op joins the partitions of
/// its producers when the merged set stays convex *and* the graph of partitions stays acyclic
/// (paths through other partitions count as if each were one node), else the largest of them
/// that allows it, else starts its own. Constants are not partitioned: every partition gets its
/// own copy of the constants it reads (so weights stay static inside the delegate), and a
/// constant no other op reads any more is removed from `@main`.
public enum Partitioner {
    /// Ops that make a value from attributes alone (`edge.constant`, `edge.full`): never
    /// partitioned themselves, but copied into every partition that reads them.
    /// A dequantize of such a value (a quantized weight or bias, `edge.dequantize` of a `qi8`
    /// constant) is constant-like too: it travels with the constant into every partition.
    public static func isConstantLike(_ op: EdgeIR.Operation) -> Bool { Outlining.isConstantLike(op) }

    /// A pass that partitions `@main` for `capability`, and the branches of its `edge.if` ops
    /// (every function that is not a partition already).
    public static func pass(name: String, summary: String, capability: DelegateCapability) -> Pass {
        Pass(name: name, summary: summary) { module, context in
            guard let main = module.mainFunction, main.attributes["backend"] == nil else { return }
            for f in module.functions where f.attributes["backend"] == nil {
                try partition(f, in: module, capability: capability, rewriter: context.rewriter(for: f))
            }
        }
    }

    /// The ops of `function` in each partition, in program order (constants and the terminator
    /// are never members).
    public static func partitions(of function: Function, capability: DelegateCapability) -> [[EdgeIR.Operation]] {
        let ops = function.body.operations.filter { !$0.definition.traits.contains(.terminator) && !isConstantLike($0) }
        var position: [ObjectIdentifier: Int] = [:]
        for (i, op) in ops.enumerated() { position[ObjectIdentifier(op)] = i }
        let users: [[Int]] = ops.map { op in
            var out: [Int] = []
            for r in op.results { for u in r.users { if let j = position[ObjectIdentifier(u)], !out.contains(j) { out.append(j) } } }
            return out
        }
        let producers: [[Int]] = ops.map { op in
            var out: [Int] = []
            for v in op.presentOperands { if let d = v.definingOp, let j = position[ObjectIdentifier(d)], !out.contains(j) { out.append(j) } }
            return out
        }
        var part = [Int](repeating: -1, count: ops.count)
        var members: [[Int]] = []

        /// Whether `candidate` (op `v` plus partitions `parts`) would close a cycle: a path out of
        /// it that comes back, where reaching any member of another partition continues from all
        /// of its members.
        func closesCycle(_ v: Int, _ parts: [Int]) -> Bool {
            var inside = Set(parts.flatMap { members[$0] })
            inside.insert(v)
            var visited = Set<Int>()
            var expanded = Set<Int>()
            var stack: [Int] = []
            for m in inside { for u in users[m] where !inside.contains(u) { stack.append(u) } }
            while let w = stack.popLast() {
                if inside.contains(w) { return true }
                guard visited.insert(w).inserted else { continue }
                let p = part[w]
                if p >= 0, !parts.contains(p) {
                    guard expanded.insert(p).inserted else { continue }
                    for m in members[p] {
                        visited.insert(m)
                        stack.append(contentsOf: users[m])
                    }
                } else {
                    stack.append(contentsOf: users[w])
                }
            }
            return false
        }

        let follows = ops.map { capability.refusal($0) == nil && capability.joinsConsumers($0) }
        for (i, op) in ops.enumerated() where capability.refusal(op) == nil {
            if follows[i] {
                // Taken by its reader (below), or by its producer after the loop.
                part[i] = members.count
                members.append([i])
                continue
            }
            // Followers only this op reads join it unconditionally (their one reader is inside, so
            // they add no path out); through them, their producers' partitions are candidates.
            var taken: [Int] = []
            var candidates: [Int] = []
            for p in producers[i] where part[p] >= 0 {
                if follows[p] && members[part[p]] == [p] {
                    if !taken.contains(part[p]) { taken.append(part[p]) }
                    for q in producers[p] where part[q] >= 0 && !follows[q] && !candidates.contains(part[q]) { candidates.append(part[q]) }
                } else if !candidates.contains(part[p]) {
                    candidates.append(part[p])
                }
            }
            var chosen: [Int] = []
            if !candidates.isEmpty && !closesCycle(i, candidates + taken) {
                chosen = candidates
            } else {
                for p in candidates.sorted(by: { members[$0].count > members[$1].count }) where !closesCycle(i, [p] + taken) {
                    chosen = [p]
                    break
                }
            }
            chosen += taken
            guard let target = chosen.min() else {
                part[i] = members.count
                members.append([i])
                continue
            }
            for p in chosen where p != target {
                for m in members[p] { part[m] = target }
                members[target] += members[p]
                members[p] = []
            }
            part[i] = target
            members[target].append(i)
        }
        // Followers no reader took: into their producer's partition where that stays convex.
        for i in ops.indices where follows[i] && members[part[i]] == [i] {
            let own = part[i]
            for p in producers[i] where part[p] >= 0 && part[p] != own {
                let target = part[p]
                members[own] = []
                if closesCycle(i, [target]) {
                    members[own] = [i]
                    continue
                }
                part[i] = target
                members[target].append(i)
                break
            }
        }
        return members.filter { !$0.isEmpty }.map { $0.sorted().map { ops[$0] } }
    }

    /// Partitions `function` and outlines every partition.
    static func partition(_ function: Function, in module: Module, capability: DelegateCapability, rewriter: Rewriter) throws {
        try copyFollowersPerReader(function, capability: capability, rewriter: rewriter)
        let groups = partitions(of: function, capability: capability)
        guard !groups.isEmpty else { return }
        for group in groups {
            try outline(group, from: function, in: module, backend: capability.backend, rewriter: rewriter)
        }
        restoreDefinitionOrder(function, rewriter: rewriter)
        // Constants whose only readers moved into partitions (readers before what they read).
        for op in function.body.operations.reversed() where isConstantLike(op) && op.results.allSatisfy({ !$0.hasUses }) {
            rewriter.erase(op)
        }
    }

    /// Gives every reader of a follower op (``DelegateCapability/joinsConsumers``) its own copy,
    /// so each reader's partition can take one.
    static func copyFollowersPerReader(_ function: Function, capability: DelegateCapability, rewriter: Rewriter) throws {
        for op in function.body.operations where !isConstantLike(op) && op.results.count == 1 && op.result.uses.count > 1
            && capability.joinsConsumers(op) && capability.refusal(op) == nil {
            for use in op.result.uses.dropFirst() {
                rewriter.setInsertionPoint(before: use.user)
                let copy = try rewriter.create(op.definition, op.operands, attributes: op.attributes,
                                               resultTypes: op.results.map(\.type), location: op.location)
                copy.result.nameHint = op.result.nameHint
                rewriter.setOperand(use.operandIndex, of: use.user, to: copy.result)
            }
        }
    }

    /// Moves `group` (ops of `function`, in program order) into a new function of `module` and
    /// calls it from where the group's last op was.
    static func outline(_ group: [EdgeIR.Operation], from function: Function, in module: Module, backend: String, rewriter: Rewriter) throws {
        let memberIDs = Set(group.map(ObjectIdentifier.init))
        // Inputs: values read by the group, defined outside it and not by a constant.
        let inputs = Outlining.externalValues(of: group)
        // Outputs: results read outside the group (the terminator included).
        let outputs = group.flatMap(\.results).filter { r in r.uses.contains { !memberIDs.contains(ObjectIdentifier($0.user)) } }
        let callee = try Outlining.copy(group, arguments: inputs, results: outputs, name: module.uniqueFunctionName(backend), in: module)
        callee.attributes["backend"] = .string(backend)

        // The call replaces the group in the caller.
        rewriter.setInsertionPoint(before: group[group.count - 1])
        let call = try rewriter.create(Ops.delegateCall, inputs, attributes: ["callee": .symbol(callee.name)],
                                       resultTypes: outputs.map(\.type))
        for (old, new) in zip(outputs, call.results) {
            new.nameHint = old.nameHint
            rewriter.replaceAllUses(of: old, with: new)
        }
        for op in group.reversed() { rewriter.erase(op) }
    }

    /// Reorders `function`'s body so every value is defined before it is used, keeping the
    /// original order wherever it already allows (a call sits where its group's last op was, so
    /// readers of its results that came earlier move after it).
    static func restoreDefinitionOrder(_ function: Function, rewriter: Rewriter) {
        let ops = function.body.operations
        guard let terminator = function.body.terminator else { return }
        var position: [ObjectIdentifier: Int] = [:]
        for (i, op) in ops.enumerated() { position[ObjectIdentifier(op)] = i }
        var pending = [Int](repeating: 0, count: ops.count)
        var users = [[Int]](repeating: [], count: ops.count)
        for (i, op) in ops.enumerated() {
            var producers = Set<Int>()
            for v in op.presentOperands { if let d = v.definingOp, let j = position[ObjectIdentifier(d)] { producers.insert(j) } }
            pending[i] = producers.count
            for j in producers { users[j].append(i) }
        }
        // Kahn's algorithm, always taking the earliest ready op.
        var ready = ops.indices.filter { pending[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            let k = ready.indices.min { ready[$0] < ready[$1] }!
            let i = ready.remove(at: k)
            order.append(i)
            for u in users[i] {
                pending[u] -= 1
                if pending[u] == 0 { ready.append(u) }
            }
        }
        guard order != Array(ops.indices) else { return }
        for i in order where ops[i] !== terminator { rewriter.move(ops[i], before: terminator) }
    }
}
