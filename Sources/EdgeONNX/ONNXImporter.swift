import EdgeIR
import Foundation
import SwiftProtobuf

/// Settings of one ONNX import.
public struct ONNXImportOptions: Sendable {
    /// Static shapes for graph inputs by name (`--input-shape x=1x3x224x224`); they replace
    /// symbolic dims and must agree with the model's static ones.
    public var inputShapes: [String: [Int]]
    /// Graph inputs bound to fixed values: they import as constants instead of function
    /// arguments, so importers that need values at import time (shapes, axes, pads) can use
    /// them. The conformance runner binds test-data inputs this way when an import needs it.
    /// Keys are graph input names, or the flattened names of sequence elements (`seq.0`).
    public var constantInputs: [String: ONNXTensorFile]
    /// Graph inputs compiled as constants given as numbers (`--input-value sr=16000`): the
    /// values in the input's declared element type and shape (a scalar takes one number).
    /// Like ``constantInputs`` they import as constants, so an If that switches on one (a
    /// sample-rate switch) takes its branch at import and the program no longer takes the input.
    public var inputValues: [String: [Double]] = [:]
    /// The length of each sequence graph input (`--sequence-length seq=3`): edgec compiles
    /// sequences of a length known at compile time, and the elements become the inputs
    /// `seq.0`, `seq.1`, ... (keys of nested sequences are flattened names too: `seq.0`).
    public var sequenceLengths: [String: Int]
    /// Optional graph inputs compiled as absent (`--absent opt`); the others are present.
    public var absentInputs: Set<String>
    /// Graph inputs with a bounded dim (`--input-shape x=1..8,3,224,224`): `dims` are the sizes
    /// (static axes must agree with the model), each axis in `ranged` imports as a symbol — the
    /// model's own `dim_param` there, else `symbol` — even where the model declares a static
    /// size, so nothing sized by it (a Gather's index reshape, a Flatten) is fixed at import.
    public var boundedInputs: [String: (dims: [Int], ranged: Set<Int>, symbol: String)] = [:]

    public init(inputShapes: [String: [Int]] = [:], constantInputs: [String: ONNXTensorFile] = [:],
                sequenceLengths: [String: Int] = [:], absentInputs: Set<String> = []) {
        self.inputShapes = inputShapes
        self.constantInputs = constantInputs
        self.sequenceLengths = sequenceLengths
        self.absentInputs = absentInputs
    }

    /// Parses `name=1x3x224x224` (see ``InputShape/parse(_:)``).
    public static func parseInputShape(_ text: String) throws(DiagnosticError) -> (name: String, dims: [Int]) {
        try InputShape.parse(text)
    }
}

/// Imports ONNX models (opsets 7 up to the newest of onnx 1.23.2) into Edge IR.
///
/// Follows the ONNX IR spec (https://onnx.ai/onnx/repo-docs/IR.html) and the operator
/// definitions of https://onnx.ai/onnx/operators/; each node is imported by the importer for
/// the operator definition that the model's default-domain opset selects.
public enum ONNXImporter {
    /// The oldest default-domain opset edgec imports.
    public static let oldestOpset = 7
    /// The newest default-domain opset edgec imports (that of the pinned onnx release).
    public static var newestOpset: Int { newestONNXOpset }

