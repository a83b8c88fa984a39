import EdgeIR
import Foundation

/// Op and pass listings derived from the declarations (never kept by hand).
public enum OpDocumentation {
    /// The markdown of docs/ops.md.
    public static func markdown() -> String {
        var out = """
        # Edge IR operations

        Generated from the op declarations in `Sources/EdgeIR/Ops/` by `edgec list-ops --markdown`.
        Do not edit by hand: `swift test` fails when this file is stale (regenerate with
        `swift run edgec list-ops --markdown > docs/ops.md`).

        The folds column says whether the op declares an evaluation facet (`evaluate:`, the
        EdgeKernels kernel the runtime runs), which constant folding at import and in
        `fold-constants` uses.

        | op | operands | attributes | summary | follows | folds |
        | --- | --- | --- | --- | --- | --- |

        """
        for op in OpRegistry.all {
            let attrs = op.attributes.map(attributeText).joined(separator: "<br>")
            out += "| `\(op.name)` | `\(op.signatureDescription)` | \(attrs.isEmpty ? "—" : attrs) | \(escape(op.summary)) | \(op.reference.isEmpty ? "—" : escape(op.reference)) | \(op.evaluate == nil ? "—" : "yes") |\n"
        }
        return out
    }

    static func attributeText(_ a: AttributeSpec) -> String {
        var s = "`\(a.name)`: \(a.kind.displayName)"
        switch a.presence {
        case .required: s += " (required)"
        case .optional: s += " (optional)"
        case .defaulted(let v): s += " = `\(IRPrinter().attribute(v, resultType: nil))`"
        }
        return s
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// A plain-text table for the terminal.
    public static func text() -> String {
        let width = OpRegistry.all.map(\.name.count).max() ?? 0
        return OpRegistry.all.map { op in
            op.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + op.summary
        }.joined(separator: "\n") + "\n"
    }
}
