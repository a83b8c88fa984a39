import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeONNX
import EdgePasses
import EdgeProgram
import EdgeRuntime
import Foundation

/// One case of an ONNX-backend-style suite: `<dir>/model.onnx` and `test_data_set_N/` folders
/// of `input_K.pb` / `output_K.pb` TensorProtos.
public struct CaseSpec: Sendable {
    public var name: String
    public var directory: URL
    public var tolerance: Tolerance
    /// The generator could not write some inputs or outputs (maps; before manifest format 2 also
    /// sequences, optionals and the values onnx gives as TensorProto).
    public var nonTensorIO: Bool
    /// The optimization level the case is compiled at.
    public var optimization: OptimizationLevel
    /// The backend the case is compiled for (a name in ``BackendRegistry``).
    public var backend: String

    public init(name: String, directory: URL, tolerance: Tolerance = .onnxDefault, nonTensorIO: Bool = false,
                optimization: OptimizationLevel = .o2, backend: String = BackendRegistry.defaultBackend.name) {
        self.name = name
        self.directory = directory
        self.tolerance = tolerance
        self.nonTensorIO = nonTensorIO
        self.optimization = optimization
        self.backend = backend
    }

    var model: URL { directory.appendingPathComponent("model.onnx") }
}

/// A failure at one stage of a case, classified by ``Classifier``.
struct CaseFailure: Error {
    var stage: Stage
    var message: String
    init(_ stage: Stage, _ message: String) {
        self.stage = stage
        self.message = message
    }
}

/// The stages of a case, named in failure reasons.
enum Stage: String {
    case data, `import`, compile, load, run, executorch, compare
}

/// One test data set: its inputs and reference outputs. Sequence and optional values
/// (SequenceProto / OptionalProto files) are flattened into their tensor leaves, named as the
/// importer names the program's inputs and outputs (`seq.0`, `seq.1`, ...); `structure` holds
/// their sequence lengths and absent optionals, for the import.
struct DataSet {
    var name: String
    /// The input tensors, each named by the graph input (or sequence element) it is for.
    var inputs: [ONNXTensorFile]
    /// The reference output tensors, flattened likewise.
    var outputs: [ONNXTensorFile]
    /// Sequence lengths and absent optionals of the inputs (the import options they set).
    var structure = ONNXImportOptions()
    /// The graph inputs that are sequences or optionals, whose structure the data set fixes.
    var structuredInputs: [String] = []

    init(name: String, inputs: [ONNXTensorFile], outputs: [ONNXTensorFile]) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Flattens the values read from `input_K.pb` / `output_K.pb`; graph inputs are matched by
    /// the name a value carries, else by position.
    init(name: String, inputs values: [ONNXValueFile], outputs outs: [ONNXValueFile], summary: ONNXModelSummary) {
        self.name = name
        inputs = []
        outputs = []
        let graphInputs = Set(summary.inputs)
        for (k, v) in values.enumerated() {
            let input = graphInputs.contains(v.name) ? v.name : k < summary.inputs.count ? summary.inputs[k] : v.name
            if !v.isTensor {
                structuredInputs.append(input)
                v.describeStructure(name: input, in: &structure)
            }
            for (leaf, t) in v.leaves(name: input) {
                var named = t
                named.name = leaf
                inputs.append(named)
            }
        }
        for (k, v) in outs.enumerated() {
            let output = k < summary.outputs.count ? summary.outputs[k] : v.name
            for (leaf, t) in v.leaves(name: output) {
                var named = t
                named.name = leaf
                outputs.append(named)
            }
        }
    }
}

