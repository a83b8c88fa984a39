import EdgeKernels
import Foundation
import Testing
@testable import EdgeConformance

@Suite struct ComparisonTests {
    let tol = Tolerance(rtol: 1e-3, atol: 1e-5)

    @Test func floatsWithinToleranceMatch() throws {
        let e = try Tensor([1.0, -2.0, 1000.0] as [Float], shape: [3])
        let a = try Tensor([1.000001, -2.000001, 1000.5] as [Float], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: a, tolerance: tol) == nil)
    }

    @Test func floatsOutsideToleranceReportErrors() throws {
        let e = try Tensor([1.0, 2.0, 3.0, 4.0] as [Float], shape: [2, 2])
        let a = try Tensor([1.0, 2.0, 3.0, 4.5] as [Float], shape: [2, 2])
        let m = try #require(TensorComparison.compare(expected: e, actual: a, tolerance: tol))
        #expect(m.kind == "values")
        #expect(m.badCount == 1)
        #expect(abs(m.maxAbsError - 0.5) < 1e-9)
        #expect(abs(m.maxRelError - 0.125) < 1e-9)
        #expect(m.message.contains("[1, 1]"))
    }

    @Test func nanMatchesNanAndInfinitiesAreValues() throws {
        let e = try Tensor([Float.nan, .infinity, -.infinity], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: e, tolerance: tol) == nil)
        let a = try Tensor([Float.nan, .infinity, .infinity], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: a, tolerance: tol)?.badCount == 1)
        let b = try Tensor([0, .infinity, -.infinity] as [Float], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: b, tolerance: tol)?.badCount == 1)
        let c = try Tensor([Float.nan, 1e30, -.infinity], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: c, tolerance: Tolerance(rtol: 1, atol: 1e38))?.badCount == 1)
    }

    @Test func integersAndBoolsAreExact() throws {
        let e = try Tensor([1, 2, 3] as [Int64], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: e, tolerance: tol) == nil)
        let a = try Tensor([1, 2, 4] as [Int64], shape: [3])
        #expect(TensorComparison.compare(expected: e, actual: a, tolerance: Tolerance(rtol: 1, atol: 1))?.kind == "values")
        let t = try Tensor([true, false], shape: [2]), f = try Tensor([true, true], shape: [2])
        #expect(TensorComparison.compare(expected: t, actual: f, tolerance: tol)?.badCount == 1)
    }

    @Test func u64IsExactAndShownUnsigned() throws {
        let e = try Tensor([UInt64.max, 3], shape: [2])
        #expect(TensorComparison.compare(expected: e, actual: e, tolerance: tol) == nil)
        let a = try Tensor([UInt64.max - 1, 3], shape: [2])
        let m = try #require(TensorComparison.compare(expected: e, actual: a, tolerance: Tolerance(rtol: 1, atol: 10)))
        #expect(m.badCount == 1)
        #expect(m.message.contains("18446744073709551614, expected 18446744073709551615"))
    }

    @Test func dtypeAndShapeMustMatch() throws {
        let e = try Tensor([1, 2] as [Float], shape: [2])
        #expect(TensorComparison.compare(expected: e, actual: try Tensor([1, 2] as [Double], shape: [2]), tolerance: tol)?.kind == "dtype")
        #expect(TensorComparison.compare(expected: e, actual: try Tensor([1, 2] as [Float], shape: [1, 2]), tolerance: tol)?.kind == "shape")
    }

    @Test func emptyTensorsMatch() throws {
        let e = try Tensor(zeros: [0, 3], dtype: .f32)
        #expect(TensorComparison.compare(expected: e, actual: e, tolerance: tol) == nil)
    }
}

@Suite struct ClassifierTests {
    @Test func importOfUnsupportedOps() {
        let (o, r) = Classifier.classify(CaseFailure(.import, "error: 2 nodes use ops edgec does not support: Foo (opset 13, definition 13) ×1 at \"a\"; Bar (opset 13, definition 1) ×1 at \"b\""))
        #expect(o == .unsupported)
        #expect(r == "import: op Foo, Bar")
    }

    @Test func loweringAndKernels() {
        let (o, r) = Classifier.classify(CaseFailure(.compile, "error: 2 nodes have no lowering for backend portable: edge.erf at \"y\", edge.sin at %z (f16 is not supported)"))
        #expect(o == .unsupported)
        #expect(r == "lowering: edge.erf, edge.sin (f16 is not supported)")
        let (o2, r2) = Classifier.classify(CaseFailure(.load, "no kernel for aten::erf.out in edgec's interpreter"))
        #expect(o2 == .unsupported)
        #expect(r2 == "kernel: aten::erf.out")
    }

    @Test func attributeOfANode() {
        let (o, r) = Classifier.classify(CaseFailure(.import, "error: node \"y\" (Resize, opset 19): mode \"cubic\" is not supported"))
        #expect(o == .unsupported)
        #expect(r == "import: Resize: mode \"…\" is not supported")
    }

    @Test func otherDiagnosticsAreErrors() {
        let (o, r) = Classifier.classify(CaseFailure(.run, "instruction 3 (kernel aten::add.out at node \"Add_1\"): shape mismatch [2, 3] vs [4]"))
        #expect(o == .error)
        // The node name differs between cases with the same cause, so it is normalized away.
        #expect(r == "run: instruction N (kernel aten::add.out at node \"…\"): shape mismatch […] vs […]")
    }

    @Test func missingKernelsGroupByKernelNotByNode() {
        let (o, r) = Classifier.classify(CaseFailure(.load, "no kernel for aten::foo.out in edgec's interpreter (first used: aten::foo.out at node \"Foo_3\")"))
        #expect(o == .unsupported)
        #expect(r == "kernel: aten::foo.out")
    }

    @Test func comparisonFailuresAreMismatches() {
        #expect(Classifier.classify(CaseFailure(.compare, "test_data_set_0 output 0 \"y\": shape: shape [2], expected [3]")) == (.mismatch, "mismatch: shape"))
        #expect(Classifier.classify(CaseFailure(.compare, "test_data_set_0: the program returned 1 outputs, the reference has 2")) == (.mismatch, "mismatch: output count"))
    }

    @Test func resultLinesRoundTrip() throws {
        let r = CaseResult(name: "test_x", outcome: .mismatch, reason: "mismatch: values", message: "m", ops: ["Add"], seconds: 0.5)
        let parsed = try #require(CaseResult.parse(output: "noise\n" + r.jsonLine() + "\n"))
        #expect(parsed.name == "test_x" && parsed.outcome == .mismatch && parsed.ops == ["Add"])
    }
}
