import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeTorch

/// The ATen ops Hugging Face transformers exports leave beyond plain layers (fixtures
/// hf_indexing / hf_indexing_core of Conformance/torch/make_fixtures.py): the imported IR is
/// evaluated with the ops' evaluation facets (the kernels the runtime shares) on the fixture's
/// inputs and must reproduce eager PyTorch's outputs, which make_fixtures.py saved as JSON.
@Suite struct HuggingFaceOpsTests {
    struct Saved: Decodable {
        struct Array: Decodable { let shape: [Int]; let values: [Double] }
        let args: [Array]
        let out: [Array]
    }

    func saved(_ name: String) throws -> Saved {
        try JSONDecoder().decode(Saved.self, from: Data(contentsOf: fixtures.appendingPathComponent(name + ".expected.json")))
    }

    /// Runs @main op by op with the evaluation facets.
    func evaluate(_ module: Module, _ inputs: [Tensor]) throws -> [Tensor] {
        let f = try #require(module.mainFunction)
        var known: [ObjectIdentifier: Tensor] = [:]
        for (a, t) in zip(f.arguments, inputs) { known[ObjectIdentifier(a)] = t }
        for op in f.body.operations {
            if op.name == "return" {
                return try op.operands.map { v in
                    let value = try #require(v)
                    return try #require(known[ObjectIdentifier(value)])
                }
            }
            let results: [Tensor]
            if op.name == "edge.constant" {
                guard case .dense(let d)? = op.attribute("value"), case .scalar(let s) = op.result.type.element,
                      let shape = op.result.type.staticShape else { throw TorchImportError("bad constant") }
                let bytes: [UInt8]
                switch d {
                case .inline(let b): bytes = b
                case .blob(let name): bytes = [UInt8](try #require(module.blobs[name]))
                }
                results = [try Tensor(bytes: bytes, dtype: s, shape: shape)]
            } else {
                let operands = try op.operands.map { v in try v.map { try #require(known[ObjectIdentifier($0)]) } }
                results = try #require(try op.evaluate(operands), "\(op.name) has no evaluation facet")
            }
            for (r, t) in zip(op.results, results) { known[ObjectIdentifier(r)] = t }
        }
        throw TorchImportError("no return")
    }

    func matchesEager(_ name: String, _ options: TorchImportOptions) throws {
        let m = try importFixture(name, options)
        try Verifier.verify(m)
        let s = try saved(name)
        let inputs = try s.args.map { try Tensor(converting: $0.values, dtype: .i64, shape: $0.shape) }
        let outs = try evaluate(m, inputs)
        #expect(outs.count == s.out.count)
        for (got, want) in zip(outs, s.out) {
            #expect(got.shape == want.shape)
            let g = got.doubles()
            #expect(g.count == want.values.count)
            let err = zip(g, want.values).map { abs($0 - $1) }.max() ?? 0
            #expect(err < 1e-5, "\(name): max error \(err)")
        }
    }

    @Test func trainingIRMatchesEager() throws {
        // aten.index.Tensor (adjacent, non-adjacent, negative), cumsum, type_as, where.ScalarOther
        // and ScalarSelf, any.dim, conv1d, arange over the dynamic sequence (fixed to 6).
        try matchesEager("hf_indexing", TorchImportOptions(inputShapes: ["ids": [2, 6], "attention_mask": [2, 6]]))
        let ops = opNamesOf(try importFixture("hf_indexing", TorchImportOptions(inputShapes: ["ids": [2, 6], "attention_mask": [2, 6]])))
        for op in ["edge.index_select", "edge.conv2d", "edge.sum", "edge.amax", "edge.where"] {
            #expect(ops.contains(op), "no \(op) in \(ops)")
        }
    }

    @Test func coreATenMatchesEager() throws {
        // The same after run_decompositions(): aten.scalar_tensor, aten.convolution of rank 3, where.self.
        try matchesEager("hf_indexing_core", TorchImportOptions())
    }

    @Test func dynamicSequenceNeedsInputShapeNamingTheNode() throws {
        let text = importError(try Data(contentsOf: URL(fileURLWithPath: fixture("hf_indexing")))) ?? ""
        #expect(text.contains("node '"), "\(text)")
        #expect(text.contains("--input-shape"), "\(text)")
    }

    func opNamesOf(_ m: Module) -> [String] {
        m.mainFunction!.body.operations.map(\.name).filter { $0 != "edge.constant" && $0 != "return" }
    }
}
