import ArgumentParser
import EdgeCompiler

// Option groups shared by several commands: each option is declared once here, and its value
// is turned into the compiler's own types by EdgeCompiler (which also checks it).

/// `-O<n>`: the optimization level.
struct OptimizationOptions: ParsableArguments {
    @Option(name: .customShort("O", allowingJoined: true),
            help: ArgumentHelp("Optimization level: 0 (no passes), 1 (clean-ups) or 2 (all passes; see `edgec list-passes`).", valueName: "level"))
    var level: Int?

    func validate() throws {
        if let level { do { _ = try ProgramCompiler.level(level) } catch { throw ValidationError(error.message) } }
    }
}

/// `--input-shape name=d0,d1,...` (repeatable).
struct InputShapeOptions: ParsableArguments {
    @Option(name: .customLong("input-shape"), help: ArgumentHelp("A concrete shape for an input with symbolic dims (repeatable). `edgec compile` and `edgec import` also take a range for a dim, name=1..8,3,224,224: the program plans memory for the upper bound and runs at any size in it (portable backend; all ranges of one compile are one size); the IR carries it as a symbol with the module attribute edge.bound.<symbol>.", valueName: "name=d0,d1,..."))
    var inputShapes: [String] = []

    @Option(name: .customLong("sequence-length"), help: ArgumentHelp("ONNX: the length of a sequence input (repeatable); its elements become the inputs name.0, name.1, ...", valueName: "name=N"))
    var sequenceLengths: [String] = []

    @Option(name: .customLong("input-value"), help: ArgumentHelp("ONNX: compile this input as a constant holding these values (repeatable; comma-separated, in the input's element type and shape). An If on it takes its branch at compile time, e.g. a sample-rate switch: --input-value sr=16000; the program then no longer takes the input.", valueName: "name=v0,v1,..."))
    var inputValues: [String] = []

    @Option(name: .customLong("absent"), help: ArgumentHelp("ONNX: compile this optional input as holding no value (repeatable; optionals are present otherwise).", valueName: "name"))
    var absentInputs: [String] = []

    /// The shapes by input name.
    func parsed() throws -> [String: [Int]] { try ProgramCompiler.inputShapes(inputShapes) }

    /// The static shapes, and the inputs with a range (`edgec compile`).
    func parsedBounded() throws -> (shapes: [String: [Int]], bounded: [String: BoundedInputShape]) {
        try ProgramCompiler.boundedInputShapes(inputShapes)
    }

    /// Gives `compiler` the sequence lengths and absent optionals (the shapes go to its init).
    func apply(to compiler: inout ProgramCompiler) throws {
        compiler.importOptions.sequenceLengths = try ProgramCompiler.sequenceLengths(sequenceLengths)
        compiler.importOptions.absentInputs = Set(absentInputs)
        compiler.importOptions.inputValues = try ProgramCompiler.inputValues(inputValues)
    }
}

/// `-o file`: where a command writes its result.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the result here: .eir (its weights go to the .eirb beside it) or .pte; written atomically.", valueName: "file"))
    var output: String?
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
        do { _ = try settings() } catch { throw ValidationError(error.message) }
    }

    /// The flags as the compiler's instrumentation (unknown pass names are an error).
    func settings() throws(CompilerOptionError) -> Instrumentation {
        try ProgramCompiler.instrumentation(printBefore: printBefore, printAfter: printAfter, printAfterAll: printAfterAll,
                                            printAfterChange: printAfterChange, verifyEach: verifyEach, timePasses: timePasses)
    }
}
