import EdgeIR
import EdgePasses
import EdgeProgram

/// The arm-cpu backend: the maximal convex subgraphs XNNPACK executes become one XNNPACK
/// delegate call each; everything else runs on the portable backend's kernels in the same
/// program (partition, then lower: each partition to an XNNPACK payload, `@main` as the
/// portable backend does, each `edge.delegate_call` becoming a `DelegateCall`).
public struct ArmCPUBackend: Backend {
    public static let name = "arm-cpu"

    /// What the XNNPACK delegate executes, for the partitioner (``XNNPACKSupport``).
    public static let xnnpack = DelegateCapability(backend: "xnnpack", refusal: { XNNPACKSupport.refusal(for: $0) },
                                                           joinsConsumers: { XNNPACKSupport.joinsConsumers($0) })

    /// `partition-xnnpack`: outlines what XNNPACK executes into `attributes {backend = "xnnpack"}`
    /// functions called by `edge.delegate_call`.
    public static let partitionPass = Partitioner.pass(
        name: "partition-xnnpack",
        summary: "Outline the maximal convex subgraphs XNNPACK executes into functions called by edge.delegate_call",
        capability: xnnpack)

    public init() {}

    public var name: String { Self.name }
    public var summary: String { "XNNPACK delegate for the subgraphs it executes, portable kernels for the rest (one program)" }
    /// Passes may create any op the portable kernels run (everything falls back there); conv2d
    /// and linear take fused relu/relu6, which XNNPACK runs as an output range.
    public var target: PassTarget {
        PassTarget(supportedOps: Set(PortableBackend.supportedOps), fusesActivations: true, int8Ops: XNNPACKSupport.int8Ops)
    }

    /// Whether `module` holds delegate partitions already (partitioned by `edgec opt --passes
    /// partition-xnnpack`, or by the lower stage's run of ``passes(for:)``).
    static func isPartitioned(_ module: Module) -> Bool { module.functions.contains { $0.attributes["backend"] != nil } }

    /// `signed-int8` (uint8 QDQ pairs, as ONNX Runtime writes them, become the equal int8 ones
    /// XNNPACK runs) and `partition-xnnpack`, run by the lower stage under the compiler's
    /// instrumentation.
    public func passes(for module: Module) -> [Pass] { Self.isPartitioned(module) ? [] : [SignedInt8.pass, Self.partitionPass] }

    /// Partitions `module` in place (as `--passes partition-xnnpack` does) unless it already is.
    public static func partition(_ module: Module) throws {
        if !isPartitioned(module) {
            var manager = PassManager(passes: [SignedInt8.pass, partitionPass])
            manager.instrumentation.verifyEach = true
            try manager.run(module)
        }
    }

    public func lower(_ module: Module, options: LoweringOptions) throws -> CompiledProgram {
        // XNNPACK's delegate plans its tensors at the sizes it was built for: no bounded programs.
        if options.copyViews { throw LoweringError(failures: ["input shapes with a range: arm-cpu lowers static shapes only (use --backend portable)"], backend: name) }
        try Self.partition(module)
        guard let main = module.mainFunction else { throw LoweringError(failures: ["module has no function"], backend: name) }
        var delegates: [String: BackendDelegate] = [:]
        var summaries: [String] = []
        var failures: [String] = []
        let branches = Set(module.functions.flatMap(\.body.operations).flatMap(Ops.controlFlowCallees))
        for f in module.functions where f !== main && !branches.contains(f.name) {
            guard f.attributes["backend"]?.stringValue == Self.xnnpack.backend else {
                failures.append("@\(f.name) is not an XNNPACK partition (backend \(f.attributes["backend"].map { "\($0)" } ?? "none"))")
                continue
            }
            do {
                let (graph, notes) = try XNNPACKLowering.lowerWithNotes(f, blobs: module.blobs)
                delegates[f.name] = BackendDelegate(id: BackendDelegate.xnnpackID, processed: try graph.serialize())
                summaries.append("@\(f.name): \(graph.precision), \(graph.nodes.count) nodes, \(graph.constantBytes) constant bytes"
                                 + (graph.quantizedConstantBytes > 0 ? " (\(graph.quantizedConstantBytes) quantized)" : "")
                                 + notes.map { "\n    \($0)" }.joined())
            } catch {
                failures.append("@\(f.name): \(error)")
            }
        }
        if !failures.isEmpty { throw LoweringError(failures: failures, backend: name) }
        var compiled = try PortableBackend.compile(module, delegates: delegates)
        compiled.delegation = DelegationReport(module, capability: Self.xnnpack)
        compiled.delegation?.partitionSummaries = summaries
        return compiled
    }
}

/// What partitioning handed to a delegate and what stayed on portable kernels, and why.
public struct DelegationReport: Sendable, Hashable {
    /// The delegate's name (`xnnpack`).
    public var backend: String
    /// Number of partitions (delegate calls).
    public var partitions: Int
    /// Ops inside partitions (constants not counted).
    public var delegatedOps: Int
    /// Each op left on portable kernels: its description (op and node name) and the reason.
    public var leftOut: [LeftOut]
    /// One line per partition from its lowering (arm-cpu: precision, nodes, constant bytes).
    public var partitionSummaries: [String] = []

    /// One op that stayed outside every partition.
    public struct LeftOut: Sendable, Hashable {
        /// The op and its node name (`edge.mean at "ReduceMean_3"`).
        public var op: String
        public var reason: String
    }

    /// The report of a partitioned module.
    public init(_ module: Module, capability: DelegateCapability) {
        backend = capability.backend
        func counted(_ op: Operation) -> Bool {
            !op.definition.traits.contains(.terminator) && !Partitioner.isConstantLike(op)
        }
        let parts = module.functions.filter { $0.attributes["backend"]?.stringValue == capability.backend }
        partitions = parts.count
        delegatedOps = parts.reduce(0) { $0 + $1.body.operations.filter(counted).count }
        leftOut = []
        guard let main = module.mainFunction else { return }
        for op in main.body.operations where counted(op) && op.definition !== Ops.delegateCall {
            let where_ = op.location.nodeName.map { " at \"\($0)\"" } ?? op.results.first?.nameHint.map { " at %\($0)" } ?? ""
            leftOut.append(LeftOut(op: "\(op.name)\(where_)", reason: capability.refusal(op) ?? "not in a partition"))
        }
    }

    /// The `--stats` lines.
    public var text: String {
        var lines = [
            "delegate:        \(backend)",
            "partitions:      \(partitions)",
        ] + partitionSummaries.map { "  \($0)" } + [
            "delegated ops:   \(delegatedOps)",
            "portable ops:    \(leftOut.count)",
        ]
        for e in leftOut { lines.append("  \(e.op): \(e.reason)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
