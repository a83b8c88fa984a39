import EdgeIR
import EdgePasses
import EdgeProgram

/// The result of compiling a module for a backend: the program plus what the planner measured.
public struct CompiledProgram: Sendable {
    public var program: Program
    public var memory: MemoryPlan
    /// Number of kernel calls in the chain.
    public var instructionCount: Int { program.plans.first?.instructions.count ?? 0 }
    /// Bytes of constant data (without alignment padding).
    public var constantBytes: Int { program.constantBuffers.reduce(0) { $0 + $1.count } }
}

/// Ops that a backend cannot lower, reported together at compile time by node.
public struct LoweringError: Error, Sendable, CustomStringConvertible {
    /// One line per node: the op, its node name and why.
    public var failures: [String]
    public var backend: String

    public var description: String {
        if failures.count == 1, failures[0].hasPrefix("input ") { return "error: \(failures[0])" }
        let n = failures.count
        return "error: \(n) node\(n == 1 ? " has" : "s have") no lowering for backend \(backend): " + failures.joined(separator: ", ")
    }
}

/// Lowers Edge IR to a `.pte` program whose every instruction is an ATen out-variant kernel
/// that ExecuTorch's portable kernel library registers (see docs/pte.md).
public enum PortableBackend {
    public static let name = "portable"

    /// The Edge IR ops this backend lowers (derived from the lowering table).
    public static var supportedOps: [String] { PortableLowering.rules.keys.sorted() }

    /// The ATen kernels the lowering may emit.
    public static let kernels: [String] = PortableLowering.kernels.map(\.rawValue)

    /// The ATen kernels the lowering of `op` may emit (nil when the op has no lowering).
    public static func kernels(for op: String) -> [String]? { PortableLowering.rules[op]?.kernels.map(\.rawValue) }

    /// Compiles the main function of `module` (static shapes required) to a program.
    public static func compile(_ module: Module) throws -> CompiledProgram {
        guard let main = module.mainFunction else { throw LoweringError(failures: ["module has no function"], backend: name) }
        var lowering = PortableLowering(function: main, blobs: module.blobs)
        let (plan, memory) = try lowering.run()
        return CompiledProgram(program: Program(plans: [plan], constantBuffers: lowering.builder.constants), memory: memory)
    }
}
