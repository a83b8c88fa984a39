import EdgeIR
import EdgePasses
import EdgeProgram

/// Lowers Edge IR to a `.pte` program whose every instruction is an ATen out-variant kernel
/// that ExecuTorch's portable kernel library registers (see docs/pte.md).
public struct PortableBackend: Backend {
    public static let name = "portable"

    public init() {}

    public var name: String { Self.name }
    public var summary: String { "ATen out-variant kernels of ExecuTorch's portable library; runs on any ExecuTorch runtime" }
    /// Every op of the lowering table; no fused kernels (an activation stays its own kernel).
    public var target: PassTarget { PassTarget(supportedOps: Set(Self.supportedOps), fusesActivations: false) }
    public func lower(_ module: Module, options: LoweringOptions) throws -> CompiledProgram { try Self.compile(module, options: options) }

    /// The Edge IR ops this backend lowers (derived from the lowering table).
    public static var supportedOps: [String] { PortableLowering.rules.keys.sorted() }

    /// The ATen kernels the lowering may emit.
    public static let kernels: [String] = PortableLowering.kernels.map(\.rawValue)

    /// The ATen kernels the lowering of `op` may emit (nil when the op has no lowering).
    public static func kernels(for op: String) -> [String]? { PortableLowering.rules[op]?.kernels.map(\.rawValue) }

    /// Compiles the main function of `module` (static shapes required) to a program. Each
    /// `edge.delegate_call` becomes a `DelegateCall` of its callee's payload in `delegates`.
    public static func compile(_ module: Module, delegates: [String: BackendDelegate] = [:], options: LoweringOptions = LoweringOptions()) throws -> CompiledProgram {
        guard let main = module.mainFunction else { throw LoweringError(failures: ["module has no function"], backend: name) }
        var lowering = PortableLowering(function: main, blobs: module.blobs)
        lowering.delegates = delegates
        lowering.copyViews = options.copyViews
        let (plan, memory) = try lowering.run()
        return CompiledProgram(program: Program(plans: [plan], constantBuffers: lowering.builder.constants), memory: memory)
    }
}
