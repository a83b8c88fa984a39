import Foundation
import Testing

@testable import EdgeONNX

@Suite("ONNX importer table against the onnx 1.23.2 schema versions")
struct SchemaCoverageTests {
    /// Definitions deliberately not imported, with the reason.
    static let notCovered: [String: [Int: String]] = [
        "Upsample": [10: "deprecated in opset 10 (use Resize)"],
    ]

    @Test func everyImporterNamesRealDefinitions() {
        for e in ONNXOps.all {
            let known = onnxSchemaVersions[e.opType] ?? []
            #expect(!known.isEmpty, "\(e.opType) is not an ONNX operator")
            for v in e.versions { #expect(known.contains(v), "\(e.opType) has no definition \(v) (definitions: \(known))") }
        }
    }

    @Test func supportedOpsCoverEveryDefinitionFromOpset7() {
        for (op, groups) in ONNXOps.supportTable {
            let covered = groups.flatMap { $0 }
            #expect(covered.count == Set(covered).count, "\(op): a definition is claimed by two importers")
            let all = onnxSchemaVersions[op] ?? []
            let first = ONNXOps.schemaVersion(op, opset: ONNXImporter.oldestOpset) ?? all.first ?? 0
            for v in all where v >= first && !covered.contains(v) && Self.notCovered[op]?[v] == nil {
                Issue.record("\(op) definition \(v) (opset \(v)+) has no importer")
            }
        }
    }

    @Test func lookupPicksTheNewestDefinitionNotAfterTheOpset() throws {
        #expect(ONNXOps.lookup("Clip", opset: 10)?.version == 6)
        #expect(ONNXOps.lookup("Clip", opset: 12)?.version == 12)
        #expect(ONNXOps.lookup("Softmax", opset: 12)?.version == 11)
        #expect(ONNXOps.lookup("Softmax", opset: 28)?.version == 13)
        #expect(ONNXOps.lookup("Gelu", opset: 19) == nil)
        #expect(ONNXOps.lookup("Upsample", opset: 10) == nil)
        #expect(ONNXOps.lookup("NonMaxSuppression", opset: 14) == nil)
    }

    @Test func onnxDocIsCurrent() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/onnx.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == ONNXImporter.supportedOperatorsMarkdown(),
                "docs/onnx.md is stale: run `swift run edgec list-onnx-ops --markdown > docs/onnx.md`")
    }
}
