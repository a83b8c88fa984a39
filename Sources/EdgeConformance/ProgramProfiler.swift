import EdgeCompiler
import EdgeProfile
import EdgeProgram
import EdgeRuntime
import Foundation

/// Measures a program for `edgec profile` and `edgec report`: per-instruction times in edgec's
/// interpreter, or the times an ExecuTorch runtime recorded in an ETDump.
public enum ProgramProfiler {
    /// The plan of `method`, or an error listing the methods.
    public static func plan(_ loaded: ProfileInput, _ method: String) throws(ConformanceError) -> ExecutionPlan {
        guard let plan = loaded.program.plan(named: method) else {
            throw ConformanceError(path: loaded.path, "program has no method \"\(method)\" (methods: \(loaded.program.plans.map(\.name).joined(separator: ", ")))")
        }
        return plan
    }

    /// Runs `loaded` in the interpreter: `warmup` untimed runs, then `runs` timed ones with the
    /// clock around every instruction. Inputs are bound by ``InputBinding/bind(_:to:fill:ignoreExtra:)``
    /// (as `edgec run` binds them); with neither inputs nor `fill`, every input is filled with 1.0
    /// and the report's notes say so. `progress(done, total, what)` is called after each run.
    public static func measure(_ loaded: ProfileInput, inputs: [String], fill: Double?, runs: Int, warmup: Int, method: String = "forward",
                               progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> ProfileReport {
        let interpreter: Interpreter
        do { interpreter = try Interpreter(loaded.program, method: method) } catch { throw ConformanceError(path: loaded.path, error.message) }
        let plan = interpreter.plan
        var notes = loaded.notes
        var fillValue = fill
        if inputs.isEmpty, fill == nil {
            fillValue = 1.0
            notes.append("inputs: none given; every input filled with 1.0 (give --input or --fill)")
        } else {
            notes.append("inputs: " + (inputs.isEmpty ? "filled with \(fill ?? 0)" : inputs.joined(separator: ", ") + (fill.map { "; others filled with \($0)" } ?? "")))
        }
        let names = InputBinding.inputNames(plan)
        let given = try InputBinding.bind(try inputs.flatMap { try InputBinding.readAll($0, inputNames: names) }, to: plan, fill: fillValue)
        func step(_ body: () throws(RuntimeError) -> Void) throws(ConformanceError) {
            do { try body() } catch { throw ConformanceError(error.message) }
        }
        for i in 0 ..< warmup {
            try step { () throws(RuntimeError) in _ = try interpreter.run(given) }
            progress(i + 1, warmup + runs, "warm-up")
        }
        let fused = interpreter.callNames.indices.filter { interpreter.callNames[$0].hasSuffix("(fused into the call before)") }
        if !fused.isEmpty {
            notes.append("fused by the interpreter (their time is in the call before): instruction \(fused.map(String.init).joined(separator: ", "))")
        }
        let timing = InstructionTiming(instructions: interpreter.instructionCount)
        var perInstruction = [[Double]](repeating: [], count: interpreter.instructionCount)
        var totals: [Double] = []
        for i in 0 ..< runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try step { () throws(RuntimeError) in _ = try interpreter.run(given, timing: timing) }
            totals.append(Double(DispatchTime.now().uptimeNanoseconds - start))
            for (k, t) in timing.nanoseconds.enumerated() { perInstruction[k].append(Double(t)) }
            progress(warmup + i + 1, warmup + runs, "run")
        }
        return ProfileReport(origin: "edgec interpreter", graph: ProgramGraph(plan), instructionTimes: perInstruction, totalTimes: totals,
                             warmupRuns: warmup, arenaBytes: loaded.staticCost.arenaBytes, constantBytes: loaded.staticCost.constantBytes,
                             peakResidentBytes: ResourceUsage.peakResidentBytes(), notes: notes)
    }

    /// The profile in the ETDump at `path`, recorded by ExecuTorch's runtime for `loaded`.
    public static func fromETDump(_ path: String, _ loaded: ProfileInput, method: String = "forward", tickNanoseconds: Double = 1) throws -> ProfileReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConformanceError("cannot read \(path): \(error.localizedDescription)")
        }
        let plan = try plan(loaded, method)
        do {
            let dump = try ETDump.read([UInt8](data))
            return try ProfileReport.fromETDump(dump, graph: ProgramGraph(plan), tickNanoseconds: tickNanoseconds,
                                                arenaBytes: loaded.staticCost.arenaBytes, constantBytes: loaded.staticCost.constantBytes)
        } catch {
            throw ConformanceError(path: path, error.message)
        }
    }
}
