import EdgeIR
import EdgeONNX
import EdgeProgram
import EdgeTorch
import Foundation

/// The model formats edgec reads, decided once by file extension.
public enum ModelFormat: String, Sendable, CaseIterable {
    /// A torch.export archive written by `torch.export.save`.
    case pt2
    /// An ONNX model.
    case onnx
    /// Edge IR text (with its weights in the `.eirb` its header names).
    case eir

    /// The format of `path` from its extension, or nil when edgec does not read it.
    public init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pt2": self = .pt2
        case "onnx": self = .onnx
        case "eir": self = .eir
        default: return nil
        }
    }

    /// The format of `path`; an unknown extension is an error that names the ones edgec reads.
    public static func of(_ path: String) throws(ImportFailure) -> ModelFormat {
        guard let format = ModelFormat(path: path) else {
            throw ImportFailure("\(path): cannot tell the model format from the extension; edgec reads .onnx models, .pt2 (torch.export.save) archives and .eir Edge IR")
        }
        return format
    }
}

/// Options of the import stage that apply to dynamic shapes and archives.
public struct ImportOptions: Sendable {
    /// Static shapes for named inputs (`--input-shape ids=1,16`).
    public var inputShapes: [String: [Int]] = [:]
    /// Fix every remaining dynamic dim of a .pt2 to its upper bound (`--static`).
    public var fixDynamicToUpperBound = false
    /// The model inside a multi-model archive (`--model`).
    public var modelName: String?
    /// Caps what reading the model may extract (`--max-memory`): no archive entry, and not all
    /// of them together, may expand past it.
    public var maxMemory = MemoryLimit.default
    /// Lengths of ONNX sequence inputs (`--sequence-length seq=3`; see ``ONNXImportOptions``).
    public var sequenceLengths: [String: Int] = [:]
    /// ONNX inputs compiled as constants (`--input-value sr=16000`; see ``ONNXImportOptions/inputValues``).
    public var inputValues: [String: [Double]] = [:]
    /// ONNX optional inputs compiled as absent (`--absent opt`).
    public var absentInputs: Set<String> = []
    /// `.pt2` inputs with a bounded dim (see ``TorchImportOptions/boundedInputs``).
    public var boundedInputs: [String: (dims: [Int], ranges: [Int: ClosedRange<Int>])] = [:]

    public init() {}
}

/// An import that failed before any IR was produced.
public struct ImportFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = "error: " + message }
}

/// Reads a model file into Edge IR. `.onnx` and `.pt2` importers apply `inputShapes`
/// themselves; `.eir` is read as written (the pipeline's specialization stage gives it shapes).
public enum ModelImporter {
    /// Imports `path` of `format`; throws a diagnostic naming the file (and node) on any problem.
    public static func importModel(path: String, format: ModelFormat, options: ImportOptions = ImportOptions()) throws -> Module {
        if format != .onnx, !options.sequenceLengths.isEmpty || !options.absentInputs.isEmpty {
            throw ImportFailure("--sequence-length and --absent apply to ONNX models (sequence and optional inputs)")
        }
        switch format {
        case .pt2:
            var o = TorchImportOptions(modelName: options.modelName, inputShapes: options.inputShapes,
                                       fixSymbolsToUpperBound: options.fixDynamicToUpperBound)
            o.boundedInputs = options.boundedInputs
            let cap = UInt64(options.maxMemory.bytes)
            o.limits = PT2Archive.Limits()
            o.limits.maxEntryBytes = min(o.limits.maxEntryBytes, cap)
            o.limits.maxTotalBytes = min(o.limits.maxTotalBytes, cap)
            return try TorchImporter.importModule(path: path, options: o)
        case .onnx:
            if options.fixDynamicToUpperBound { throw ImportFailure("--static applies to .pt2 archives; give ONNX inputs static shapes with --input-shape") }
            if options.modelName != nil { throw ImportFailure("--model applies to .pt2 archives holding several models") }
            var o = ONNXImportOptions(inputShapes: options.inputShapes, sequenceLengths: options.sequenceLengths, absentInputs: options.absentInputs)
            o.boundedInputs = options.boundedInputs.mapValues { ($0.dims, Set($0.ranges.keys), BoundedDims.defaultSymbol) }
            o.inputValues = options.inputValues
            return try ONNXImporter.importModel(path: path, options: o)
        case .eir:
            if !options.inputValues.isEmpty { throw ImportFailure("--input-value applies to ONNX models") }
            if options.fixDynamicToUpperBound { throw ImportFailure("--static applies to .pt2 archives; give .eir inputs static shapes with --input-shape") }
            if options.modelName != nil { throw ImportFailure("--model applies to .pt2 archives holding several models") }
            return try IRFile.read(path: path)
        }
    }
}
