import EdgeBackends
import EdgeIR
import EdgePasses
import EdgeProgram
import EdgeQuantization
import Foundation

/// The stages of the compile pipeline, in order. `edgec compile --compile-to=<stage>` stops
/// after one and writes what it made (as IREE's `--compile-to` does).
public enum CompileStage: String, Sendable, CaseIterable {
    /// Read the model (its format decided once, by extension) and give its inputs the
    /// `--input-shape`s: `.onnx` and `.pt2` importers take them, `.eir` is specialized
    /// (skipped when no shape is given). Writes `.eir` + `.eirb`.
    case `import`
    /// Run the `-O<n>` passes for the backend's target. Writes `.eir` + `.eirb`.
    case optimize
    /// Lower for the backend and plan memory. Writes the `.pte`.
    case lower
}

/// What a stage produced: IR (after import or optimize) or a program (after lower).
public enum StageOutput {
    case module(Module)
    case program(CompiledProgram)

    /// Writes the output atomically: IR as `.eir` with its weights in the `.eirb` beside it, a
    /// program as `.pte` bytes. On any error no file is left.
    public func write(to path: String) throws {
        switch self {
        case .module(let module): try IRFile.write(module, to: path)
        case .program(let compiled): try AtomicFile.write(Data(compiled.bytes), to: path)
        }
    }

    /// IR as `.eir` text (with or without `loc(...)`); nil for a program.
    public func text(locations: Bool = true) -> String? {
        guard case .module(let module) = self else { return nil }
        return IRPrinter(printLocations: locations).print(module)
    }

    /// The program, after the lower stage.
    public var compiled: CompiledProgram? {
        if case .program(let p) = self { return p }
        return nil
    }
}

/// The compile pipeline as a library: import → specialize shapes → optimize → lower →
/// serialize. Each stage is a method, so a caller (the CLI, the conformance runner, the
/// optimization report) runs exactly the stages it needs, in this one implementation.
public struct ProgramCompiler {
    /// The backend to lower for (a name in ``BackendRegistry``).
    public var backend: String
    /// Concrete shapes for inputs with symbolic dims, by input name.
    public var inputShapes: [String: [Int]]
    /// Inputs with a bounded dim (`--input-shape x=1..8,3,32,32`), by name: the program runs at
    /// any size in the range (portable backend only). Every range of a compile is one bounded
    /// size, so the ranges must be equal.
    public var boundedShapes: [String: BoundedInputShape] = [:]
    /// Which passes run before lowering (default -O2).
    public var optimization: OptimizationLevel
    /// IR dumps, verification and timing around the passes.
    public var instrumentation: PassInstrumentation
    /// Receives IR dumps and timing tables.
    public var log: (String) -> Void
    /// Fail when any op stays outside the backend's delegate partitions.
    public var strictDelegation = false
    /// `--model` (an archive holding several) and `--static` of the import stage.
    public var importOptions = ImportOptions()
    /// The pipeline lowers, so its IR needs static shapes: dynamic dims of a `.pt2` that
    /// `inputShapes` leaves open are fixed to their upper bounds. `edgec import` clears it.
    public var needsStaticShapes = true
    /// The largest value, and the largest arena plus constants, the program may plan (`--max-memory`).
    public var maxMemory = MemoryLimit.default
    /// The model's file name, recorded in the program (``compileInfo``); `run(path:)` sets it.
    public var modelName: String?
    /// `--quantize int8 --calibration DATA`: quantize after the optimize stage.
    public var quantization: QuantizationRequest?
    /// `--quantize dynamic-int8`: the `quantize-dynamic-int8` pass after the optimize stage.
    public var dynamicInt8 = false
    /// `--quantize int4-weights [--group-size G]`: the `quantize-dynamic-int4` and
    /// `quantize-embeddings-int4` passes with groups of G after the optimize stage (layers the
    /// groups do not fit stay dynamic INT8, with a note; such tables stay f32).
    public var int4GroupSize: Int?

