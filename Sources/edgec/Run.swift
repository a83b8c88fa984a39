import ArgumentParser
import EdgeConformance
import EdgeRuntime
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .pte program with edgec's bundled interpreter.",
        discussion: """
        Inputs are NumPy .npy files or ONNX TensorProto .pb files (as in the ONNX backend \
        tests' test_data_set_*/input_0.pb), given by input name (name=file) or in order. A .pb \
        whose tensor name is one of the program's input names goes to that input; inputs given \
        without a name fill the others in order (the conformance runner binds data sets by the \
        same rule), and --fill gives a value to any input still missing. With -o, each \
        output is written to <dir>/<output name>.npy (characters unsafe in file names become _); \
        otherwise a summary of each output is printed.

        --repeat N times the method: after the first run (the one whose outputs are shown, which \
        also serves as warm-up), the method runs N more times on the same inputs and the median, \
        minimum and maximum latency are printed, excluding loading the program and the inputs; \
        --profile adds the time per kernel over those runs, slowest first.

        Kernels split their work over --threads threads (default: the number of cores), only \
        along independent outputs, so outputs are bit-identical for any thread count. They use \
        the best instruction-set variant the CPU supports (x86-64: baseline, avx2, avx512); the \
        environment variable EDGEC_ISA forces one (results may differ in the last bits between \
        variants).

          edgec run tiny_cnn.pte --input input.1=x.npy -o out/
          edgec run model.pte --input test_data_set_0/input_0.pb
          edgec run model.pte --fill 0.5 --repeat 20
        """
    )

    @Argument(help: ArgumentHelp("The .pte program to run.", valueName: "model.pte"))
    var input: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor (repeatable), in order or by name: a .npy or an ONNX TensorProto .pb file.", valueName: "[name=]file"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Write each output as <dir>/<name>.npy.", valueName: "dir"))
    var output: String?

    @Option(name: .customLong("fill"), help: ArgumentHelp("Fill inputs not given with --input with this value (for a quick run without data files).", valueName: "value"))
    var fill: Double?

    @Option(help: ArgumentHelp("The method to run.", valueName: "name"))
    var method: String = "forward"

    @Option(help: ArgumentHelp("After the first run, run the method N more times and print the median latency (load excluded).", valueName: "N"))
    var `repeat`: Int?

    @Option(help: ArgumentHelp("Threads inside kernels (default: the number of cores); outputs are identical for any N.", valueName: "N"))
    var threads: Int?

    @Flag(help: "With --repeat: print the time per kernel, slowest first.")
    var profile = false

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if profile, `repeat` == nil { throw ValidationError("--profile needs --repeat N") }
    }

    func run() throws {
        if let problem = KernelSettings.environmentProblem { throw CLIError("error: \(problem)") }
        KernelSettings.threads = threads ?? KernelSettings.cores
        do {
            let loaded = try ProgramFile.load(input)
            let interpreter: Interpreter
            let limit = try memory.limit
            do { interpreter = try Interpreter(loaded.program, method: method, maxMemory: limit) } catch { throw CLIError("\(input): error: \(error.message)") }
            let plan = interpreter.plan
            let names = InputBinding.inputNames(plan)
            let given = try InputBinding.bind(try inputs.flatMap { try InputBinding.readAll($0, inputNames: names) }, to: plan, fill: fill)
            let outputs = try interpreterStep { () throws(RuntimeError) in try interpreter.run(given) }
            var timing = try `repeat`.map { n in
                ProgramOutputs.timingLine(try interpreterStep { () throws(RuntimeError) in try ProgramOutputs.time(interpreter, given, count: n) })
            }
            if profile, let n = `repeat` {
                // Per-kernel time over n more runs, through the interpreter's per-instruction timing.
                let t = InstructionTiming(instructions: interpreter.instructionCount)
                var seconds = [Double](repeating: 0, count: interpreter.instructionCount)
                for _ in 0 ..< n {
                    _ = try interpreterStep { () throws(RuntimeError) in try interpreter.run(given, timing: t) }
                    for k in seconds.indices { seconds[k] += Double(t.nanoseconds[k]) * 1e-9 }
                }
                timing = (timing ?? "") + "\n" + Self.profileTable(names: interpreter.callNames, seconds: seconds, runs: n)
            }
            let outNames = plan.ioNames?.outputs ?? outputs.indices.map { "output_\($0)" }
            if let output {
                try ProgramOutputs.write(outputs, names: outNames, to: output)
            } else {
                for (name, tensor) in zip(outNames, outputs) { print(ProgramOutputs.summary(name, tensor)) }
            }
            if let timing { print(timing) }
        } catch {
            throw fail(error)
        }
    }

    /// Milliseconds per run by kernel name, slowest first, with the call count and share of the total.
    static func profileTable(names: [String], seconds: [Double], runs: Int) -> String {
        var total: [String: (ms: Double, calls: Int)] = [:]
        for (name, s) in zip(names, seconds) {
            let e = total[name] ?? (0, 0)
            total[name] = (e.ms + s * 1e3 / Double(runs), e.calls + 1)
        }
        let sum = total.values.reduce(0) { $0 + $1.ms }
        let lines = total.sorted { $0.value.ms != $1.value.ms ? $0.value.ms > $1.value.ms : $0.key < $1.key }.map {
            "  " + $0.key.padding(toLength: max(40, $0.key.count), withPad: " ", startingAt: 0)
                + String(format: " %4d calls %9.3f ms %5.1f%%", $0.value.calls, $0.value.ms, sum > 0 ? 100 * $0.value.ms / sum : 0)
        }
        return (["profile: mean ms per run by kernel (\(KernelSettings.isa) kernels, \(KernelSettings.threads) threads)"] + lines).joined(separator: "\n")
    }

}

/// Runs an interpreter step, turning its error into a message for the user.
func interpreterStep<T>(_ body: () throws(RuntimeError) -> T) throws -> T {
    do { return try body() } catch { throw CLIError("error: \(error.message)") }
}
