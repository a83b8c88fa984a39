import Foundation
import EdgeBackends
import EdgeIR
import EdgePasses
import EdgeProgram

/// The `compile` stage as a library call: IR → static shapes → optimization pipeline
/// (`-O0/-O1/-O2`) → backend lowering → `.pte` bytes.
public struct ProgramCompiler {
    public var backend: String
    /// Concrete shapes for inputs with symbolic dims, by input name.
    public var inputShapes: [String: [Int]]
    /// Which passes run before lowering (default -O2).
    public var optimization: OptimizationLevel
    /// IR dumps, verification and timing around the passes.
    public var instrumentation: PassInstrumentation
    /// Receives IR dumps and timing tables.
    public var log: (String) -> Void
    /// Fail when any op stays outside the backend's delegate partitions.
    public var strictDelegation = false

    public init(backend: String = BackendRegistry.defaultBackend.name, inputShapes: [String: [Int]] = [:], optimization: OptimizationLevel = .o2,
                instrumentation: PassInstrumentation = PassInstrumentation(), log: @escaping (String) -> Void = { _ in }) {
        self.backend = backend
        self.inputShapes = inputShapes
        self.optimization = optimization
        self.instrumentation = instrumentation
        self.log = log
    }

    /// Compiles `module` (unchanged; the pipeline runs on a shape-specialized copy sharing its blobs).
    public func compile(_ module: Module) throws -> CompiledProgram {
        let backend = try BackendRegistry.named(backend)
        let specialized = try ShapeSpecialization.specialize(module, shapes: inputShapes)
        try optimize(specialized, target: backend.target)
        let compiled = try backend.lower(specialized)
        if strictDelegation {
            guard let report = compiled.delegation else {
                throw DiagnosticError(Diagnostic(.error, "--strict-delegation: backend \(backend.name) has no delegate"))
            }
            if !report.leftOut.isEmpty {
                let n = report.leftOut.count
                throw DiagnosticError(Diagnostic(.error, "--strict-delegation: \(n) op\(n == 1 ? " stays" : "s stay") outside the \(report.backend) partitions: "
                    + report.leftOut.map { "\($0.op) (\($0.reason))" }.joined(separator: ", ")))
            }
        }
        return compiled
    }

    /// Runs this compiler's optimization level over `module` in place, for `target`.
    @discardableResult
    public func optimize(_ module: Module, target: PassTarget) throws -> PassRunReport {
        var optimizer = Optimizer(pipeline: optimization.pipeline(for: target), instrumentation: instrumentation, log: log)
        optimizer.target = target
        return try optimizer.run(module)
    }
}

extension CompiledProgram {
    /// The `--stats` report.
    public var statsText: String {
        let plan = program.plans[0]
        var counts: [String: Int] = [:]
        for instruction in plan.instructions {
            switch instruction {
            case .kernelCall(let op, _): counts[plan.operators[Int(op)].qualifiedName, default: 0] += 1
            case .delegateCall(let d, _): counts["DelegateCall " + plan.delegates[Int(d)].id, default: 0] += 1
            }
        }
        var lines = [
            "instructions:    \(instructionCount)",
            "constant bytes:  \(constantBytes)",
            "arena bytes:     \(memory.arenaSize) (\(memory.strategy))",
            "lower bound:     \(memory.lowerBound)",
            "arena / bound:   " + String(format: "%.3f", memory.ratio),
            "kernels:",
        ]
        for (name, n) in counts.sorted(by: { $0.key < $1.key }) { lines.append("  \(n)x \(name)") }
        if let delegation { lines.append(delegation.text.dropLast().description) }
        return lines.joined(separator: "\n") + "\n"
    }
}
