import EdgeBackends
import EdgeONNX
import EdgePasses

/// The `edgec list-*` listings, each derived from its declaration (registries and tables).
public enum Listings {
    /// `edgec list-passes`: every pass with its summary, then the pipeline of each level.
    public static func passes() -> String {
        let width = PassCatalog.all.map(\.name.count).max() ?? 0
        var out = ""
        for p in PassCatalog.all {
            out += p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.summary + "\n"
        }
        out += "\nPipelines (edgec compile -O<n>, the portable backend omits fuse-activation; edgec opt -O<n>):\n"
        for level in OptimizationLevel.allCases {
            let pipeline = level.pipeline()
            out += "  \(level)  \(pipeline.isEmpty ? "(no passes: import only)" : pipeline)\n"
        }
        return out
    }

    /// The pass names `--passes` accepts, in registry order.
    public static var passNames: [String] { PassCatalog.all.map(\.name) }

    /// `edgec list-backends`: every registered backend with its summary (the first is the default).
    public static func backends() -> String {
        let width = BackendRegistry.names.map(\.count).max() ?? 0
        return BackendRegistry.all.map { $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary + "\n" }.joined()
    }

    /// The backend names `--backend` accepts, comma-separated, and the default.
    public static var backendNames: String { BackendRegistry.names.joined(separator: ", ") }
    public static var defaultBackend: String { BackendRegistry.defaultBackend.name }

    /// docs/lowering.md: the ATen kernels each op lowers to on the portable backend.
    public static func loweringMarkdown() -> String { PortableBackend.loweringMarkdown() }

    /// docs/arm-cpu.md: the ops the arm-cpu backend hands to XNNPACK, and when.
    public static func xnnpackMarkdown() -> String { XNNPACKSupport.markdown() }

    /// docs/onnx.md (markdown) or its text form: the ONNX operators the importer supports.
    public static func onnxOperators(markdown: Bool) -> String {
        markdown ? ONNXImporter.supportedOperatorsMarkdown() : ONNXImporter.supportedOperatorsText()
    }
}
