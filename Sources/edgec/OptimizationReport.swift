import ArgumentParser
import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgePasses
import EdgeProgram
import EdgeRuntime
import Foundation

/// `edgec optimization-report`: what the optimization levels do to models, as the markdown
/// table in docs/optimization.md (regenerate with `Benchmarks/optimization-report.sh`).
struct OptimizationReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimization-report",
        abstract: "Compare -O0 with -O2 on models: IR ops, kernel calls, constant bytes, arena bytes, interpreter latency.",
        discussion: """
        Each model is compiled for the portable backend at -O0 and -O2 (symbolic input dims become 1), \
        both programs run in edgec's interpreter on the same deterministic inputs (their largest \
        output difference is reported), and the median of --runs timed runs is the latency. Prints \
        a markdown table.

          edgec optimization-report Grammar/examples/*.eir
        """
    )

    @Argument(help: ArgumentHelp("The .eir models.", valueName: "model.eir"))
    var models: [String]

    @Option(help: "Timed interpreter runs per program (the median is reported).")
    var runs: Int = 20

    struct Measurement {
        var ops = 0, instructions = 0, constantBytes = 0, arena = 0
        var latency = 0.0
        var outputs: [Tensor] = []
    }

    func run() throws {
        var rows: [String] = []
        for path in models {
            do {
                let o0 = try measure(path, .o0), o2 = try measure(path, .o2)
                let diff = zip(o0.outputs, o2.outputs).map { a, b in
                    zip(a.doubles(), b.doubles()).map { abs($0 - $1) }.max() ?? 0
                }.max() ?? 0
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                func pair(_ a: Int, _ b: Int) -> String { "\(a) → \(b)" }
                rows.append("| \(name) | \(pair(o0.ops, o2.ops)) | \(pair(o0.instructions, o2.instructions)) | \(pair(o0.constantBytes, o2.constantBytes)) | "
                    + "\(pair(o0.arena, o2.arena)) | \(String(format: "%.1f → %.1f", o0.latency * 1e6, o2.latency * 1e6)) | \(String(format: "%.1e", diff)) |")
            } catch {
                throw fail(error)
            }
        }
        print("| model | IR ops | kernel calls | constant bytes | arena bytes | latency (µs) | max \\|Δ output\\| |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for r in rows { print(r) }
    }

    func measure(_ path: String, _ level: OptimizationLevel) throws -> Measurement {
        let module = try IRFile.read(path: path)
        guard let main = module.mainFunction else { throw CLIError("\(path): no function") }
        var shapes: [String: [Int]] = [:]
        for (i, a) in main.arguments.enumerated() where a.type.staticShape == nil {
            shapes[main.inputName(i) ?? a.nameHint ?? "#\(i)"] = a.type.shape.map { $0.value ?? 1 }
        }
        // The IR as lowered: shape-specialized and optimized at `level`.
        let specialized = try ShapeSpecialization.specialize(module, shapes: shapes)
        let compiler = ProgramCompiler(inputShapes: shapes, optimization: level)
        try compiler.optimize(specialized, target: PortableBackend().target)
        var m = Measurement()
        m.ops = specialized.mainFunction!.body.operations.filter { !$0.definition.traits.contains(.constantLike) && !$0.definition.traits.contains(.terminator) }.count
        let compiled = try PortableBackend.compile(specialized)
        m.instructions = compiled.instructionCount
        m.constantBytes = compiled.constantBytes
        m.arena = compiled.memory.arenaSize
        let loaded = try ProgramReader.read(ProgramWriter.serialize(compiled.program))
        let interpreter = try Interpreter(loaded.program)
        let plan = loaded.program.plans[0]
        let inputs: [Tensor] = try plan.inputs.enumerated().map { k, v in
            let t = plan.values[Int(v)].tensor!
            let shape = t.sizes.map(Int.init)
            let n = shape.reduce(1, *)
            guard let dtype = Interpreter.dtype(t.scalarType) else { throw ValidationError("input \(k) has an unsupported element type") }
            // Floats: a smooth deterministic signal; integers (e.g. token ids): small valid indices.
            let values = (0 ..< n).map { dtype.isFloatingPoint ? sin(Double($0) * 0.37 + Double(k)) : Double(($0 + k) % 4) }
            return try Tensor(converting: values, dtype: dtype, shape: shape)
        }
        m.outputs = try interpreter.run(inputs)
        var times: [Double] = []
        for _ in 0 ..< max(runs, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try interpreter.run(inputs)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        m.latency = times.sorted()[times.count / 2]
        return m
    }
}
