import ArgumentParser
import EdgeCompiler
import EdgeIR
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read a model (.pt2 from torch.export.save) into Edge IR.",
        discussion: """
        Writes the IR to -o (with its weights in a .eirb file beside it), or prints it. Nothing \
        is written when the import fails; every unsupported operator is listed at once, by node.

        Dynamic dims stay symbolic (?s0) and their ranges are recorded as module attributes \
        (torch.range.s0 = [min, max]). --input-shape fixes the dims of one input; --static \
        fixes every remaining dynamic dim to its upper bound.

          edgec import model.pt2 -o model.eir
          edgec import encoder.pt2 --input-shape ids=1,16 -o encoder.eir
        """
    )

    @Argument(help: ArgumentHelp("The model to read (.pt2).", valueName: "model"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the IR here (and its weights to the matching .eirb) instead of stdout.", valueName: "out.eir"))
    var output: String?

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("A static shape for one input (repeatable).", valueName: "name=1,3,224,224"))
    var inputShapes: [String] = []

    @Flag(name: .customLong("static"), help: "Fix every dynamic dim not set by --input-shape to its upper bound.")
    var fixStatic = false

    @Option(name: .long, help: ArgumentHelp("The model to import from an archive holding several.", valueName: "name"))
    var model: String?

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func run() throws {
        do {
            var options = ImportOptions()
            for s in inputShapes {
                let (name, dims) = try InputShape.parse(s)
                options.inputShapes[name] = dims
            }
            options.fixDynamicToUpperBound = fixStatic
            options.modelName = model
            let module = try ModelImporter.importModel(path: input, options: options)
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

struct ListATen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-aten",
        abstract: "List the ATen operators `edgec import` reads from .pt2 archives.",
        discussion: "Derived from the importer's table; --markdown writes docs/torch.md's table."
    )

    @Flag(help: "Print docs/torch.md.")
    var markdown = false

    func run() {
        print(markdown ? TorchDocumentation.markdown() : TorchDocumentation.text(), terminator: "")
    }
}
