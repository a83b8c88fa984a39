import EdgeIR
import EdgePasses
import EdgeProgram

/// A code generator edgec lowers Edge IR for. A backend declares what it executes once
/// (``target``: the ops it lowers and whether it runs activations fused); the optimizer asks the
/// same declaration which ops passes may create, so a pipeline never makes an op the backend
/// then cannot lower.
///
/// Every backend is listed in ``BackendRegistry/all``; `edgec compile --backend` accepts its
/// ``name`` and `edgec list-backends` prints its ``summary``.
public protocol Backend: Sendable {
    /// The name `--backend` accepts (kebab-case, unique in the registry).
    var name: String { get }
    /// One line that says what the backend produces.
    var summary: String { get }
    /// What the backend lowers and runs fused; the optimization pipeline prepares for it.
    var target: PassTarget { get }
    /// Lowers the main function of `module` (static shapes; optimized for ``target``) to a
    /// program. Ops it cannot lower are reported together, by node, in a ``LoweringError``.
    func lower(_ module: Module, options: LoweringOptions) throws -> CompiledProgram
    /// The backend's own passes over the optimized `module`, run by the lower stage before
    /// ``lower(_:)`` under the compiler's instrumentation (`--print-ir-after-all`,
    /// `--time-passes`, `--verify-each` show them as they show the `-O<n>` passes). arm-cpu:
    /// `partition-xnnpack`, unless the module is partitioned already.
    func passes(for module: Module) -> [Pass]
}

extension Backend {
    /// No passes of its own (the portable backend).
    public func passes(for module: Module) -> [Pass] { [] }

    /// ``lower(_:options:)`` with the default options (a static program).
    public func lower(_ module: Module) throws -> CompiledProgram { try lower(module, options: LoweringOptions()) }
}

/// How a backend lowers, beyond the module itself.
public struct LoweringOptions: Sendable, Hashable {
    /// Every reshaping view of a planned tensor becomes a `view_copy.out` kernel. A bounded
    /// program (``BoundedLowering``) needs it: ExecuTorch resizes a kernel's out to the actual
    /// sizes, but a view is a memory-planned alias whose sizes stay those of the upper bound.
    public var copyViews = false

    public init(copyViews: Bool = false) { self.copyViews = copyViews }
}

/// The result of compiling a module for a backend: the program plus what the planner measured.
public struct CompiledProgram: Sendable {
    public var program: Program
    public var memory: MemoryPlan
    /// What a backend with a delegate handed to it (nil for backends without one).
    public var delegation: DelegationReport?
    /// Number of instructions in the chain.
    public var instructionCount: Int { program.plans.first?.instructions.count ?? 0 }
    /// Bytes of constant data (without alignment padding), delegate weights included
    /// (``Program/constantByteCount``).
    public var constantBytes: Int { program.constantByteCount }

    public init(program: Program, memory: MemoryPlan) {
        self.program = program
        self.memory = memory
    }
}

/// Ops that a backend cannot lower, reported together at compile time by node.
public struct LoweringError: Error, Sendable, CustomStringConvertible {
    /// One line per node: the op, its node name and why.
    public var failures: [String]
    public var backend: String

    public init(failures: [String], backend: String) {
        self.failures = failures
        self.backend = backend
    }

    public var description: String {
        if failures.count == 1, failures[0].hasPrefix("input ") { return "error: \(failures[0])" }
        let n = failures.count
        return "error: \(n) node\(n == 1 ? " has" : "s have") no lowering for backend \(backend): " + failures.joined(separator: ", ")
    }
}

/// A `--backend` name that is not registered.
public struct UnknownBackendError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    /// The message without the `error: ` prefix.
    public var message: String {
        "unknown backend '\(name)'; available backends: \(BackendRegistry.names.joined(separator: ", ")) (see `edgec list-backends`)"
    }
    public var description: String { "error: " + message }
}

/// Every backend edgec has, in one list (the first is the default). `--backend`, `edgec
/// list-backends` and the docs derive from it; a test checks the names are unique.
public enum BackendRegistry {
    public static let all: [any Backend] = [
        PortableBackend(),
        ArmCPUBackend(),
    ]

    /// The backend `edgec compile` uses without `--backend`.
    public static var defaultBackend: any Backend { all[0] }

    /// The registered names, in registry order.
    public static var names: [String] { all.map(\.name) }

    /// The backend called `name`, or nil.
    public static func lookup(_ name: String) -> (any Backend)? { all.first { $0.name == name } }

    /// The backend called `name`; an unknown name is an error that lists the registered ones.
    public static func named(_ name: String) throws(UnknownBackendError) -> any Backend {
        guard let backend = lookup(name) else { throw UnknownBackendError(name: name) }
        return backend
    }
}
