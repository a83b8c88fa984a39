import ArgumentParser
import EdgeIR
import EdgeKernels
import EdgeONNX
import EdgeProgram
import EdgeRuntime
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .pte program with edgec's bundled interpreter.",
        discussion: """
        Inputs are NumPy .npy files or ONNX TensorProto .pb files (as in the ONNX backend \
        tests' test_data_set_*/input_0.pb), given in order or by input name (name=file). A .pb \
        whose tensor name is one of the program's input names goes to that input. With -o, each \
        output is written to <dir>/<output name>.npy (characters unsafe in file names become _); \
        otherwise a summary of each output is printed.

        --repeat N times the method: after the first run (the one whose outputs are shown, which \
        also serves as warm-up), the method runs N more times on the same inputs and the median, \
        minimum and maximum latency are printed, excluding loading the program and the inputs.

          edgec run tiny_cnn.pte --input input.1=x.npy -o out/
          edgec run model.pte --input test_data_set_0/input_0.pb
          edgec run model.pte --fill 0.5 --repeat 20
        """
    )

    @Argument(help: ArgumentHelp("The .pte program to run.", valueName: "model.pte"))
    var input: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor (repeatable), in order or by name: a .npy or an ONNX TensorProto .pb file.", valueName: "[name=]file"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Write each output as <dir>/<name>.npy.", valueName: "dir"))
    var output: String?

    @Option(name: .customLong("fill"), help: ArgumentHelp("Fill inputs not given with --input with this value (for a quick run without data files).", valueName: "value"))
    var fill: Double?

    @Option(help: ArgumentHelp("The method to run.", valueName: "name"))
    var method: String = "forward"

    @Option(help: ArgumentHelp("After the first run, run the method N more times and print the median latency (load excluded).", valueName: "N"))
    var `repeat`: Int?

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        do {
            let loaded = try loadProgram(input)
            let interpreter: Interpreter
            let limit = try memory.limit
            do { interpreter = try Interpreter(loaded.program, method: method, maxMemory: limit) } catch { throw CLIError("\(input): error: \(error.message)") }
            let plan = interpreter.plan
            let names = plan.ioNames?.inputs ?? plan.inputs.indices.map { "input_\($0)" }
            var tensors = [Tensor?](repeating: nil, count: plan.inputs.count)
            for (k, spec) in inputs.enumerated() {
                var slot: Int? = nil, path = spec
                if let eq = spec.lastIndex(of: "="), let i = names.firstIndex(of: String(spec[..<eq])) {
                    slot = i
                    path = String(spec[spec.index(after: eq)...])
                }
                let tensor: Tensor
                switch URL(fileURLWithPath: path).pathExtension.lowercased() {
                case "npy":
                    do { tensor = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) } catch {
                        throw CLIError("error: \(path): \(error)")
                    }
                case "pb":
                    let file = try readTensorProto(path)
                    tensor = file.tensor
                    if slot == nil, let i = names.firstIndex(of: file.name) { slot = i }
                default:
                    throw CLIError("error: \(path): inputs are NumPy .npy files or ONNX TensorProto .pb files")
                }
                let s = slot ?? k
                guard s < tensors.count else { throw CLIError("error: \(inputs.count) inputs given, but the program takes \(tensors.count) (\(names.joined(separator: ", ")))") }
                guard tensors[s] == nil else { throw CLIError("error: \(path): input \(s) \"\(names[s])\" is given twice") }
                tensors[s] = tensor
            }
            if let fill {
                for k in tensors.indices where tensors[k] == nil {
                    let t = plan.values[Int(plan.inputs[k])].tensor!
                    let count = t.sizes.reduce(1) { $0 * Int($1) }
                    tensors[k] = try Tensor(converting: [Double](repeating: fill, count: count), dtype: try dtypeOf(t.scalarType), shape: t.sizes.map(Int.init))
                }
            }
            if let missing = tensors.indices.first(where: { tensors[$0] == nil }) {
                throw CLIError("error: no value for input \(missing) \"\(names[missing])\"; pass --input \(names[missing])=file.npy (or --fill 1.0)")
            }
            let outputs: [Tensor]
            let given = tensors.map { $0! }
            do { outputs = try interpreter.run(given) } catch { throw CLIError("error: \(error.message)") }
            var timing: String?
            if let n = `repeat` {
                var times: [Double] = []
                for _ in 0 ..< n {
                    let start = DispatchTime.now().uptimeNanoseconds
                    do { _ = try interpreter.run(given) } catch { throw CLIError("error: \(error.message)") }
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                timing = Self.timingLine(times)
            }
            let outNames = plan.ioNames?.outputs ?? outputs.indices.map { "output_\($0)" }
            if let output {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                for (name, tensor) in zip(outNames, outputs) {
                    let safe = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
                    try AtomicWrite.write(Data(try NPY.encode(tensor)), to: URL(fileURLWithPath: output).appendingPathComponent(safe + ".npy").path)
                }
            } else {
                for (name, tensor) in zip(outNames, outputs) { print(summary(name, tensor)) }
            }
            if let timing { print(timing) }
        } catch {
            throw fail(error)
        }
    }

    /// `time: median 12.345 ms, min 12.000 ms, max 13.000 ms over 20 runs (load excluded)`.
    static func timingLine(_ times: [Double]) -> String {
        let sorted = times.sorted()
        let n = sorted.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        return String(format: "time: median %.3f ms, min %.3f ms, max %.3f ms over %d runs (load excluded)", median, sorted[0], sorted[n - 1], n)
    }

    /// An ONNX TensorProto file as an interpreter tensor. The protobuf decoding is EdgeONNX's
    /// (the same code that reads initializers); EdgeRuntime itself stays free of compiler modules.
    func readTensorProto(_ path: String) throws -> (name: String, tensor: Tensor) {
        let file: ONNXTensorFile
        do { file = try ONNXTensorFile.read(path: path) } catch { throw CLIError(error.description) }
        guard let dtype = DType(rawValue: file.element.rawValue) else {
            throw CLIError("error: \(path): element type \(file.element) has no interpreter type")
        }
        do { return (file.name, try Tensor(bytes: [UInt8](file.data), dtype: dtype, shape: file.shape)) } catch {
            throw CLIError("error: \(path): \(error)")
        }
    }

    func dtypeOf(_ s: PTEScalarType) throws -> DType {
        let table: [PTEScalarType: DType] = [.float: .f32, .double: .f64, .half: .f16, .bfloat16: .bf16, .char: .i8, .byte: .u8,
                                             .short: .i16, .int: .i32, .long: .i64, .bool: .bool]
        guard let d = table[s] else { throw CLIError("error: inputs of type \(s) are not supported") }
        return d
    }

    func summary(_ name: String, _ t: Tensor) -> String {
        var s = "\(name): \(t.dtype)\(t.shape)"
        if t.dtype == .f32 {
            let values: [Float] = t.withView { Array($0.buffer(as: Float.self)) }
            if let lo = values.min(), let hi = values.max() {
                s += String(format: " min %.6g max %.6g mean %.6g", lo, hi, values.reduce(0, +) / Float(values.count))
                // Up to 16 values in full (a small classifier's scores), else the first 8.
                let shown = values.count <= 16 ? values.count : 8
                s += " [" + values.prefix(shown).map { String(format: "%.6g", $0) }.joined(separator: ", ") + (values.count > shown ? ", ..." : "") + "]"
            }
        }
        return s
    }
}

/// Atomic file writes for the CLI (temp file + rename).
enum AtomicWrite {
    static func write(_ data: Data, to path: String) throws {
        let temp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw CLIError("error: cannot move \(temp) to \(path)") }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
    }
}
