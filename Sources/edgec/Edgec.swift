import ArgumentParser
import EdgeCompiler
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

@main
struct Edgec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgec",
        abstract: "A model conversion compiler for on-device inference.",
        discussion: """
        edgec reads models into Edge IR (an SSA IR with a textual form, .eir), optimizes them \
        with passes, and lowers them for devices.

        Examples:
          edgec import model.onnx -o model.eir --input-shape input=1x3x224x224
          edgec opt model.eir --passes dce --print-ir-after-all
          edgec opt model.eir --passes dce -o lean.eir
          edgec list-ops
        """,
        version: EdgecVersion.string,
        subcommands: [Import.self, Opt.self, ListOps.self, ListOnnxOps.self, ListPasses.self]
    )
}

/// Prints diagnostics to stderr and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data((String(describing: error) + "\n").utf8))
    return ExitCode(1)
}

func writeStderr(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an ONNX model into Edge IR (.eir + .eirb).",
        discussion: """
        Reads an ONNX model (default-domain opsets \(ONNXImporter.oldestOpset) to \(ONNXImporter.newestOpset); external data \
        files are read from the model's folder and may not leave it), imports every node with the \
        importer for the operator definition the model's opset selects, verifies the IR and \
        writes it to -o with its weights in a .eirb file beside it (or prints it when -o is \
        absent). On any error nothing is written, and every unsupported op type is listed at once.

        Symbolic input dims (dim_param) stay symbolic (`?batch`); --input-shape makes them static, \
        which shape computations (Shape → Gather → Concat → Reshape) may need:

          edgec import resnet50.onnx -o resnet50.eir --input-shape input=1x3x224x224

        Supported operators: `edgec list-onnx-ops` (docs/onnx.md).
        """
    )

    @Argument(help: ArgumentHelp("The .onnx model to read.", valueName: "model.onnx"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the IR here and its weights to the matching .eirb (default: print to stdout).", valueName: "out.eir"))
    var output: String?

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("Fix a graph input's shape, e.g. input=1x3x224x224 (repeatable).", valueName: "name=dims"))
    var inputShapes: [String] = []

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func run() throws {
        do {
            var options = ONNXImportOptions()
            for spec in inputShapes {
                let (name, dims) = try ONNXImportOptions.parseInputShape(spec)
                guard options.inputShapes.updateValue(dims, forKey: name) == nil else {
                    throw DiagnosticError(Diagnostic(.error, "--input-shape gives \"\(name)\" twice"))
                }
            }
            let module = try ONNXImporter.importModel(path: input, options: options)
            if let output {
                try IRFile.write(module, to: output)
            } else {
                print(IRPrinter(printLocations: !noLocations).print(module), terminator: "")
            }
        } catch {
            throw fail(error)
        }
    }
}

struct Opt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline of passes over an .eir file.",
        discussion: """
        Reads and verifies the input, runs the passes in order, and prints the result as .eir \
        (to stdout, or to -o with its weights in a .eirb file beside it). IR dumps and timing \
        go to stderr; every dump is valid .eir, so a dump can be saved and replayed:

          edgec import model.onnx -o model.eir --input-shape input=1x3x224x224
          edgec opt model.eir --passes dce --print-ir-after-all 2> dumps.eir

        Passes: \(PassRegistry.all.map(\.name).joined(separator: ", ")) (see `edgec list-passes`).
        """
    )

    @Argument(help: ArgumentHelp("The .eir file to read.", valueName: "file.eir"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("Comma-separated pass names, run in order (e.g. dce).", valueName: "a,b,..."))
    var passes: String = ""

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the result here (and its blobs to the matching .eirb) instead of stdout.", valueName: "out.eir"))
    var output: String?

    @Option(name: .customLong("print-ir-before"), help: ArgumentHelp("Print the IR before this pass (repeatable).", valueName: "pass"))
    var printBefore: [String] = []

    @Option(name: .customLong("print-ir-after"), help: ArgumentHelp("Print the IR after this pass (repeatable).", valueName: "pass"))
    var printAfter: [String] = []

    @Flag(name: .customLong("print-ir-after-all"), help: "Print the IR after every pass.")
    var printAfterAll = false

    @Flag(name: .customLong("print-ir-after-change"), help: "Print the IR after each pass that changed it.")
    var printAfterChange = false

    @Flag(name: .customLong("verify-each"), help: "Verify the IR after every pass; stop at the first pass that breaks it.")
    var verifyEach = false

    @Flag(name: .customLong("time-passes"), help: "Print each pass's time and share of the total to stderr.")
    var timePasses = false

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func validate() throws {
        let known = Set(PassRegistry.all.map(\.name))
        for name in printBefore + printAfter where !known.contains(name) {
            throw ValidationError("unknown pass '\(name)'; known passes: \(known.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        var instrumentation = PassInstrumentation()
        instrumentation.printBefore = Set(printBefore)
        instrumentation.printAfter = Set(printAfter)
        instrumentation.printAfterAll = printAfterAll
        instrumentation.printAfterChange = printAfterChange
        instrumentation.verifyEach = verifyEach
        instrumentation.timePasses = timePasses
        do {
            let module = try IRFile.read(path: input)
            try Optimizer(pipeline: passes, instrumentation: instrumentation, log: writeStderr).run(module)
            if let output {
                try IRFile.write(module, to: output)
            } else {
                print(IRPrinter(printLocations: !noLocations).print(module), terminator: "")
            }
        } catch {
            throw fail(error)
        }
    }
}

struct ListOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-ops",
        abstract: "List the Edge IR operations edgec knows.",
        discussion: "The list is derived from the op declarations; --markdown writes the table in docs/ops.md."
    )

    @Flag(help: "Print the markdown table of docs/ops.md (operands, attributes, defaults).")
    var markdown = false

    func run() {
        print(markdown ? OpDocumentation.markdown() : OpDocumentation.text(), terminator: "")
    }
}

struct ListOnnxOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-onnx-ops",
        abstract: "List the ONNX operators `edgec import` supports, with the definitions each covers.",
        discussion: "Derived from the importer table; --markdown writes docs/onnx.md."
    )

    @Flag(help: "Print the markdown of docs/onnx.md.")
    var markdown = false

    func run() {
        print(markdown ? ONNXImporter.supportedOperatorsMarkdown() : ONNXImporter.supportedOperatorsText(), terminator: "")
    }
}

struct ListPasses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-passes",
        abstract: "List the passes `edgec opt --passes` accepts."
    )

    func run() {
        let width = PassRegistry.all.map(\.name.count).max() ?? 0
        for p in PassRegistry.all {
            print(p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.summary)
        }
    }
}
