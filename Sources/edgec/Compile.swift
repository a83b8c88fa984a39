import ArgumentParser
import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeProgram
import Foundation

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a model (.onnx, .pt2 or .eir) to an ExecuTorch .pte program.",
        discussion: """
        Imports .onnx and .pt2 models as `edgec import` does (--input-shape then applies at \
        import), removes dead code, gives symbolic input dims the shapes from --input-shape, lowers every op \
        to ATen out-variant kernels of ExecuTorch's portable library, plans one memory arena, and \
        writes the program (written atomically: on any error no file is left). Ops the backend \
        cannot lower are all reported at once, by node.

          edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte --stats
          edgec compile Grammar/examples/tiny_cnn.eir -o tiny_cnn.pte --stats
          edgec compile Grammar/examples/transformer_block.eir -o block.pte --input-shape tokens=1,16,32
        """
    )

    @Argument(help: ArgumentHelp("The model to compile: .onnx, .pt2 (torch.export) or .eir.", valueName: "model"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The .pte file to write.", valueName: "out.pte"))
    var output: String

    @Option(help: ArgumentHelp("The backend to lower for (\(ProgramCompiler.backends.joined(separator: ", "))).", valueName: "name"))
    var backend: String = PortableBackend.name

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("A concrete shape for an input with symbolic dims (repeatable).", valueName: "name=d0,d1,..."))
    var inputShapes: [String] = []

    @Flag(help: "Print op count, constant bytes, arena bytes, its lower bound and their ratio.")
    var stats = false

    func run() throws {
        do {
            var shapes: [String: [Int]] = [:]
            for text in inputShapes {
                let (name, dims) = try ProgramCompiler.parseInputShape(text)
                shapes[name] = dims
            }
            let module: Module
            if ModelFormat(path: input) != nil {
                // Imported models get their static shapes at import, as with `edgec import --input-shape`.
                var options = ImportOptions()
                options.inputShapes = shapes
                module = try ModelImporter.importModel(path: input, options: options)
                shapes = [:]
            } else {
                module = try IRFile.read(path: input)
            }
            let compiled = try ProgramCompiler(backend: backend, inputShapes: shapes).compile(module)
            try AtomicFile.write(Data(ProgramWriter.serialize(compiled.program)), to: output)
            if stats { print(compiled.statsText, terminator: "") }
        } catch {
            throw fail(error)
        }
    }
}
