import ArgumentParser
import EdgeCompiler
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
          edgec import model.pt2 -o model.eir
          edgec import model.onnx -o model.eir --input-shape input=1x3x224x224
          edgec opt model.eir --passes dce --print-ir-after-all
          edgec opt model.eir --passes dce -o lean.eir
          edgec opt model.eir -O2 --print-ir-after-change
          edgec list-ops
        """,
        version: EdgecVersion.string,
        subcommands: [Import.self, Opt.self, Compile.self, Quantize.self, Run.self, Profile.self, Report.self, Inspect.self, ListOps.self, ListPasses.self, ListBackends.self, ListATen.self, ListOnnxOps.self, OptimizationReport.self, Conformance.self, ConformanceCase.self]
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

struct Opt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline of passes over an .eir file.",
        discussion: """
        Reads and verifies the input, runs the passes in order, and prints the result as .eir \
        (to stdout, or to -o with its weights in a .eirb file beside it). IR dumps and timing \
        go to stderr; every dump is valid .eir, so a dump can be saved and replayed:

          edgec import model.pt2 -o model.eir
          edgec import model.onnx -o model.eir --input-shape input=1x3x224x224
          edgec opt model.eir --passes dce --print-ir-after-all 2> dumps.eir

        Passes: \(Listings.passNames.joined(separator: ", ")) (see `edgec list-passes`).
        """
    )

    @Argument(help: ArgumentHelp("The .eir file to read.", valueName: "file.eir"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("Comma-separated pass names, run in order after the -O<n> passes (e.g. dce).", valueName: "a,b,..."))
    var passes: String = ""

    @OptionGroup var output: OutputOptions

    @OptionGroup var optimization: OptimizationOptions

    @OptionGroup var instrumentation: InstrumentationOptions

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func run() throws {
        do {
            var reader = ProgramCompiler()
            reader.needsStaticShapes = false
            let module = try reader.importModel(path: input)
            try Optimizer(level: optimization.level, passes: passes, instrumentation: try instrumentation.settings(), log: writeStderr).run(module)
            try emit(.module(module), to: output.output, locations: !noLocations)
        } catch {
            throw fail(error)
        }
    }
}

/// Writes a stage's output to `path`, or prints IR to stdout when there is no path.
func emit(_ result: StageOutput, to path: String?, locations: Bool = true) throws {
    if let path { return try result.write(to: path) }
    guard let text = result.text(locations: locations) else { throw CLIError("error: a program is binary; give -o out.pte") }
    print(text, terminator: "")
}

struct ListOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-ops",
        abstract: "List the Edge IR operations edgec knows.",
        discussion: "The list is derived from the op declarations; --markdown writes the table in docs/ops.md, --lowering the portable backend's table in docs/lowering.md."
    )

    @Flag(help: "Print the markdown table of docs/ops.md (operands, attributes, defaults).")
    var markdown = false

    @Flag(help: "Print the markdown table of docs/lowering.md (the ATen kernels each op lowers to on the portable backend).")
    var lowering = false

    @Flag(help: "Print the markdown table of docs/arm-cpu.md (the ops the arm-cpu backend hands to XNNPACK, and when).")
    var xnnpack = false

    func run() {
        if lowering { return print(Listings.loweringMarkdown(), terminator: "") }
        if xnnpack { return print(Listings.xnnpackMarkdown(), terminator: "") }
        print(markdown ? OpDocumentation.markdown() : OpDocumentation.text(), terminator: "")
    }
}

struct ListPasses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-passes",
        abstract: "List the passes `edgec opt --passes` accepts."
    )

    func run() {
        print(Listings.passes(), terminator: "")
    }
}

struct ListBackends: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-backends",
        abstract: "List the backends `edgec compile --backend` accepts.",
        discussion: "Derived from the backend registry; the first is the default."
    )

    func run() {
        print(Listings.backends(), terminator: "")
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
        print(Listings.onnxOperators(markdown: markdown), terminator: "")
    }
}