    /// Reads and imports the model at `path`; external data is read relative to its folder.
    public static func importModel(path: String, options: ONNXImportOptions = ONNXImportOptions()) throws(DiagnosticError) -> Module {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw DiagnosticError(Diagnostic(.error, "cannot read \(path): \(error.localizedDescription)"))
        }
        return try importModel(data: data, directory: url.deletingLastPathComponent(), fileName: url.lastPathComponent, options: options)
    }

    /// Imports a serialized ModelProto. `directory` is where external data lives (nil: none allowed).
    public static func importModel(
        data: Data, directory: URL?, fileName: String = "model.onnx", options: ONNXImportOptions = ONNXImportOptions()
    ) throws(DiagnosticError) -> Module {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw DiagnosticError(Diagnostic(.error, "\(fileName) is not a valid ONNX model (the protobuf does not parse: \(error)); is the file truncated or of another format?"))
        }
        do {
            return try importModel(model, directory: directory, options: options)
        } catch let e as ImportError {
            throw DiagnosticError(Diagnostic(.error, e.message))
        } catch let e as DiagnosticError {
            throw e
        } catch {
            throw DiagnosticError(Diagnostic(.error, "\(error)"))
        }
    }

    /// Imports a parsed ModelProto.
    static func importModel(_ model: Onnx_ModelProto, directory: URL?, options: ONNXImportOptions) throws -> Module {
        guard model.hasGraph else { throw ImportError("the model has no graph (is this an ONNX model?)") }
        let defaults = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opsetEntry = defaults.last else {
            // Nodes of other domains only (ai.onnx.ml, preview): say which ops are missing.
            try GraphImporter.checkSupport(model.graph.node, opset: newestOpset)
            throw ImportError("the model imports no opset of the default ONNX domain (opset_import is empty)")
        }
        let opset = Int(opsetEntry.version)
        guard opset >= oldestOpset, opset <= newestOpset else {
            throw ImportError("the model uses opset \(opset); edgec imports opsets \(oldestOpset) to \(newestOpset) (convert it with onnx.version_converter)")
        }
        let graph = model.graph
        let module = Module(name: graph.name.isEmpty ? "model" : graph.name)
        module.attributes["source"] = .string("onnx")
        module.attributes["onnx_opset"] = .int(Int64(opset))
        module.attributes["onnx_ir_version"] = .int(model.irVersion)
        if !model.producerName.isEmpty {
            module.attributes["producer"] = .string(model.producerName + (model.producerVersion.isEmpty ? "" : " " + model.producerVersion))
        }
        if !model.domain.isEmpty { module.attributes["onnx_domain"] = .string(model.domain) }
        if model.hasModelVersion { module.attributes["model_version"] = .int(model.modelVersion) }
        let importer = GraphImporter(module: module, opset: opset, external: directory.map(ExternalDataReader.init))
        try importer.run(graph, options: options)
        do {
            try Verifier.verify(module)
        } catch {
            throw ImportError("the imported IR does not verify (an edgec bug): \(error)")
        }
        return module
    }

    /// The markdown of docs/onnx.md: every supported operator and the definitions it covers.
    public static func supportedOperatorsMarkdown() -> String {
        var out = """
        # ONNX operators edgec imports

        Generated from the importer table in `Sources/EdgeONNX/Importers/` by
        `edgec list-onnx-ops --markdown`. Do not edit by hand: `swift test` fails when this file
        is stale (regenerate with `swift run edgec list-onnx-ops --markdown > docs/onnx.md`).

        Default domain, opsets \(oldestOpset) to \(newestOpset) (onnx \(onnxSchemaRelease)). An op's importer is
        chosen by the definition the model's opset selects: the newest `since_version` of the op
        that is not newer than the model's opset. "Definitions" lists the since-versions each
        importer covers; an opset that selects an unlisted definition is reported as unsupported.

        | operator | definitions covered | ONNX definitions |
        | --- | --- | --- |

        """
        for (op, versions) in ONNXOps.supportTable {
            let covered = versions.map { $0.map(String.init).joined(separator: ", ") }.joined(separator: " · ")
            let all = (onnxSchemaVersions[op] ?? []).map(String.init).joined(separator: ", ")
            out += "| \(op) | \(covered) | \(all) |\n"
        }
        return out
    }

    /// One line per supported operator, for the terminal.
    public static func supportedOperatorsText() -> String {
        let table = ONNXOps.supportTable
        let width = table.map(\.opType.count).max() ?? 0
        return table.map { op, versions in
            op.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + "definitions " + versions.map { $0.map(String.init).joined(separator: ", ") }.joined(separator: " · ")
        }.joined(separator: "\n") + "\n"
    }
}
