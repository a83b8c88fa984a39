import ArgumentParser
import EdgeCompiler
import Foundation

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a model (.onnx, .pt2 or .eir) to an ExecuTorch .pte program.",
        discussion: """
        The pipeline's stages: import (the format decided by extension; ONNX and torch.export \
        importers take the --input-shape shapes, symbolic dims of a .pt2 are fixed to their upper \
        bound unless --input-shape gives them, an .eir is specialized to the shapes), optimize (the \
        -O<n> pipeline for the backend, default -O2; see `edgec list-passes`; --print-ir-after-all \
        and --time-passes show it at work), lower (every op becomes a kernel of the backend, see \
        `edgec list-backends`; one memory arena is planned; each instruction records its source \
        node), and serialize. The program is written atomically: on any error no file is left. \
        Ops the backend cannot lower are all reported at once, by node.

        --compile-to=import|optimize stops after that stage and writes its IR (.eir with weights in \
        the .eirb beside it), which `edgec opt` and `edgec compile` replay; --compile-to=lower \
        writes the .pte.

        --memory-budget and --size-budget fail the compile, writing nothing, when the program's \
        working set (arena + constants) or its .pte size is over budget; the message names the \
        largest tensors live at the peak and the largest constants, by node.

          edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte --stats
          edgec compile model.onnx -o model.pte --input-shape input=1,3,224,224
          edgec compile model.pt2 -o model.pte
          edgec compile model.onnx --compile-to=optimize -o model.opt.eir
          edgec compile Grammar/examples/tiny_cnn.eir -o tiny_cnn.pte --stats
          edgec compile model.onnx -o model.pte --memory-budget 64MB --size-budget 20MB
          edgec compile model.onnx -o model.pte --backend arm-cpu --quantize int8 --calibration data/
          edgec compile Grammar/examples/transformer_block.eir -o block.pte --input-shape tokens=1,16,32
          edgec compile model.onnx -o model.pte --input-shape x=1..8,3,224,224
          edgec compile silero_vad.onnx -o vad.pte --input-value sr=16000 --input-shape input=1,512 --input-shape state=2,1,128

        An ONNX If whose condition is known only at run time compiles to both branches and a \
        JumpFalseCall that picks one as the program runs (so does torch.cond). When the \
        condition comes from an input you can fix, such as a sample rate, --input-value \
        compiles that input as a constant: the If takes its branch at compile time, and the \
        program no longer takes the input.

        A range for a dim (--input-shape x=1..8,3,224,224) makes a bounded program: memory is \
        planned for the upper bound, and the program runs at any size in the range on ExecuTorch \
        (its tensors are DYNAMIC_BOUND) and in `edgec run`. Ranges need the portable backend and no \
        --quantize; all ranges of one compile are one size. Only reshape sizes may follow the \
        bounded dim: an op whose arguments depend on it (a slice end, an expand size) is an error \
        naming the node.
        """
    )

    @Argument(help: ArgumentHelp("The model to compile: .onnx, .pt2 (torch.export.save) or .eir.", valueName: "model"))
    var input: String

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The backend to lower for (\(Listings.backendNames); see `edgec list-backends`).", valueName: "name"))
    var backend: String = Listings.defaultBackend

    @Option(name: .customLong("compile-to"), help: ArgumentHelp("Stop after this stage and write its result: import or optimize (.eir + .eirb), lower (.pte; the default).", valueName: "stage"))
    var compileTo: String = CompileStage.lower.rawValue

    @OptionGroup var inputShapes: InputShapeOptions

    @OptionGroup var optimization: OptimizationOptions

    @Flag(help: "Print op count, constant bytes, arena bytes, its lower bound and their ratio; with a delegate (arm-cpu), the partitions, delegated ops and each op left on portable kernels with why.")
    var stats = false

    @Flag(name: .customLong("strict-delegation"), help: "Fail when any op stays outside the backend's delegate partitions (arm-cpu: XNNPACK).")
    var strictDelegation = false

    @OptionGroup var instrumentation: InstrumentationOptions

    @Option(name: .customLong("memory-budget"), help: ArgumentHelp("Fail (nothing written) when the program's working set (arena + constants) exceeds this: 64MB, 512KiB, bytes.", valueName: "bytes"))
    var memoryBudget: String?

    @Option(name: .customLong("size-budget"), help: ArgumentHelp("Fail (nothing written) when the .pte exceeds this many bytes: 20MB, 1.5GB, bytes.", valueName: "bytes"))
    var sizeBudget: String?

    /// The budgets, parsed by EdgeCompiler.
    func budgets() throws(CompilerOptionError) -> Budgets {
        Budgets(memory: try memoryBudget.map { (t) throws(CompilerOptionError) in try Budgets.parseBytes(t, option: "--memory-budget") },
                size: try sizeBudget.map { (t) throws(CompilerOptionError) in try Budgets.parseBytes(t, option: "--size-budget") })
    }

    @OptionGroup var memory: MemoryOptions

    @Option(help: ArgumentHelp("Quantize after the optimize stage: int8 (static, needs --calibration; QDQ Edge IR, see `edgec quantize --help`) or dynamic-int8 (linear layers: INT8 weights per channel, activations per row at run time; no calibration) or int4-weights (linear layers: 4-bit weights in groups of --group-size input features, activations as dynamic-int8). arm-cpu only.", valueName: "scheme"))
    var quantize: String?

    @Option(name: .customLong("group-size"), help: ArgumentHelp("With --quantize int4-weights: input features per 4-bit weight scale, a multiple of 32 (default \(QuantizationRequest.int4DefaultGroupSize)); a layer whose input size it does not divide keeps dynamic INT8 weights.", valueName: "n"))
    var groupSize: Int?

    @OptionGroup var calibration: CalibrationOptions

    func validate() throws {
        if output.output == nil { throw ValidationError("Missing expected argument '--output <file>'") }
        if CompileStage(rawValue: compileTo) == nil {
            throw ValidationError("--compile-to \(compileTo): the stages are \(CompileStage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if stats, compileTo != CompileStage.lower.rawValue { throw ValidationError("--stats describes a program; it needs --compile-to=lower") }
        do { _ = try ProgramCompiler(backend: backend).resolvedBackend() } catch { throw ValidationError(error.message) }
        do { _ = try budgets() } catch { throw ValidationError(error.message) }
        if let quantize, let why = QuantizationRequest.refusedSchemes[quantize] {
            throw ValidationError("--quantize \(quantize): \(why)")
        }
        if let groupSize {
            guard quantize == "int4-weights" else { throw ValidationError("--group-size is for --quantize int4-weights") }
            if let why = QuantizationRequest.groupSizeProblem(groupSize) { throw ValidationError("--group-size \(groupSize): \(why)") }
        }
        if let quantize, quantize == "dynamic-int8" || quantize == "int4-weights" {
            if !calibration.calibration.isEmpty { throw ValidationError("--quantize \(quantize) needs no --calibration: activations are quantized per row at run time") }
            if backend == "portable" {
                throw ValidationError("--quantize \(quantize) needs --backend arm-cpu: ExecuTorch's portable kernels have no quantized ops")
            }
        } else if let quantize {
            guard QuantizationRequest.schemes.contains(quantize) else {
                throw ValidationError("--quantize \(quantize): the schemes are \(QuantizationRequest.schemes.joined(separator: ", "))")
            }
            if backend == "portable" {
                throw ValidationError("--quantize int8 needs --backend arm-cpu: ExecuTorch's portable kernels have no quantized ops (`edgec quantize` writes the QDQ Edge IR without lowering)")
            }
            try calibration.check()
        } else if !calibration.calibration.isEmpty {
            throw ValidationError("--calibration is for --quantize int8")
        }
        if memoryBudget != nil || sizeBudget != nil, compileTo != CompileStage.lower.rawValue {
            throw ValidationError("--memory-budget and --size-budget check a program; they need --compile-to=lower")
        }
    }

    func run() throws {
        do {
            let shapes = try inputShapes.parsedBounded()
            var compiler = ProgramCompiler(backend: backend, inputShapes: shapes.shapes,
                                           optimization: try ProgramCompiler.level(optimization.level ?? 2),
                                           instrumentation: try instrumentation.settings(), log: writeStderr)
            compiler.boundedShapes = shapes.bounded
            try inputShapes.apply(to: &compiler)
            compiler.maxMemory = try memory.limit
            compiler.strictDelegation = strictDelegation
            if quantize == "int8" { compiler.quantization = calibration.request() }
            compiler.dynamicInt8 = quantize == "dynamic-int8"
            if quantize == "int4-weights" { compiler.int4GroupSize = groupSize ?? QuantizationRequest.int4DefaultGroupSize }
            let result = try compiler.run(path: input, through: CompileStage(rawValue: compileTo) ?? .lower)
            if let compiled = result.compiled { try budgets().check(compiled) }
            try emit(result, to: output.output)
            if stats, let compiled = result.compiled { print(compiled.statsText, terminator: "") }
        } catch {
            throw fail(error)
        }
    }
}
