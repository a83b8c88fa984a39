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
        minimum and maximum latency are printed, excluding loading the program and the inputs.

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

    func validate() throws {
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        do {
            let loaded = try ProgramFile.load(input)
            let interpreter: Interpreter
            do { interpreter = try Interpreter(loaded.program, method: method) } catch { throw CLIError("\(input): error: \(error.message)") }
            let plan = interpreter.plan
            let names = InputBinding.inputNames(plan)
            let given = try InputBinding.bind(try inputs.map { try InputBinding.read($0, inputNames: names) }, to: plan, fill: fill)
            let outputs = try interpreterStep { () throws(RuntimeError) in try interpreter.run(given) }
            let timing = try `repeat`.map { n in
                ProgramOutputs.timingLine(try interpreterStep { () throws(RuntimeError) in try ProgramOutputs.time(interpreter, given, count: n) })
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
}

/// Runs an interpreter step, turning its error into a message for the user.
func interpreterStep<T>(_ body: () throws(RuntimeError) -> T) throws -> T {
    do { return try body() } catch { throw CLIError("error: \(error.message)") }
}
