import ArgumentParser
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .pte program with edgec's bundled interpreter.",
        discussion: """
        Inputs are NumPy .npy files, given in order or by input name (name=file.npy). ONNX \
        TensorProto .pb inputs come with the ONNX importer. With -o, each output is written to \
        <dir>/<output name>.npy (characters unsafe in file names become _); otherwise a summary \
        of each output is printed.

          edgec run tiny_cnn.pte --input input.1=x.npy -o out/
        """
    )

    @Argument(help: ArgumentHelp("The .pte program to run.", valueName: "model.pte"))
    var input: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor (repeatable), in order or by name.", valueName: "[name=]file.npy"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Write each output as <dir>/<name>.npy.", valueName: "dir"))
    var output: String?

    @Option(name: .customLong("fill"), help: ArgumentHelp("Fill inputs not given with --input with this value (for a quick run without data files).", valueName: "value"))
    var fill: Double?

    @Option(help: ArgumentHelp("The method to run.", valueName: "name"))
    var method: String = "forward"

    func run() throws {
        do {
            let loaded = try loadProgram(input)
            let interpreter: Interpreter
            do { interpreter = try Interpreter(loaded.program, method: method) } catch { throw CLIError("\(input): error: \(error.message)") }
            let plan = interpreter.plan
            let names = plan.ioNames?.inputs ?? plan.inputs.indices.map { "input_\($0)" }
            var tensors = [Tensor?](repeating: nil, count: plan.inputs.count)
            for (k, spec) in inputs.enumerated() {
                var slot = k, path = spec
                if let eq = spec.lastIndex(of: "="), let i = names.firstIndex(of: String(spec[..<eq])) {
                    slot = i
                    path = String(spec[spec.index(after: eq)...])
                }
                guard slot < tensors.count else { throw CLIError("error: \(inputs.count) inputs given, but the program takes \(tensors.count) (\(names.joined(separator: ", ")))") }
                guard path.hasSuffix(".npy") else { throw CLIError("error: \(path): only .npy inputs are read (ONNX .pb inputs come with the ONNX importer)") }
                do { tensors[slot] = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) } catch {
                    throw CLIError("error: \(path): \(error)")
                }
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
            do { outputs = try interpreter.run(tensors.map { $0! }) } catch { throw CLIError("error: \(error.message)") }
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
        } catch {
            throw fail(error)
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
                s += " [" + values.prefix(8).map { String(format: "%.6g", $0) }.joined(separator: ", ") + (values.count > 8 ? ", ..." : "") + "]"
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
