import EdgeIR
import Foundation

/// How a `.pt2` import treats symbolic dimensions.
public struct TorchImportOptions: Sendable {
    /// The model to import from `models/<name>.json`; nil takes the only one (or `model`).
    public var modelName: String?
    /// Static shapes for user inputs, by input name. Each symbol they pin down is replaced
    /// by its size everywhere in the graph (and checked against its range constraint).
    public var inputShapes: [String: [Int]] = [:]
    /// Replace every symbol still free after `inputShapes` by its range's upper bound.
    public var fixSymbolsToUpperBound = false
    /// Inputs with a bounded dim (`--input-shape x=1..8,16,32`), by name: `dims` holds the sizes
    /// (each range's upper bound), `ranges` the ranged axes. The symbol at a ranged axis stays
    /// symbolic (its range must lie inside the one the model was exported for); the other
    /// dims are bound as `inputShapes` binds them.
    public var boundedInputs: [String: (dims: [Int], ranges: [Int: ClosedRange<Int>])] = [:]
    /// Extraction limits for the archive.
    public var limits = PT2Archive.Limits()

    public init(modelName: String? = nil, inputShapes: [String: [Int]] = [:], fixSymbolsToUpperBound: Bool = false) {
        self.modelName = modelName
        self.inputShapes = inputShapes
        self.fixSymbolsToUpperBound = fixSymbolsToUpperBound
    }
}

/// Imports a torch.export program (`.pt2`, written by `torch.export.save`) into Edge IR.
///
/// User inputs become the arguments of `@main` (named as in Python), parameters, buffers and
/// tensor constants become `edge.constant`s whose bytes are blobs named by their fully
/// qualified names, and each ATen call is lowered through ``ATenTable``. Symbolic sizes stay
/// symbolic (`?s0`) unless fixed by ``TorchImportOptions``; range constraints are recorded as
/// module attributes `torch.range.<symbol> = [min, max]` (max -1 when unbounded).
public enum TorchImporter {
    /// Reads and imports the archive at `path`.
    public static func importModule(path: String, options: TorchImportOptions = TorchImportOptions()) throws(TorchImportError) -> Module {
        let archive = try PT2Archive(path: path, limits: options.limits)
        return try importModule(archive: archive, options: options)
    }

    /// Imports an opened archive.
    public static func importModule(archive: PT2Archive, options: TorchImportOptions = TorchImportOptions()) throws(TorchImportError) -> Module {
        let models = archive.modelNames
        let model: String
        if let m = options.modelName {
            guard models.contains(m) else {
                throw TorchImportError("the archive has no model '\(m)' (models: \(models.joined(separator: ", ")))", file: archive.path)
            }
            model = m
        } else if models.count == 1 {
            model = models[0]
        } else if models.contains("model") {
            model = "model"
        } else if models.isEmpty {
            throw TorchImportError("missing entry '\(archive.root)/models/<name>.json': the archive holds no exported program", file: archive.path)
        } else {
            throw TorchImportError("the archive holds several models (\(models.joined(separator: ", "))); choose one", file: archive.path)
        }
        let entry = "models/\(model).json"
        let json = try JSONValue.parse(try archive.read(entry), what: "\(archive.root)/\(entry)")
        let program: TorchExportedProgram
        do {
            program = try TorchExportedProgram(JSONCursor(json, path: entry))
        } catch {
            throw TorchImportError(error.message, file: archive.path)
        }
        let payloads = try TensorPayloads(archive: archive, model: model)
        let importer = try GraphImporter(program: program, payloads: payloads, options: options, moduleName: model)
        do {
            return try importer.run()
        } catch {
            var e = error
            e.file = archive.path
            throw e
        }
    }

    /// The ATen targets the importer lowers, sorted (`aten.conv2d.default`, ...).
    public static var supportedTargets: [String] { ATenTable.lowerings.keys.sorted() }

    /// A one-line description of how each supported target is lowered, by target.
    public static var targetDescriptions: [(target: String, lowering: String)] {
        ATenTable.lowerings.keys.sorted().map { ($0, ATenTable.lowerings[$0]!.summary) }
    }
}
