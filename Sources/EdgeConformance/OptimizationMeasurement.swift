import EdgeCompiler
import EdgeKernels
import EdgeProgram
import EdgeQuantization
import EdgeRuntime
import Foundation

/// What an optimization level does to one model (`edgec optimization-report`, the table in
/// docs/optimization.md): measured through the compile pipeline's own stages, then run in the
/// interpreter on deterministic inputs.
public struct OptimizationMeasurement {
    public var ops = 0, instructions = 0, constantBytes = 0, arena = 0
    /// Median seconds of one run.
    public var latency = 0.0
    public var outputs: [Tensor] = []

    /// Compiles `path` at `level` (symbolic input dims become 1) and times `runs` runs.
    public static func measure(_ path: String, level: Int, runs: Int) throws -> OptimizationMeasurement {
        var compiler = ProgramCompiler(optimization: try ProgramCompiler.level(level))
        let imported = try compiler.importModel(path: path)
        compiler.inputShapes = ProgramCompiler.unitShapes(for: imported)
        let specialized = try compiler.specialize(imported)
        try compiler.optimize(specialized)
        var m = OptimizationMeasurement()
        m.ops = ProgramCompiler.computeOpCount(specialized)
        let compiled = try compiler.lower(specialized)
        m.instructions = compiled.instructionCount
        m.constantBytes = compiled.constantBytes
        m.arena = compiled.memory.arenaSize
        let loaded = try ProgramReader.read(compiled.bytes)
        let interpreter = try Interpreter(loaded.program)
        let inputs = try deterministicInputs(loaded.program.plans[0])
        m.outputs = try interpreter.run(inputs)
        let times = try ProgramOutputs.time(interpreter, inputs, count: max(runs, 1)).map { $0 / 1e3 }
        m.latency = times.sorted()[times.count / 2]
        return m
    }

    /// Inputs for `plan`: floats a smooth signal, integers (e.g. token ids) small valid indices.
    public static func deterministicInputs(_ plan: ExecutionPlan) throws -> [Tensor] {
        try plan.inputs.enumerated().map { k, v in
            guard let t = plan.values[Int(v)].tensor, let dtype = Interpreter.dtype(t.scalarType) else {
                throw ConformanceError("input \(k) has an unsupported element type")
            }
            let shape = t.sizes.map(Int.init)
            let n = shape.reduce(1, *)
            let values = (0 ..< n).map { dtype.isFloatingPoint ? sin(Double($0) * 0.37 + Double(k)) : Double(($0 + k) % 4) }
            return try Tensor(converting: values, dtype: dtype, shape: shape)
        }
    }

    /// The markdown row comparing `o0` with `o2` for the model called `name`.
    public static func row(_ name: String, _ o0: OptimizationMeasurement, _ o2: OptimizationMeasurement) -> String {
        let diff = zip(o0.outputs, o2.outputs).map { a, b in
            zip(a.doubles(), b.doubles()).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
        func pair(_ a: Int, _ b: Int) -> String { "\(a) → \(b)" }
        return "| \(name) | \(pair(o0.ops, o2.ops)) | \(pair(o0.instructions, o2.instructions)) | \(pair(o0.constantBytes, o2.constantBytes)) | "
            + "\(pair(o0.arena, o2.arena)) | \(String(format: "%.1f → %.1f", o0.latency * 1e6, o2.latency * 1e6)) | \(String(format: "%.1e", diff)) |"
    }

    /// The table's header lines.
    public static let header = """
        | model | IR ops | kernel calls | constant bytes | arena bytes | latency (µs) | max \\|Δ output\\| |
        | --- | --- | --- | --- | --- | --- | --- |
        """
}

/// Reading `.pte` files for the commands that run or show them.
public enum ProgramFile {
    /// Reads and verifies the `.pte` at `path`, naming the file in any error.
    public static func load(_ path: String) throws(ConformanceError) -> LoadedProgram {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConformanceError("cannot read \(path): \(error.localizedDescription)")
        }
        do { return try ProgramReader.read([UInt8](data)) } catch {
            throw ConformanceError(path: path, error.message)
        }
    }

    /// `edgec inspect`: the program at `path` as text or JSON.
    public static func inspect(_ path: String, json: Bool) throws(ConformanceError) -> String {
        let loaded = try load(path)
        let quantization = QuantizationReport.recorded(in: loaded.program)
        if json {
            let text = ProgramSummary.json(loaded)
            // The recorded quantization report joins the summary as one more key.
            guard let quantization, var root = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                  let report = try? JSONSerialization.jsonObject(with: Data(quantization.json.utf8)) else { return text }
            root["quantization_report"] = report
            guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]) else { return text }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        let text = ProgramSummary.text(loaded)
        guard let quantization else { return text }
        // After the "compiled by" line (the record of how the program was made), else at the end.
        let line = "quantization: \(quantization.summary) (per layer: edgec report)\n"
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let i = lines.firstIndex(where: { $0.hasPrefix("compiled by: ") }) {
            lines.insert(String(line.dropLast()), at: i + 1)
            return lines.joined(separator: "\n")
        }
        return text + line
    }
}
