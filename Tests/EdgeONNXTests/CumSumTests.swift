import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeONNX

/// ONNX CumSum, lowered as a masked sum (EdgeIR's CumulativeSum), against values worked out by
/// hand from the ONNX definition: inclusive / exclusive, forward / reverse, negative axes, integer
/// and float inputs, and the RoBERTa position-id pattern.
@Suite struct CumSumTests {
    func model(_ dims: [Int], axis: Int64, element: Onnx_TensorProto.DataType = .float, exclusive: Int = 0, reverse: Int = 0) -> ModelBuilder {
        var m = ModelBuilder(opset: 14)
        m.input("x", dims, element)
        m.initializer("axis", [], ints: [axis])
        m.node("CumSum", ["x", "axis"], ["y"], name: "cumsum", [Attr.int("exclusive", exclusive), Attr.int("reverse", reverse)])
        m.output("y", element)
        return m
    }

    @Test(arguments: [
        (0, 0, [1.0, 3, 6, 4, 9, 15]), (1, 0, [0.0, 1, 3, 0, 4, 9]),
        (0, 1, [6.0, 5, 3, 15, 11, 6]), (1, 1, [5.0, 3, 0, 11, 6, 0]),
    ])
    func flagsAlongTheLastAxis(_ exclusive: Int, _ reverse: Int, _ expected: [Double]) throws {
        let module = try model([2, 3], axis: -1, exclusive: exclusive, reverse: reverse).importModule()
        let x = try Tensor(converting: [1, 2, 3, 4, 5, 6], dtype: .f32, shape: [2, 3])
        let y = try evaluateMain(module, [x])[0]
        #expect(y.shape == [2, 3])
        #expect(y.doubles() == expected)
    }

    @Test func int64AlongTheFirstAxisOfRank3() throws {
        // Rank 3, axis 0: the mask broadcasts as [N, N, 1, 1] against x unsqueezed at 0.
        let module = try model([3, 1, 2], axis: 0, element: .int64).importModule()
        let x = try Tensor(converting: [1, -2, 3, 4, 5, 6], dtype: .i64, shape: [3, 1, 2])
        let y = try evaluateMain(module, [x])[0]
        #expect(y.dtype == .i64 && y.shape == [3, 1, 2])
        #expect(y.int64s() == [1, -2, 4, 2, 9, 8])
    }

    @Test func constantInputFoldsAtImport() throws {
        var m = ModelBuilder(opset: 11)
        m.initializer("x", [4], ints: [1, 1, 0, 1])
        m.initializer("axis", [1], ints: [0])
        m.node("CumSum", ["x", "axis"], ["y"], name: "cumsum")
        m.output("y", .int64)
        let module = try m.importModule()
        #expect(!module.opNames.contains("edge.sum"))
        #expect(try evaluateMain(module, [])[0].int64s() == [1, 2, 2, 3])
    }

    @Test func dynamicAxisNamesTheNodeAndTheFix() throws {
        var m = ModelBuilder(opset: 14)
        m.input("x", [1, "sequence"], .int64)
        m.initializer("axis", [], ints: [1])
        m.node("CumSum", ["x", "axis"], ["y"], name: "positions")
        m.output("y", .int64)
        let text = m.importError()
        #expect(text.contains("positions"), "\(text)")
        #expect(text.contains("static size"), "\(text)")
        #expect(text.contains("--input-shape"), "\(text)")
        // With the dim fixed it imports.
        #expect(try m.importModule(inputShapes: ["x": [1, 5]]).opNames.contains("edge.sum"))
    }
}
