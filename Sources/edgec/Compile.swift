import ArgumentParser
import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgePasses
import EdgeProgram
import Foundation

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a model (.onnx, .pt2 or .eir) to an ExecuTorch .pte program.",
        discussion: """
        Imports the model (ONNX and torch.export archives by extension, like `edgec import`; \
        symbolic dims of a .pt2 are fixed to their upper bound unless --input-shape gives them), \
        gives symbolic input dims the shapes from --input-shape, runs the -O<n> pipeline (default -O2; \
        see `edgec list-passes`; --print-ir-after-all and --time-passes show it at work), lowers every op \
        to ATen out-variant kernels of ExecuTorch's portable library, plans one memory arena, and \
        writes the program (written atomically: on any error no file is left). Ops the backend \
        cannot lower are all reported at once, by node.

          edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte --stats
          edgec compile model.onnx -o model.pte --input-shape input=1,3,224,224
          edgec compile model.pt2 -o model.pte
          edgec compile Grammar/examples/tiny_cnn.eir -o tiny_cnn.pte --stats
          edgec compile Grammar/examples/transformer_block.eir -o block.pte --input-shape tokens=1,16,32
        """
    )

    @Argument(help: ArgumentHelp("The model to compile: .onnx, .pt2 (torch.export.save) or .eir.", valueName: "model"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The .pte file to write.", valueName: "out.pte"))
    var output: String

    @Option(help: ArgumentHelp("The backend to lower for (\(BackendRegistry.names.joined(separator: ", ")); see `edgec list-backends`).", valueName: "name"))
    var backend: String = BackendRegistry.defaultBackend.name

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("A concrete shape for an input with symbolic dims (repeatable).", valueName: "name=d0,d1,..."))
    var inputShapes: [String] = []

    @Option(name: .customShort("O", allowingJoined: true),
            help: ArgumentHelp("Optimization level: 0 (import only), 1 (clean-ups) or 2 (all passes; default).", valueName: "level"))
    var level: Int = 2

    @Flag(help: "Print op count, constant bytes, arena bytes, its lower bound and their ratio.")
    var stats = false

    @Flag(name: .customLong("strict-delegation"), help: "Fail when any op stays outside the backend's delegate partitions (arm-cpu: XNNPACK).")
    var strictDelegation = false

    @OptionGroup var instrumentation: InstrumentationOptions

    func validate() throws {
        try instrumentation.validate()
        if BackendRegistry.lookup(backend) == nil { throw ValidationError(UnknownBackendError(name: backend).message) }
        if OptimizationLevel(rawValue: level) == nil { throw ValidationError("-O\(level): the levels are -O0, -O1 and -O2") }
    }

    func run() throws {
        do {
            var shapes: [String: [Int]] = [:]
            for text in inputShapes {
                let (name, dims) = try InputShape.parse(text)
                shapes[name] = dims
            }
            let module: Module
            if let format = ModelFormat(path: input) {
                var options = ImportOptions()
                options.inputShapes = shapes
                options.fixDynamicToUpperBound = format == .pt2
                module = try ModelImporter.importModel(path: input, options: options)
                shapes = [:]  // applied at import
            } else {
                module = try IRFile.read(path: input)
            }
            var compiler = ProgramCompiler(backend: backend, inputShapes: shapes, optimization: OptimizationLevel(rawValue: level)!,
                                           instrumentation: instrumentation.settings, log: writeStderr)
            compiler.strictDelegation = strictDelegation
            let compiled = try compiler.compile(module)
            try AtomicFile.write(Data(ProgramWriter.serialize(compiled.program)), to: output)
            if stats { print(compiled.statsText, terminator: "") }
        } catch {
            throw fail(error)
        }
    }
}
