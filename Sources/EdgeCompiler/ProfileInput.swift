import EdgeBackends
import EdgeIR
import EdgePasses
import EdgeProfile
import EdgeProgram
import EdgeQuantization
import Foundation

/// A program to profile or report on, from a `.pte` file or compiled here from a model
/// (`.onnx`, `.pt2`, `.eir`) with the compiler's settings: what `edgec profile` and `edgec
/// report` start from.
public struct ProfileInput {
    public var path: String
    public var program: Program
    /// The `.pte` bytes (the file's, or those the compiler made).
    public var programBytes: [UInt8]
    /// The static cost: from the Edge IR for a model, from the program for a `.pte`.
    public var staticCost: StaticCost
    /// For a model: op counts at -O0 and at the compiler's level.
    public var levels: [LevelCounts]
    /// How the input was made (`compiled from model.onnx at -O2 for portable`), for reports.
    public var notes: [String]
    /// The quantizer's report the program recorded (`edgec compile --quantize int8`), if any.
    public var quantization: QuantizationReport? { QuantizationReport.recorded(in: program) }

    /// IR ops and kernel calls at one optimization level.
    public struct LevelCounts: Sendable, Hashable {
        public var level: String
        public var irOps: Int
        public var instructions: Int
        /// Calls per kernel or delegate, by name.
        public var units: [String: Int]
    }

    /// Reads a `.pte` (verified), or imports, optimizes and lowers a model. With `compareLevels`
    /// a model is also compiled at -O0, for the op-count comparison. Symbolic input dims that
    /// `compiler.inputShapes` leaves open become 1 (stated in ``notes``).
    public static func load(path: String, compiler: ProgramCompiler, compareLevels: Bool = false) throws -> ProfileInput {
        if path.lowercased().hasSuffix(".pte") {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw CompilerOptionError("cannot read \(path): \(error.localizedDescription)")
            }
            let bytes = [UInt8](data)
            let loaded: LoadedProgram
            do { loaded = try ProgramReader.read(bytes) } catch { throw CompilerOptionError("\(path): \(error.message)") }
            guard let cost = StaticCost.of(program: loaded.program, programBytes: bytes.count) else {
                throw CompilerOptionError("\(path): the program has no method \"forward\"")
            }
            return ProfileInput(path: path, program: loaded.program, programBytes: bytes, staticCost: cost, levels: [], notes: [])
        }
        var compiler = compiler
        let imported = try compiler.importModel(path: path)
        var notes: [String] = []
        let unit = ProgramCompiler.unitShapes(for: imported)
        if !unit.isEmpty {
            compiler.inputShapes.merge(unit) { given, _ in given }
            notes.append("symbolic input dims set to 1: " + unit.keys.sorted().joined(separator: ", "))
        }
        let module = try compiler.specialize(imported)
        try compiler.optimize(module)
        let compiled = try compiler.lower(module)
        notes.insert("compiled from \(URL(fileURLWithPath: path).lastPathComponent) at \(compiler.optimization) for \(compiler.backend)", at: 0)
        var levels: [LevelCounts] = []
        if compareLevels {
            var o0 = compiler
            o0.optimization = .o0
            let m0 = try o0.specialize(try o0.importModel(path: path))
            try o0.optimize(m0)
            let c0 = try o0.lower(m0)
            levels.append(counts("\(OptimizationLevel.o0)", m0, c0))
            levels.append(counts("\(compiler.optimization)", module, compiled))
        }
        return ProfileInput(path: path, program: compiled.program, programBytes: compiled.bytes,
                            staticCost: StaticCostAnalysis.cost(of: module, compiled: compiled), levels: levels, notes: notes)
    }

    static func counts(_ level: String, _ module: Module, _ compiled: CompiledProgram) -> LevelCounts {
        var units: [String: Int] = [:]
        if let plan = compiled.program.plans.first {
            for s in ProgramGraph(plan).steps { units[s.unit.name, default: 0] += 1 }
        }
        return LevelCounts(level: level, irOps: ProgramCompiler.computeOpCount(module), instructions: compiled.instructionCount, units: units)
    }
}
