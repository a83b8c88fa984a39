import ArgumentParser
import EdgeCompiler
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

    @OptionGroup var output: OutputOptions

    @OptionGroup var inputShapes: InputShapeOptions

    @Flag(name: .customLong("static"), help: "Fix every dynamic dim not set by --input-shape to its upper bound.")
    var fixStatic = false

    @Option(name: .long, help: ArgumentHelp("The model to import from an archive holding several.", valueName: "name"))
    var model: String?

    @Flag(name: .customLong("no-locations"), help: "Omit loc(...) from the printed IR.")
    var noLocations = false

    func run() throws {
        do {
            // The compile pipeline's import stage, keeping dynamic dims unless --static.
            let shapes = try inputShapes.parsedBounded()
            var compiler = ProgramCompiler(inputShapes: shapes.shapes)
            compiler.boundedShapes = shapes.bounded  // a range: the bounded symbol and edge.bound.<sym>
            compiler.needsStaticShapes = false
            try inputShapes.apply(to: &compiler)
            compiler.importOptions.fixDynamicToUpperBound = fixStatic
            compiler.importOptions.modelName = model
            try emit(.module(try compiler.importModel(path: input)), to: output.output, locations: !noLocations)
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
