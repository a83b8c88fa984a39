import ArgumentParser
import EdgeBackends
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
          edgec import model.pt2 -o model.eir
          edgec import model.onnx -o model.eir --input-shape input=1x3x224x224
          edgec opt model.eir --passes dce --print-ir-after-all
          edgec opt model.eir --passes dce -o lean.eir
          edgec opt model.eir -O2 --print-ir-after-change
          edgec list-ops
        """,
        version: EdgecVersion.string,
        subcommands: [Import.self, Opt.self, Compile.self, Run.self, Inspect.self, ListOps.self, ListPasses.self, ListBackends.self, ListATen.self, ListOnnxOps.self, OptimizationReport.self, Conformance.self, ConformanceCase.self]
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

        Passes: \(PassCatalog.all.map(\.name).joined(separator: ", ")) (see `edgec list-passes`).
        """
    )

    @Argument(help: ArgumentHelp("The .eir file to read.", valueName: "file.eir"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("Comma-separated pass names, run in order (e.g. dce).", valueName: "a,b,..."))
    var passes: String = ""

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the result here (and its blobs to the matching .eirb) instead of stdout.", valueName: "out.eir"))
    var output: String?

    @Option(name: .customShort("O", allowingJoined: true),
            help: ArgumentHelp("Run an optimization level's pipeline (0, 1 or 2; see `edgec list-passes`) before --passes.", valueName: "level"))
    var level: Int?

    @OptionGroup var instrumentation: InstrumentationOptions

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func validate() throws {
        try instrumentation.validate()
        if let level, OptimizationLevel(rawValue: level) == nil { throw ValidationError("-O\(level): the levels are -O0, -O1 and -O2") }
    }

    func run() throws {
        do {
            let module = try IRFile.read(path: input)
            let pipeline = [level.flatMap(OptimizationLevel.init)?.pipeline() ?? "", passes].filter { !$0.isEmpty }.joined(separator: ",")
            try Optimizer(pipeline: pipeline, instrumentation: instrumentation.settings, log: writeStderr).run(module)
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

/// The pass instrumentation flags `opt` and `compile` share.
struct InstrumentationOptions: ParsableArguments {
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

    func validate() throws {
        let known = Set(PassCatalog.all.map(\.name))
        for name in printBefore + printAfter where !known.contains(name) {
            throw ValidationError("unknown pass '\(name)'; known passes: \(known.sorted().joined(separator: ", "))")
        }
    }

    var settings: PassInstrumentation {
        var s = PassInstrumentation()
        s.printBefore = Set(printBefore)
        s.printAfter = Set(printAfter)
        s.printAfterAll = printAfterAll
        s.printAfterChange = printAfterChange
        s.verifyEach = verifyEach
        s.timePasses = timePasses
        return s
    }
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
        if lowering { return print(PortableBackend.loweringMarkdown(), terminator: "") }
        if xnnpack { return print(XNNPACKSupport.markdown(), terminator: "") }
        print(markdown ? OpDocumentation.markdown() : OpDocumentation.text(), terminator: "")
    }
}

struct ListPasses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-passes",
        abstract: "List the passes `edgec opt --passes` accepts."
    )

    func run() {
        let width = PassCatalog.all.map(\.name.count).max() ?? 0
        for p in PassCatalog.all {
            print(p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.summary)
        }
        print("\nPipelines (edgec compile -O<n>, the portable backend omits fuse-activation; edgec opt -O<n>):")
        for level in OptimizationLevel.allCases {
            let pipeline = level.pipeline()
            print("  \(level)  \(pipeline.isEmpty ? "(no passes: import only)" : pipeline)")
        }
    }
}

struct ListBackends: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-backends",
        abstract: "List the backends `edgec compile --backend` accepts.",
        discussion: "Derived from the backend registry; the first is the default."
    )

    func run() {
        let width = BackendRegistry.names.map(\.count).max() ?? 0
        for b in BackendRegistry.all {
            print(b.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + b.summary)
        }
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