/// Runs one case in this process: import, compile (for the case's backend), then either run every data set
/// in the interpreter and compare, or write the programs for another executor. Every error is
/// caught and classified; only a trap in edgec itself ends the process (the suite runner sees
/// that as a crash).
public enum CaseRunner {
    /// Interpreter executor: import, compile, run and compare every data set.
    public static func runInterpreter(_ spec: CaseSpec) -> CaseResult {
        execute(spec) { summary, sets in
            var bound: [String] = []
            for set in sets {
                let (program, constants) = try compile(spec, summary, set)
                bound = constants
                let interpreter: Interpreter
                do { interpreter = try Interpreter(program.program) } catch { throw CaseFailure(.load, "\(error)") }
                let inputs = try bindInputs(set, interpreter.plan, constants: constants)
                let outputs: [Tensor]
                do { outputs = try interpreter.run(inputs) } catch { throw CaseFailure(.run, "\(error)") }
                try compare(set, outputs, spec.tolerance)
            }
            return bound
        }
    }

    /// First half of an external executor's run: for every data set N, writes
    /// `<work>/test_data_set_N/program.pte` and its inputs in program order as `input_K.npy`.
    /// A pass here means "compiled"; the runner then executes the programs and calls
    /// ``compareOutputs(_:work:)``.
    public static func emitPrograms(_ spec: CaseSpec, work: URL) -> CaseResult {
        execute(spec) { summary, sets in
            var bound: [String] = []
            for set in sets {
                let (program, constants) = try compile(spec, summary, set, keepBytes: true)
                bound = constants
                let dir = work.appendingPathComponent(set.name)
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try Data(program.bytes).write(to: dir.appendingPathComponent("program.pte"))
                } catch { throw CaseFailure(.compile, "cannot write to \(dir.path): \(error.localizedDescription)") }
                let inputs = try bindInputs(set, program.program.plans[0], constants: constants)
                for (k, t) in inputs.enumerated() {
                    let bytes: [UInt8]
                    do { bytes = try NPY.encode(try BF16Bridge.encodable(t, marker: dir.appendingPathComponent("input_\(k).bf16"))) } catch { throw CaseFailure(.data, "input \(k) as .npy: \(error) (not supported by the executor bridge)") }
                    do { try Data(bytes).write(to: dir.appendingPathComponent("input_\(k).npy")) } catch {
                        throw CaseFailure(.data, "cannot write input \(k): \(error.localizedDescription)")
                    }
                }
            }
            return bound
        }
    }

    /// Second half: compares `<work>/test_data_set_N/output_K.npy` (written by the executor)
    /// with the reference outputs.
    public static func compareOutputs(_ spec: CaseSpec, work: URL) -> CaseResult {
        execute(spec) { _, sets in
            for set in sets {
                let dir = work.appendingPathComponent(set.name)
                var outputs: [Tensor] = []
                for k in 0... {
                    let path = dir.appendingPathComponent("output_\(k).npy")
                    guard let data = FileManager.default.contents(atPath: path.path) else { break }
                    do { outputs.append(try BF16Bridge.decoded(try NPY.decode([UInt8](data)), marker: dir.appendingPathComponent("output_\(k).bf16"))) } catch {
                        throw CaseFailure(.executorch, "output \(k): \(error)")
                    }
                }
                try compare(set, outputs, spec.tolerance)
            }
            return nil
        }
    }

    // MARK: Stages

    /// Reads the data sets, runs `body`, and turns every failure into an outcome.
    static func execute(_ spec: CaseSpec, _ body: (ONNXModelSummary, [DataSet]) throws -> [String]?) -> CaseResult {
        let start = Date()
        let summary = ONNXModelSummary(path: spec.model.path)
        var result = CaseResult(name: spec.name, outcome: .pass, ops: summary.opTypes)
        do {
            guard FileManager.default.fileExists(atPath: spec.model.path) else { throw CaseFailure(.data, "no model.onnx in \(spec.directory.path)") }
            let sets = try readDataSets(spec, summary)
            let structured = Set(sets.flatMap(\.structuredInputs))
            if !structured.isEmpty { result.structuredInputs = structured.sorted() }
            let bound = try body(summary, sets)
            if let bound, !bound.isEmpty { result.constantInputs = bound }
        } catch let f as CaseFailure {
            let (outcome, reason) = Classifier.classify(f)
            result.outcome = outcome
            result.reason = reason
            result.message = CaseResult.trim(f.message)
        } catch {
            result.outcome = .error
            result.reason = "internal: \(type(of: error))"
            result.message = "\(error)"
        }
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    static func readDataSets(_ spec: CaseSpec, _ summary: ONNXModelSummary) throws -> [DataSet] {
        if spec.nonTensorIO {
            throw CaseFailure(.data, "inputs or outputs that are maps are not supported (the generator could not write them)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: spec.directory.path)) ?? [])
            .compactMap { n -> (Int, String)? in
                guard n.hasPrefix("test_data_set_"), let i = Int(n.dropFirst("test_data_set_".count)) else { return nil }
                return (i, n)
            }.sorted { $0.0 < $1.0 }
        guard !names.isEmpty else { throw CaseFailure(.data, "the case has no test_data_set_N folders") }
        return try names.map { _, name in
            let dir = spec.directory.appendingPathComponent(name)
            return DataSet(name: name, inputs: try readValues(dir, "input", kinds: summary.inputKinds),
                           outputs: try readValues(dir, "output", kinds: summary.outputKinds), summary: summary)
        }
    }

    /// `<prefix>_0.pb`, `<prefix>_1.pb`, ... in order (a gap means a value the generator could
    /// not write, a map), each read as the kind the model declares for it (`kinds`, by position).
    static func readValues(_ dir: URL, _ prefix: String, kinds: [ONNXValueKind]) throws -> [ONNXValueFile] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .compactMap { n -> Int? in
                guard n.hasPrefix(prefix + "_"), n.hasSuffix(".pb") else { return nil }
                return Int(n.dropFirst(prefix.count + 1).dropLast(3))
            }.sorted()
        guard files == Array(0..<files.count) else {
            throw CaseFailure(.data, "\(dir.lastPathComponent) has \(prefix)s \(files); inputs or outputs that are maps are not supported")
        }
        return try files.map { k in
            let file = "\(prefix)_\(k).pb"
            guard let bytes = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) else {
                throw CaseFailure(.data, "cannot read \(dir.lastPathComponent)/\(file)")
            }
            // Named by file name only, so that equal causes group across cases.
            do { return try ONNXValueFile.decode(bytes, kind: k < kinds.count ? kinds[k] : .tensor, what: file) } catch {
                let why = (error as? DiagnosticError).map { $0.diagnostics.map(\.message).joined(separator: "; ") } ?? "\(error)"
                throw CaseFailure(.data, "\(prefix) \(k): " + why)
            }
        }
    }

    struct CompiledCase {
        var program: Program
        var bytes: [UInt8]
    }

    /// Imports the model with the data set's input shapes and compiles it (through the `.pte`
    /// bytes and the verifying reader, as a device would load it). When an importer needs an
    /// input's value at import time (a shape, axes, pads), that input is bound to the data
    /// set's value and the import retried; the bound inputs are returned.
    static func compile(_ spec: CaseSpec, _ summary: ONNXModelSummary, _ set: DataSet, keepBytes: Bool = false) throws -> (CompiledCase, [String]) {
        let byName = inputsByName(set, summary)
        var options = set.structure
        for (name, t) in byName { options.inputShapes[name] = t.shape }
        var module: Module?
        var bound: [String] = []
        while module == nil {
            do {
                module = try ONNXImporter.importModel(path: spec.model.path, options: options)
            } catch {
                let message = error.description
                guard let more = inputsToBind(message, byName, bound: Set(bound)), !more.isEmpty else {
                    throw CaseFailure(.import, message)
                }
                for name in more {
                    bound.append(name)
                    options.constantInputs[name] = byName[name]
                    options.inputShapes[name] = nil
                }
            }
        }
        let compiled: CompiledProgram
        do { compiled = try ProgramCompiler(backend: spec.backend, optimization: spec.optimization).compile(module!) } catch { throw CaseFailure(.compile, "\(error)") }
        let bytes = ProgramWriter.serialize(compiled.program)
        let loaded: LoadedProgram
        do { loaded = try ProgramReader.read(bytes) } catch { throw CaseFailure(.load, "the written program does not read back: \(error)") }
        return (CompiledCase(program: loaded.program, bytes: keepBytes ? bytes : []), bound)
    }

    /// The data set's input tensors keyed by the graph input (or sequence element, `seq.0`)
    /// they belong to (``DataSet`` names them so).
    static func inputsByName(_ set: DataSet, _ summary: ONNXModelSummary) -> [String: ONNXTensorFile] {
        var out: [String: ONNXTensorFile] = [:]
        for t in set.inputs where out[t.name] == nil { out[t.name] = t }
        return out
    }

    /// The inputs to bind as constants after an import failed with `message`: the graph inputs
    /// the message names, else (when it says a value must be known at import time) every
    /// integer input not bound yet. Nil when binding cannot help.
    static func inputsToBind(_ message: String, _ inputs: [String: ONNXTensorFile], bound: Set<String>) -> [String]? {
        guard message.contains("known at import time") || message.contains("must be a constant") else { return nil }
        let named = inputs.keys.filter { !bound.contains($0) && message.contains("\"\($0)\"") }.sorted()
        if !named.isEmpty { return named }
        return inputs.filter { !bound.contains($0.key) && !$0.value.element.isFloat }.map(\.key).sorted()
    }

    /// The data set's inputs in the program's input order, by ``InputBinding`` (the rule of
    /// `edgec run`): by TensorProto name when that names an input, else in order. Inputs bound
    /// as constants at import are left out.
    static func bindInputs(_ set: DataSet, _ plan: ExecutionPlan, constants: [String]) throws -> [Tensor] {
        var given: [GivenInput] = []
        for (k, file) in set.inputs.enumerated() where !constants.contains(file.name) {
            given.append(GivenInput(carriedName: file.name, tensor: try tensor(file, "input \(k)"), origin: "\(set.name)/input_\(k).pb"))
        }
        do { return try InputBinding.bind(given, to: plan, ignoreExtra: true) } catch { throw CaseFailure(.run, error.message) }
    }

    static func tensor(_ v: ONNXTensorFile, _ what: String) throws -> Tensor {
        do { return try InputBinding.tensor(v, what) } catch { throw CaseFailure(.data, error.message) }
    }

    /// Compares every output with its reference; the first difference fails the case.
    static func compare(_ set: DataSet, _ outputs: [Tensor], _ tolerance: Tolerance) throws {
        guard outputs.count == set.outputs.count else {
            throw CaseFailure(.compare, "\(set.name): the program returned \(outputs.count) outputs, the reference has \(set.outputs.count)")
        }
        for (k, (e, a)) in zip(set.outputs, outputs).enumerated() {
            let expected = try tensor(e, "reference output \(k)")
            if let m = TensorComparison.compare(expected: expected, actual: a, tolerance: tolerance) {
                throw CaseFailure(.compare, "\(set.name) output \(k) \"\(e.name)\": \(m.kind): \(m.message)")
            }
        }
    }
}

/// bfloat16 through the ExecuTorch bridge: NumPy has no bfloat16, so such a tensor travels as
/// its int16 bit patterns in `name.npy` with an empty `name.bf16` marker file beside it
/// (`Conformance/onnx-node/run_executorch.py` reads and writes the same convention).
enum BF16Bridge {
    /// `t` as NumPy can hold it; for bf16, writes the marker.
    static func encodable(_ t: Tensor, marker: URL) throws -> Tensor {
        guard t.dtype == .bf16 else { return t }
        try Data().write(to: marker)
        return try Tensor(bytes: t.bytes(), dtype: .i16, shape: t.shape)
    }

    /// `t` read back: int16 bits become bf16 when the marker is there.
    static func decoded(_ t: Tensor, marker: URL) throws -> Tensor {
        guard FileManager.default.fileExists(atPath: marker.path) else { return t }
        guard t.dtype == .i16 else { throw CaseFailure(.executorch, "\(marker.lastPathComponent) marks a bfloat16 output, but the .npy holds \(t.dtype)") }
        return try Tensor(bytes: t.bytes(), dtype: .bf16, shape: t.shape)
    }
}