    public init(backend: String = BackendRegistry.defaultBackend.name, inputShapes: [String: [Int]] = [:], optimization: OptimizationLevel = .o2,
                instrumentation: PassInstrumentation = PassInstrumentation(), log: @escaping (String) -> Void = { _ in }) {
        self.backend = backend
        self.inputShapes = inputShapes
        self.optimization = optimization
        self.instrumentation = instrumentation
        self.log = log
    }

    // MARK: Stages

    /// The registered backend named ``backend``; an unknown name lists the registered ones.
    public func resolvedBackend() throws(UnknownBackendError) -> any Backend { try BackendRegistry.named(backend) }

    /// Import stage: reads `path` (format decided here, once) with the input shapes applied.
    public func importModel(path: String) throws -> Module {
        let format = try ModelFormat.of(path)
        var options = importOptions
        options.maxMemory = maxMemory
        let module: Module
        switch format {
        case .onnx, .pt2:
            options.inputShapes = inputShapes
            options.boundedInputs = boundedShapes.mapValues { ($0.dims, $0.ranges) }
            if format == .pt2, needsStaticShapes { options.fixDynamicToUpperBound = true }
            let imported: Module
            do { imported = try ModelImporter.importModel(path: path, format: format, options: options) } catch {
                // "fix it with --input-shape x=bound,..." would undo the range: say what the range meets.
                let text = "\(error)"
                guard !boundedShapes.isEmpty, let hint = text.range(of: "; fix it with --input-shape") else { throw error }
                let ranges = boundedShapes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: ", ")
                throw CompilerOptionError(String(text[..<hint.lowerBound]).replacingOccurrences(of: "error: ", with: "", options: .anchored)
                    + "; the size follows the bounded dim of --input-shape \(ranges), and edgec resolves it only at import, for a static size: give a single size instead of the range")
            }
            module = try specializeBounded(imported)
        case .eir:
            module = try specialize(try ModelImporter.importModel(path: path, format: format, options: options))
        }
        try MemoryBudget.check(module, limit: maxMemory)
        return module
    }

    /// Specialization stage: `module` with its inputs given ``inputShapes`` (a new module
    /// sharing the blobs); `module` itself when no shape is given.
    public func specialize(_ module: Module) throws -> Module {
        try specializeBounded(try ShapeSpecialization.specialize(module, shapes: inputShapes))
    }

    /// `module` with the ``boundedShapes`` inputs given their shapes, each range a bounded
    /// symbol (``BoundedDims``); `module` itself when there are none.
    public func specializeBounded(_ module: Module) throws -> Module {
        guard !boundedShapes.isEmpty else { return module }
        try checkBoundedOptions()
        guard let main = module.mainFunction else { throw CompilerOptionError("module has no function") }
        let range = boundedShapes.values.first!.ranges.values.first!
        // The symbol: a name the model declares for a ranged dim, else one no input uses.
        var taken = Set<String>()
        for a in main.arguments { taken.formUnion(BoundedDims.symbols(in: a.type)) }
        var symbol: String?
        for i in main.arguments.indices {
            guard let name = main.inputName(i) ?? main.arguments[i].nameHint, let b = boundedShapes[name] else { continue }
            for axis in b.ranges.keys.sorted() where axis < main.arguments[i].type.rank {
                if symbol == nil, case .symbolic(let s) = main.arguments[i].type.shape[axis], !s.isEmpty { symbol = s }
            }
        }
        var name = symbol ?? BoundedDims.defaultSymbol
        var n = 1
        while symbol == nil, taken.contains(name) { name = "\(BoundedDims.defaultSymbol)\(n)"; n += 1 }
        var dims: [String: [Dim]] = [:]
        for (input, b) in boundedShapes {
            dims[input] = b.dims.enumerated().map { axis, d in b.ranges[axis] == nil ? .known(d) : .symbolic(name) }
        }
        let out = try ShapeSpecialization.specialize(module, dims: dims)
        BoundedDims.setBound(range, of: name, on: out)
        return out
    }

    /// Refuses what a bounded compile cannot do yet, naming the option to drop.
    func checkBoundedOptions() throws(CompilerOptionError) {
        guard let (first, shape) = boundedShapes.min(by: { $0.key < $1.key }) else { return }
        let given = "--input-shape \(first)=\(shape.text)"
        if backend != PortableBackend.name {
            throw CompilerOptionError("\(given): a range needs the portable backend; drop --backend \(backend) (it lowers static shapes only) or give a single size")
        }
        if quantization != nil || dynamicInt8 || int4GroupSize != nil {
            throw CompilerOptionError("\(given): a range cannot be quantized yet; drop --quantize or give a single size")
        }
        let ranges = Set(boundedShapes.values.flatMap { $0.ranges.values })
        if ranges.count > 1 {
            let list = boundedShapes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: ", ")
            throw CompilerOptionError("--input-shape ranges of one compile are one bounded size, so they must be equal (given: \(list))")
        }
        if let clash = boundedShapes.keys.sorted().first(where: { inputShapes[$0] != nil }) {
            throw CompilerOptionError("--input-shape \(clash) is given twice")
        }
    }

    /// Optimize stage: runs this compiler's level over `module` in place, for the backend's target.
    @discardableResult
    public func optimize(_ module: Module) throws -> PassRunReport {
        let target = try resolvedBackend().target
        return try Optimizer(passes: optimization.passes(for: target), target: target, instrumentation: instrumentation, log: log).run(module)
    }

    /// Lower stage: the backend's program for `module` (static shapes, optimized).
    public func lower(_ module: Module) throws -> CompiledProgram {
        let backend = try resolvedBackend()
        let own = backend.passes(for: module)
        if !own.isEmpty { try Optimizer(passes: own, target: backend.target, instrumentation: instrumentation, log: log).run(module) }
        let bounded = !(try BoundedDims.bounds(of: module)).isEmpty
        var compiled = try checkDelegation(bounded ? try BoundedLowering.lower(module, backend: backend) : try backend.lower(module), backend: backend.name)
        compiled.program.namedData.append(compileInfo.namedData)
        try MemoryBudget.check(compiled, limit: maxMemory)
        return compiled
    }

    /// What the program records of how it was made: the compiler's version, the model's file
    /// name and every option that decides the program's bytes, spelled as `edgec compile` takes
    /// them (input shapes sorted by name, so the record is the same for the same options).
    public var compileInfo: CompileInfo {
        var options = ["--backend", backend, optimization.description]
        var shapes = inputShapes.mapValues { $0.map(String.init).joined(separator: ",") }
        for (name, b) in boundedShapes { shapes[name] = b.text }
        for (name, dims) in shapes.sorted(by: { $0.key < $1.key }) {
            options += ["--input-shape", "\(name)=" + dims]
        }
        for (name, values) in importOptions.inputValues.sorted(by: { $0.key < $1.key }) {
            options += ["--input-value", "\(name)=" + values.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : "\($0)" }.joined(separator: ",")]
        }
        for (name, n) in importOptions.sequenceLengths.sorted(by: { $0.key < $1.key }) { options += ["--sequence-length", "\(name)=\(n)"] }
        for name in importOptions.absentInputs.sorted() { options += ["--absent", name] }
        if let q = quantization {
            options += ["--quantize", "int8"]
            for c in q.calibration { options += ["--calibration", URL(fileURLWithPath: c).lastPathComponent] }
            for o in q.observers { options += ["--observer", o] }
            if let p = q.percentile { options += ["--percentile", "\(p)"] }
            for k in q.keepFloat { options += ["--keep-float", k] }
            if let m = q.minSQNR { options += ["--min-sqnr", "\(m)"] }
        }
        if dynamicInt8 { options += ["--quantize", "dynamic-int8"] }
        if let g = int4GroupSize { options += ["--quantize", "int4-weights", "--group-size", "\(g)"] }
        if strictDelegation { options.append("--strict-delegation") }
        if let model = importOptions.modelName { options += ["--model", model] }
        return CompileInfo(compiler: "edgec \(EdgecVersion.string)", model: modelName, options: options)
    }

    /// With ``strictDelegation``: fails when an op stayed outside the delegate's partitions
    /// (or the backend has no delegate), listing each op with its reason.
    func checkDelegation(_ compiled: CompiledProgram, backend: String) throws -> CompiledProgram {
        guard strictDelegation else { return compiled }
        guard let report = compiled.delegation else {
            throw DiagnosticError(Diagnostic(.error, "--strict-delegation: backend \(backend) has no delegate"))
        }
        if !report.leftOut.isEmpty {
            let n = report.leftOut.count
            throw DiagnosticError(Diagnostic(.error, "--strict-delegation: \(n) op\(n == 1 ? " stays" : "s stay") outside the \(report.backend) partitions: "
                + report.leftOut.map { "\($0.op) (\($0.reason))" }.joined(separator: ", ")))
        }
        return compiled
    }

    /// Specializes, optimizes (in place, or on the specialized copy) and lowers `module`.
    public func compile(_ module: Module) throws -> CompiledProgram {
        _ = try resolvedBackend()
        let specialized = try specialize(module)
        try MemoryBudget.check(specialized, limit: maxMemory)
        try optimize(specialized)
        return try lower(specialized)
    }

    /// Runs the pipeline on the model at `path` through `stage` (every stage by default).
    public func run(path: String, through stage: CompileStage = .lower) throws -> StageOutput {
        _ = try resolvedBackend()  // an unknown backend fails before any work
        try checkBoundedOptions()
        if quantization != nil, stage == .lower, let refusal = quantizedLoweringRefusal() { throw QuantizationError(refusal) }
        var compiler = self
        if compiler.modelName == nil { compiler.modelName = URL(fileURLWithPath: path).lastPathComponent }
        return try compiler.runStages(path: path, through: stage)
    }

    private func runStages(path: String, through stage: CompileStage) throws -> StageOutput {
        let module = try importModel(path: path)
        if stage == .import { return .module(module) }
        if let g = int4GroupSize {
            // Embedding tables are quantized before fold-constants: a gather of table rows by
            // constant ids (position embeddings) then folds to the rows' 4-bit values, not to f32 rows.
            // Tables too small to gain more than their unpacking ops cost stay f32.
            if let why = DynamicQuantization.groupSizeProblem(g) { throw CompilerOptionError("--group-size \(g): \(why)") }
            if let main = module.mainFunction {
                for (op, block, why) in QuantizeEmbeddings.fallbacks(main, groupSize: g, minimumSaving: QuantizeEmbeddings.unpackingBytes) {
                    log("note: \(op.diagnosticName) " + (block.map { "has a 4-bit table in groups of \($0)" } ?? "keeps its f32 table") + ": \(why)\n")
                }
            }
            try Optimizer(passes: [QuantizeEmbeddings.int4(groupSize: g, minimumSaving: QuantizeEmbeddings.unpackingBytes)], target: try resolvedBackend().target,
                          instrumentation: instrumentation, log: log).run(module)
        }
        try optimize(module)
        var quantizationReport: QuantizationReport?
        if let quantization { quantizationReport = try quantize(module, quantization) }
        if dynamicInt8 {
            let target = try resolvedBackend().target
            try Optimizer(passes: [DynamicQuantization.pass], target: target, instrumentation: instrumentation, log: log).run(module)
        }
        if let g = int4GroupSize {
            let target = try resolvedBackend().target
            if let main = module.mainFunction {
                for (op, block, why) in DynamicQuantization.int4Fallbacks(main, groupSize: g) {
                    log(DynamicQuantization.int4FallbackNote(op, blockSize: block, reason: why) + "\n")
                }
            }
            try Optimizer(passes: [DynamicQuantization.int4(groupSize: g)], target: target,
                          instrumentation: instrumentation, log: log).run(module)
        }
        if stage == .optimize { return .module(module) }
        var compiled = try lower(module)
        if let quantizationReport {
            compiled.program.namedData.append(NamedData(key: QuantizationReport.recordKey, data: quantizationReport.recordBytes))
        }
        return .program(compiled)
    }

    // MARK: Option parsing (the CLI boundary)

    /// The optimization level `-O<n>`; other numbers are an error naming the levels.
    public static func level(_ n: Int) throws(CompilerOptionError) -> OptimizationLevel {
        guard let level = OptimizationLevel(rawValue: n) else {
            let names = OptimizationLevel.allCases.map(\.description)
            throw CompilerOptionError("-O\(n): the levels are \(names.dropLast().joined(separator: ", ")) and \(names.last ?? "")")
        }
        return level
    }

    /// `--input-shape name=d0,d1,...` options by input name; a name given twice is an error.
    public static func inputShapes(_ texts: [String]) throws -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for text in texts {
            let (name, dims) = try InputShape.parse(text)
            guard shapes[name] == nil else { throw CompilerOptionError("--input-shape \(name) is given twice") }
            shapes[name] = dims
        }
        return shapes
    }

    /// ``inputShapes(_:)`` that also takes ranges (`x=1..8,3,32,32`, `edgec compile`): the
    /// static shapes, and the inputs with a range.
    public static func boundedInputShapes(_ texts: [String]) throws -> (shapes: [String: [Int]], bounded: [String: BoundedInputShape]) {
        var shapes: [String: [Int]] = [:], bounded: [String: BoundedInputShape] = [:]
        for text in texts {
            let (name, dims, ranges) = try InputShape.parseBounded(text)
            guard shapes[name] == nil, bounded[name] == nil else { throw CompilerOptionError("--input-shape \(name) is given twice") }
            if ranges.isEmpty { shapes[name] = dims } else { bounded[name] = BoundedInputShape(dims: dims, ranges: ranges) }
        }
        return (shapes, bounded)
    }

    /// `--sequence-length name=N` options by input name; a name given twice is an error.
    public static func sequenceLengths(_ texts: [String]) throws(CompilerOptionError) -> [String: Int] {
        var lengths: [String: Int] = [:]
        for text in texts {
            guard let eq = text.lastIndex(of: "="), case let name = String(text[..<eq]), !name.isEmpty,
                  let n = Int(text[text.index(after: eq)...]), n >= 0 else {
                throw CompilerOptionError("--sequence-length \(text): expected name=N with N a length (0 or more)")
            }
            guard lengths[name] == nil else { throw CompilerOptionError("--sequence-length \(name) is given twice") }
            lengths[name] = n
        }
        return lengths
    }

    /// `--input-value name=v0,v1,...` texts by input name (numbers; `inf`, `-inf` and `nan` too).
    public static func inputValues(_ texts: [String]) throws(CompilerOptionError) -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for text in texts {
            guard let eq = text.firstIndex(of: "="), case let name = String(text[..<eq]), !name.isEmpty else {
                throw CompilerOptionError("--input-value \(text): expected name=v0,v1,... (the input's values in order)")
            }
            let items = text[text.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false)
            var numbers: [Double] = []
            for item in items {
                guard let v = Double(item.trimmingCharacters(in: .whitespaces)) else {
                    throw CompilerOptionError("--input-value \(name): '\(item)' is not a number")
                }
                numbers.append(v)
            }
            guard values[name] == nil else { throw CompilerOptionError("--input-value \(name) is given twice") }
            values[name] = numbers
        }
        return values
    }

    /// The pass instrumentation flags; a pass name that is not registered is an error.
    public static func instrumentation(printBefore: [String] = [], printAfter: [String] = [], printAfterAll: Bool = false,
                                       printAfterChange: Bool = false, verifyEach: Bool = false,
                                       timePasses: Bool = false) throws(CompilerOptionError) -> PassInstrumentation {
        let known = PassCatalog.all.map(\.name)
        for name in printBefore + printAfter where !known.contains(name) {
            throw CompilerOptionError("unknown pass '\(name)'; known passes: \(known.joined(separator: ", "))")
        }
        var s = PassInstrumentation()
        s.printBefore = Set(printBefore)
        s.printAfter = Set(printAfter)
        s.printAfterAll = printAfterAll
        s.printAfterChange = printAfterChange
        s.verifyEach = verifyEach
        s.timePasses = timePasses
        return s
    }

    // MARK: Facts for reports

    /// Shapes that make every symbolic input dim 1 (by input name), for a quick measurement.
    public static func unitShapes(for module: Module) -> [String: [Int]] {
        guard let main = module.mainFunction else { return [:] }
        var shapes: [String: [Int]] = [:]
        for (i, a) in main.arguments.enumerated() where a.type.staticShape == nil {
            shapes[main.inputName(i) ?? a.nameHint ?? "#\(i)"] = a.type.shape.map { $0.value ?? 1 }
        }
        return shapes
    }

    /// Ops of the main function that compute (constants and the return not counted).
    public static func computeOpCount(_ module: Module) -> Int {
        module.mainFunction?.body.operations.filter {
            !$0.definition.traits.contains(.constantLike) && !$0.definition.traits.contains(.terminator)
        }.count ?? 0
    }
}

