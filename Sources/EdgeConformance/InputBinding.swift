import EdgeIR
import EdgeKernels
import EdgeONNX
import EdgeProgram
import EdgeRuntime
import Foundation

/// One tensor given to a program run, before it is bound to an input.
public struct GivenInput {
    /// The input it was given for by name (`--input name=file`).
    public var explicitName: String?
    /// The name the data itself carries (an ONNX TensorProto's name), used when it names an input.
    public var carriedName: String?
    public var tensor: Tensor
    /// Where it came from, for messages (a path).
    public var origin: String

    public init(explicitName: String? = nil, carriedName: String? = nil, tensor: Tensor, origin: String) {
        self.explicitName = explicitName
        self.carriedName = carriedName
        self.tensor = tensor
        self.origin = origin
    }
}

/// Why the given inputs cannot be bound (or read).
public struct InputBindingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "error: " + message }
}

/// Binds given tensors to a program's inputs: the one rule `edgec run` and the conformance
/// runner share. An input given by name (explicitly, or by the name a TensorProto carries
/// when that is an input's name) goes to that input; the others fill the remaining inputs in
/// order; `fill` gives a value to inputs still missing.
public enum InputBinding {
    /// The program's input names (from its container metadata, else `input_<k>`).
    public static func inputNames(_ plan: ExecutionPlan) -> [String] {
        if let names = plan.ioNames?.inputs, names.count == plan.inputs.count { return names }
        return plan.inputs.indices.map { "input_\($0)" }
    }

    /// Reads `--input [name=]file`: a NumPy `.npy` or an ONNX TensorProto `.pb`. The text before
    /// the last `=` is an input name only when the program has an input of that name.
    public static func read(_ spec: String, inputNames: [String]) throws(InputBindingError) -> GivenInput {
        var name: String?, path = spec
        if let eq = spec.lastIndex(of: "="), inputNames.contains(String(spec[..<eq])) {
            name = String(spec[..<eq])
            path = String(spec[spec.index(after: eq)...])
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy":
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw InputBindingError("cannot read \(path): \(error.localizedDescription)")
            }
            do { return GivenInput(explicitName: name, tensor: try NPY.decode([UInt8](data)), origin: path) } catch {
                throw InputBindingError("\(path): \(error)")
            }
        case "pb":
            let file: ONNXTensorFile
            do { file = try ONNXTensorFile.read(path: path) } catch {
                throw InputBindingError(error.diagnostics.map(\.message).joined(separator: "; "))
            }
            return GivenInput(explicitName: name, carriedName: file.name, tensor: try tensor(file, path), origin: path)
        default:
            throw InputBindingError("\(path): inputs are NumPy .npy files or ONNX TensorProto .pb files")
        }
    }

    /// ``read(_:inputNames:)``, and also `name=seq.pb` for a sequence input: when `name` is not
    /// an input but its elements `name.0`, `name.1`, ... are (edgec flattens ONNX sequence
    /// inputs so), the file is read as an ONNX SequenceProto and each element goes to its input.
    public static func readAll(_ spec: String, inputNames: [String]) throws(InputBindingError) -> [GivenInput] {
        guard let eq = spec.lastIndex(of: "="), case let name = String(spec[..<eq]), !inputNames.contains(name),
              inputNames.contains(ONNXValueKind.elementName(name, 0)) else {
            return [try read(spec, inputNames: inputNames)]
        }
        let path = String(spec[spec.index(after: eq)...])
        guard path.lowercased().hasSuffix(".pb") else {
            throw InputBindingError("\(path): \"\(name)\" is a sequence (inputs \(ONNXValueKind.elementName(name, 0)), ...): give it as an ONNX SequenceProto .pb, or each element as \(ONNXValueKind.elementName(name, 0))=file")
        }
        let value: ONNXValueFile
        do {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            value = try ONNXValueFile.decode(bytes, kind: .sequence(.tensor), what: path)
        } catch let e as DiagnosticError {
            throw InputBindingError(e.diagnostics.map(\.message).joined(separator: "; "))
        } catch {
            throw InputBindingError("cannot read \(path): \(error.localizedDescription)")
        }
        let expected = inputNames.filter { $0.hasPrefix(name + ".") && Int($0.dropFirst(name.count + 1)) != nil }.count
        let leaves = value.leaves(name: name)
        guard leaves.count == expected else {
            throw InputBindingError("\(path): the sequence has \(leaves.count) elements, but the program was compiled for \(expected) (--sequence-length \(name)=\(expected))")
        }
        return try leaves.map { leaf throws(InputBindingError) in
            GivenInput(explicitName: leaf.name, tensor: try tensor(leaf.tensor, "\(path) element \(leaf.name)"), origin: path)
        }
    }

    /// An ONNX TensorProto as an interpreter tensor.
    public static func tensor(_ file: ONNXTensorFile, _ what: String) throws(InputBindingError) -> Tensor {
        do { return try file.tensor() } catch {
            throw InputBindingError("\(what): \(error)")
        }
    }

    /// The tensors for `plan`'s inputs, in order. More tensors than inputs is an error unless
    /// `ignoreExtra` (a data set may hold values for graph inputs the program dropped).
    public static func bind(_ given: [GivenInput], to plan: ExecutionPlan, fill: Double? = nil,
                            ignoreExtra: Bool = false) throws(InputBindingError) -> [Tensor] {
        let names = inputNames(plan)
        var slots = [Tensor?](repeating: nil, count: plan.inputs.count)
        var unnamed: [GivenInput] = []
        for g in given {
            let name = g.explicitName ?? g.carriedName.flatMap { names.contains($0) ? $0 : nil }
            guard let name, let s = names.firstIndex(of: name), s < slots.count else {
                unnamed.append(g)
                continue
            }
            guard slots[s] == nil else { throw InputBindingError("\(g.origin): input \(s) \"\(name)\" is given twice") }
            slots[s] = g.tensor
        }
        var free = slots.indices.filter { slots[$0] == nil }[...]
        for g in unnamed {
            guard let s = free.popFirst() else {
                if ignoreExtra { break }
                throw InputBindingError("\(given.count) inputs given, but the program takes \(slots.count) (\(names.joined(separator: ", ")))")
            }
            slots[s] = g.tensor
        }
        if let fill {
            for k in slots.indices where slots[k] == nil {
                guard let t = plan.values[Int(plan.inputs[k])].tensor, let dtype = Interpreter.dtype(t.scalarType) else {
                    throw InputBindingError("input \(k) \"\(names[k])\": cannot fill an input of this type")
                }
                do {
                    slots[k] = try Tensor(converting: [Double](repeating: fill, count: t.elementCount ?? 0), dtype: dtype, shape: t.sizes.map(Int.init))
                } catch { throw InputBindingError("input \(k) \"\(names[k])\": \(error)") }
            }
        }
        var out: [Tensor] = []
        for (k, t) in slots.enumerated() {
            guard let t else {
                throw InputBindingError("no value for input \(k) \"\(names[k])\" (\(given.count) given, the program takes \(slots.count)); pass --input \(names[k])=file.npy (or --fill 1.0)")
            }
            out.append(t)
        }
        return out
    }
}
