import EdgeIR
import EdgePasses
import EdgeProgram

/// The arm-cpu backend: the maximal convex subgraphs XNNPACK executes become one XNNPACK
/// delegate call each; everything else runs on the portable backend's kernels in the same
/// program.
public struct ArmCPUBackend: Backend {
    public static let name = "arm-cpu"

    /// What the XNNPACK delegate executes, for the partitioner (``XNNPACKSupport``).
    public static let xnnpack = DelegateCapability(backend: "xnnpack", refusal: { XNNPACKSupport.refusal(for: $0) })

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
    public var target: PassTarget { PassTarget(supportedOps: Set(PortableBackend.supportedOps), fusesActivations: true) }

    public func lower(_ module: Module) throws -> CompiledProgram {
        throw LoweringError(failures: ["the XNNPACK lowering is not built yet"], backend: Self.name)
    }
}