/// The pass instrumentation (IR dumps, verification, timing) as EdgeCompiler's API names it.
public typealias Instrumentation = PassInstrumentation

/// A bad compiler option (an unknown level or pass name, a repeated shape).
public struct CompilerOptionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "error: " + message }
}

/// Runs a list of passes over a module: the optimize stage, and `edgec opt`.
public struct Optimizer {
    public var passes: [Pass]
    /// The backend the passes prepare for (plain `edgec opt`: any op may be created).
    public var target: PassTarget
    public var instrumentation: PassInstrumentation
    /// Receives IR dumps and timing tables.
    public var log: (String) -> Void

    public init(passes: [Pass], target: PassTarget = PassTarget(), instrumentation: PassInstrumentation = PassInstrumentation(),
                log: @escaping (String) -> Void = { _ in }) {
        self.passes = passes
        self.target = target
        self.instrumentation = instrumentation
        self.log = log
    }

    /// `edgec opt`: the `-O<n>` passes (for no particular backend), then the `--passes` list,
    /// parsed here, once.
    public init(level: Int?, passes text: String, instrumentation: PassInstrumentation = PassInstrumentation(),
                log: @escaping (String) -> Void = { _ in }) throws {
        let levelPasses = try level.map { (n) throws(CompilerOptionError) in try ProgramCompiler.level(n).passes() } ?? []
        self.init(passes: levelPasses + (try PassManager.parsePipeline(text, registry: PassCatalog.all)), instrumentation: instrumentation, log: log)
    }

