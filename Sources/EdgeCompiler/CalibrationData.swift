import EdgeIR
import EdgeKernels
import EdgeONNX
import EdgeQuantization
import EdgeRuntime
import Foundation

/// Reads `--calibration` data for a model's inputs. Two layouts:
///
/// - a folder laid out like ONNX test data: `DATA/<sample>/input_K.npy` (or `.pb`), inputs by
///   position K, samples in name order; a folder that itself holds `input_K` files is one sample;
/// - `NAME=FILE.npy` per input (repeated for each input), the samples stacked on a new leading
///   axis: the file's shape is `[N] + input shape` (or `[N] + input shape without its leading
///   1`), and every file has the same N.
public enum CalibrationData {
    public static func load(_ specs: [String], for function: Function) throws -> [CalibrationSample] {
        guard !specs.isEmpty else { throw QuantizationError("--calibration is missing: give a folder of samples or NAME=FILE.npy per input") }
        let names = function.arguments.indices.map { function.inputName($0) ?? "input_\($0)" }
        if specs.count == 1, !specs[0].contains("=") { return try folder(specs[0], inputs: function.arguments.count) }
        return try stacked(specs, names: names, types: function.arguments.map(\.type))
    }

    static func folder(_ path: String, inputs: Int) throws -> [CalibrationSample] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw QuantizationError("--calibration \(path): not a folder (give a folder of samples, or NAME=FILE.npy per input)")
        }
        let entries = try fm.contentsOfDirectory(atPath: path).sorted()
        if entries.contains(where: isInputFile) { return [try sample(path, name: path, inputs: inputs)] }
        let dirs = entries.filter { var d: ObjCBool = false; return fm.fileExists(atPath: path + "/" + $0, isDirectory: &d) && d.boolValue }
        guard !dirs.isEmpty else { throw QuantizationError("--calibration \(path): no sample folders (expected \(path)/<sample>/input_0.npy)") }
        return try dirs.map { try sample(path + "/" + $0, name: path + "/" + $0, inputs: inputs) }
    }

    static func isInputFile(_ name: String) -> Bool {
        name.hasPrefix("input_") && (name.hasSuffix(".npy") || name.hasSuffix(".pb"))
    }

    static func sample(_ dir: String, name: String, inputs: Int) throws -> CalibrationSample {
        var tensors: [Tensor] = []
        for k in 0..<inputs {
            let npy = "\(dir)/input_\(k).npy", pb = "\(dir)/input_\(k).pb"
            if FileManager.default.fileExists(atPath: npy) { tensors.append(try readNPY(npy)) }
            else if FileManager.default.fileExists(atPath: pb) {
                do { tensors.append(try ONNXTensorFile.read(path: pb).tensor()) } catch {
                    throw QuantizationError("calibration sample \(name): \(pb): \(error)")
                }
            } else {
                throw QuantizationError("calibration sample \(name) has no input_\(k).npy or input_\(k).pb; the model takes \(inputs) input\(inputs == 1 ? "" : "s")")
            }
        }
        if FileManager.default.fileExists(atPath: "\(dir)/input_\(inputs).npy") || FileManager.default.fileExists(atPath: "\(dir)/input_\(inputs).pb") {
            throw QuantizationError("calibration sample \(name) has input_\(inputs); the model takes \(inputs) input\(inputs == 1 ? "" : "s")")
        }
        return CalibrationSample(name: name, inputs: tensors)
    }

    static func readNPY(_ path: String) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw QuantizationError("cannot read \(path): \(error.localizedDescription)")
        }
        do { return try NPY.decode([UInt8](data)) } catch { throw QuantizationError("\(path): \(error)") }
    }

    static func stacked(_ specs: [String], names: [String], types: [TensorType]) throws -> [CalibrationSample] {
        var files: [String: (path: String, tensor: Tensor)] = [:]
        for spec in specs {
            guard let eq = spec.lastIndex(of: "=") else {
                throw QuantizationError("--calibration \(spec): with several --calibration values each is NAME=FILE.npy (inputs: \(names.joined(separator: ", ")))")
            }
            let name = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
            guard names.contains(name) else { throw QuantizationError("--calibration \(spec): the model has no input '\(name)' (inputs: \(names.joined(separator: ", ")))") }
            guard files[name] == nil else { throw QuantizationError("--calibration: input '\(name)' is given twice") }
            files[name] = (path, try readNPY(path))
        }
        var count: Int?
        var perInput: [[Tensor]] = []
        for (i, name) in names.enumerated() {
            guard let (path, t) = files[name] else { throw QuantizationError("--calibration: no samples for input '\(name)' (give \(name)=FILE.npy)") }
            guard let shape = types[i].staticShape else { throw QuantizationError("input '\(name)' has no static shape; give --input-shape") }
            guard t.dtype == types[i].element.storage else {
                throw QuantizationError("--calibration \(name)=\(path): dtype \(t.dtype.rawValue), input '\(name)' takes \(TypeText.type(types[i]))")
            }
            let rest = Array(t.shape.dropFirst())
            guard t.rank >= 1, rest == shape || (shape.first == 1 && rest == Array(shape.dropFirst())) else {
                throw QuantizationError("--calibration \(name)=\(path): shape \(t.shape) is not [N] + \(shape) (samples stacked on a new leading axis) for input '\(name)' \(TypeText.type(types[i]))")
            }
            let n = t.shape[0]
            if let count, count != n { throw QuantizationError("--calibration \(name)=\(path) holds \(n) samples, the other inputs \(count)") }
            count = n
            let bytes = t.bytes(), size = t.dtype.byteSize * shape.reduce(1, *)
            perInput.append(try (0..<n).map { k in try Tensor(bytes: Array(bytes[(k * size)..<((k + 1) * size)]), dtype: t.dtype, shape: shape) })
        }
        let n = count ?? 0
        guard n > 0 else { throw QuantizationError("--calibration: the files hold no samples") }
        return (0..<n).map { k in
            CalibrationSample(name: "#\(k)", inputs: perInput.map { $0[k] })
        }
    }
}
