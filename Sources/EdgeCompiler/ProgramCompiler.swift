import Foundation
import EdgeBackends
import EdgeIR
import EdgePasses
import EdgeProgram

/// The `compile` stage as a library call: IR → DCE → static shapes → backend lowering → `.pte` bytes.
public struct ProgramCompiler {
    /// Backends `--backend` accepts.
    public static let backends = [PortableBackend.name]

    public var backend: String
    /// Concrete shapes for inputs with symbolic dims, by input name.
    public var inputShapes: [String: [Int]]

    public init(backend: String = PortableBackend.name, inputShapes: [String: [Int]] = [:]) {
        self.backend = backend
        self.inputShapes = inputShapes
    }

    /// Compiles `module` (it is changed in place by DCE).
    public func compile(_ module: Module) throws -> CompiledProgram {
        guard backend == PortableBackend.name else {
            throw DiagnosticError(Diagnostic(.error, "unknown backend '\(backend)'; known backends: \(Self.backends.joined(separator: ", "))"))
        }
        try Optimizer(pipeline: "dce", log: { _ in }).run(module)
        let specialized = try ShapeSpecialization.specialize(module, shapes: inputShapes)
        return try PortableBackend.compile(specialized)
    }
}

extension CompiledProgram {
    /// The `--stats` report.
    public var statsText: String {
        let plan = program.plans[0]
        var counts: [String: Int] = [:]
        for case let .kernelCall(op, _) in plan.instructions { counts[plan.operators[Int(op)].qualifiedName, default: 0] += 1 }
        var lines = [
            "instructions:    \(instructionCount)",
            "constant bytes:  \(constantBytes)",
            "arena bytes:     \(memory.arenaSize) (\(memory.strategy))",
            "lower bound:     \(memory.lowerBound)",
            "arena / bound:   " + String(format: "%.3f", memory.ratio),
            "kernels:",
        ]
        for (name, n) in counts.sorted(by: { $0.key < $1.key }) { lines.append("  \(n)x \(name)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