    /// Runs the passes over `module` in place.
    @discardableResult
    public func run(_ module: Module) throws -> PassRunReport {
        var manager = PassManager(passes: passes, instrumentation: instrumentation, dump: log)
        manager.target = target
        let report = try manager.run(module)
        if instrumentation.timePasses { log(report.timingTable()) }
        return report
    }
}

extension CompiledProgram {
    /// The `.pte` file: the same program always gives the same bytes.
    public var bytes: [UInt8] { ProgramWriter.serialize(program) }

    /// The `--stats` report.
    public var statsText: String {
        let plan = program.plans[0]
        var counts: [String: Int] = [:]
        for instruction in plan.instructions {
            switch instruction {
            case .kernelCall(let op, _): counts[plan.operators[Int(op)].qualifiedName, default: 0] += 1
            case .delegateCall(let d, _): counts["DelegateCall " + plan.delegates[Int(d)].id, default: 0] += 1
            case .jumpFalse: counts["JumpFalseCall", default: 0] += 1
            case .move: counts["MoveCall", default: 0] += 1
            }
        }
        var lines = [
            "instructions:    \(instructionCount)",
            "constant bytes:  \(constantBytes)",
            "arena bytes:     \(memory.arenaSize) (\(memory.strategy))",
            "lower bound:     \(memory.lowerBound)",
            "arena / bound:   " + String(format: "%.3f", memory.ratio),
            "kernels:",
        ]
        for (name, n) in counts.sorted(by: { $0.key < $1.key }) { lines.append("  \(n)x \(name)") }
        if let delegation { lines.append(delegation.text.dropLast().description) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// An input shape with bounded dims (`--input-shape x=1..8,3,32,32`).
public struct BoundedInputShape: Sendable, Hashable {
    /// The sizes, each range's upper bound at its axis.
    public var dims: [Int]
    /// The ranges, by axis.
    public var ranges: [Int: ClosedRange<Int>]

    public init(dims: [Int], ranges: [Int: ClosedRange<Int>]) {
        self.dims = dims
        self.ranges = ranges
    }

    /// `1..8,3,32,32`, as `--input-shape` takes it.
    public var text: String {
        dims.enumerated().map { axis, d in ranges[axis].map { "\($0.lowerBound)..\($0.upperBound)" } ?? String(d) }.joined(separator: ",")
    }
}
