import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeONNX

/// Importers added for node-suite coverage, checked against values worked out by hand from the
/// ONNX definitions (evaluated with the ops' EdgeKernels facets, the kernels the interpreter runs).
@Suite struct NodeCoverageTests {
    func run(_ m: ModelBuilder, _ inputs: [Tensor]) throws -> [Tensor] { try evaluateMain(try m.importModule(), inputs) }

    @Test func bitShiftOutOfRangeAmountsGiveTheSignFill() throws {
        // x = [-1, 4, -4, -4] shifted by [1, 8, -1, 1] as int8: 8 and -1 are outside 0..<8.
        for (direction, expected) in [("LEFT", [-2.0, 0, 0, -8]), ("RIGHT", [-1.0, 0, -1, -2])] {
            var m = ModelBuilder(opset: 28)
            m.input("x", [4], .int8)
            m.input("s", [4], .int8)
            m.node("BitShift", ["x", "s"], ["y"], name: "shift", [Attr.string("direction", direction)])
            m.output("y", .int8)
            let x = try Tensor(converting: [-1, 4, -4, -4], dtype: .i8, shape: [4])
            let s = try Tensor(converting: [1, 8, -1, 1], dtype: .i8, shape: [4])
            #expect(try run(m, [x, s])[0].doubles() == expected, "\(direction)")
        }
    }

    @Test func bitwiseOpsOnInt32() throws {
        for (op, expected) in [("BitwiseAnd", [0.0, 2, -8]), ("BitwiseOr", [7.0, 3, -1]), ("BitwiseXor", [7.0, 1, 7])] {
            var m = ModelBuilder(opset: 18)
            m.input("a", [3], .int32)
            m.input("b", [3], .int32)
            m.node(op, ["a", "b"], ["y"])
            m.output("y", .int32)
            let y = try run(m, [try Tensor(converting: [5, 3, -1], dtype: .i32, shape: [3]), try Tensor(converting: [2, 2, -8], dtype: .i32, shape: [3])])[0]
            #expect(y.doubles() == expected, "\(op)")
        }
    }

    @Test func reduceProdOverTwoAxesAndCumProd() throws {
        var m = ModelBuilder(opset: 18)
        m.input("x", [2, 3])
        m.initializer("axes", [2], ints: [0, 1])
        m.node("ReduceProd", ["x", "axes"], ["y"], [Attr.int("keepdims", 0)])
        m.output("y")
        let x = try Tensor(converting: [1, 2, 3, 4, 5, 6], dtype: .f32, shape: [2, 3])
        let y = try run(m, [x])[0]
        #expect(y.shape == [] && y.doubles() == [720])

        var c = ModelBuilder(opset: 26)
        c.input("x", [2, 3])
        c.initializer("axis", [], ints: [1])
        c.node("CumProd", ["x", "axis"], ["y"], [Attr.int("exclusive", 1), Attr.int("reverse", 1)])
        c.output("y")
        #expect(try run(c, [x])[0].doubles() == [6, 3, 1, 30, 6, 1])
    }

    @Test func argMaxSelectLastIndex() throws {
        var m = ModelBuilder(opset: 13)
        m.input("x", [2, 3])
        m.node("ArgMax", ["x"], ["y"], [Attr.int("axis", 1), Attr.int("keepdims", 0), Attr.int("select_last_index", 1)])
        m.output("y", .int64)
        let y = try run(m, [try Tensor(converting: [2, 7, 7, 5, 5, 1], dtype: .f32, shape: [2, 3])])[0]
        #expect(y.shape == [2] && y.int64s() == [2, 1])
    }

    @Test func topKKeepsEqualValuesInIndexOrder() throws {
        var m = ModelBuilder(opset: 11)
        m.input("x", [5])
        m.initializer("k", [1], ints: [3])
        m.node("TopK", ["x", "k"], ["v", "i"])
        m.output("v")
        m.output("i", .int64)
        let out = try run(m, [try Tensor(converting: [1, 3, 2, 3, 3], dtype: .f32, shape: [5])])
        #expect(out[0].doubles() == [3, 3, 3])
        #expect(out[1].int64s() == [1, 3, 4])
    }

    @Test func scatterElementsWrapsNegativeIndicesAndAdds() throws {
        var m = ModelBuilder(opset: 18)
        m.input("x", [1, 4])
        m.initializer("i", [1, 3], ints: [-1, 0, 3])
        m.initializer("u", [1, 3], [10, 20, 30])
        m.node("ScatterElements", ["x", "i", "u"], ["y"], [Attr.int("axis", 1), Attr.string("reduction", "add")])
        m.output("y")
        #expect(try run(m, [try Tensor(converting: [1, 2, 3, 4], dtype: .f32, shape: [1, 4])])[0].doubles() == [21, 2, 3, 44])
    }

    @Test func scatterNDAndGatherNDRows() throws {
        var s = ModelBuilder(opset: 16)
        s.input("x", [3, 2])
        s.initializer("i", [2, 1], ints: [2, 0])
        s.initializer("u", [2, 2], [7, 8, 9, 10])
        s.node("ScatterND", ["x", "i", "u"], ["y"])
        s.output("y")
        let x = try Tensor(converting: [1, 2, 3, 4, 5, 6], dtype: .f32, shape: [3, 2])
        #expect(try run(s, [x])[0].doubles() == [9, 10, 3, 4, 7, 8])

        var g = ModelBuilder(opset: 13)
        g.input("x", [3, 2])
        g.initializer("i", [2, 2], ints: [2, 1, -3, 0])
        g.node("GatherND", ["x", "i"], ["y"])
        g.output("y")
        let y = try run(g, [x])[0]
        #expect(y.shape == [2] && y.doubles() == [6, 1])
    }

    @Test func unsupportedScatterReductionNamesTheNode() {
        var m = ModelBuilder(opset: 18)
        m.input("x", [4])
        m.initializer("i", [1], ints: [0])
        m.initializer("u", [1], [1])
        m.node("ScatterElements", ["x", "i", "u"], ["y"], name: "scatter_max", [Attr.string("reduction", "max")])
        m.output("y")
        let text = m.importError()
        #expect(text.contains("scatter_max") && text.contains("max"), "\(text)")
    }

    @Test func depthToSpaceModes() throws {
        // 8 channels of 1x1 into 2 channels of 2x2: DCR takes channel (row·2 + col)·2 + c, CRD c·4 + row·2 + col.
        for (mode, expected) in [("DCR", [0.0, 2, 4, 6, 1, 3, 5, 7]), ("CRD", [0.0, 1, 2, 3, 4, 5, 6, 7])] {
            var m = ModelBuilder(opset: 13)
            m.input("x", [1, 8, 1, 1])
            m.node("DepthToSpace", ["x"], ["y"], [Attr.int("blocksize", 2), Attr.string("mode", mode)])
            m.output("y")
            let y = try run(m, [try Tensor(converting: (0 ..< 8).map(Double.init), dtype: .f32, shape: [1, 8, 1, 1])])[0]
            #expect(y.shape == [1, 2, 2, 2])
            #expect(y.doubles() == expected, "\(mode)")
        }
    }

    @Test func oneHotWithNegativeIndicesAndHardmax() throws {
        var m = ModelBuilder(opset: 11)
        m.input("i", [3], .int64)
        m.initializer("depth", [], ints: [3])
        m.initializer("values", [2], [0, 5])
        m.node("OneHot", ["i", "depth", "values"], ["y"])
        m.output("y")
        let y = try run(m, [try Tensor(converting: [0, -1, 7], dtype: .i64, shape: [3])])[0]
        #expect(y.shape == [3, 3] && y.doubles() == [5, 0, 0, 0, 0, 5, 0, 0, 0])

        var h = ModelBuilder(opset: 13)
        h.input("x", [2, 3])
        h.node("Hardmax", ["x"], ["y"])
        h.output("y")
        #expect(try run(h, [try Tensor(converting: [1, 4, 4, 0, -1, -2], dtype: .f32, shape: [2, 3])])[0].doubles() == [0, 1, 0, 1, 0, 0])
    }

    @Test func resizeLinearDownsamplingUsesTheGivenScale() throws {
        // 1-D along W: in 4, scale 0.6 → out floor(2.4) = 2; half_pixel x = (y + 0.5) / 0.6 - 0.5:
        // y0 → 0.3333 (1 + 0.3333·1), y1 → 2.0 (3).
        var m = ModelBuilder(opset: 19)
        m.input("x", [1, 1, 1, 4])
        m.initializer("roi", [0], [])
        m.initializer("scales", [4], [1, 1, 1, 0.6])
        m.node("Resize", ["x", "roi", "scales"], ["y"], [Attr.string("mode", "linear")])
        m.output("y")
        let y = try run(m, [try Tensor(converting: [1, 2, 3, 4], dtype: .f32, shape: [1, 1, 1, 4])])[0]
        #expect(y.shape == [1, 1, 1, 2])
        let v = y.doubles()
        #expect(Swift.abs(v[0] - 4.0 / 3.0) < 1e-5 && Swift.abs(v[1] - 3) < 1e-5, "\(v)")
    }

    @Test func resizeNearestAlongAxes() throws {
        var m = ModelBuilder(opset: 19)
        m.input("x", [1, 1, 2, 2])
        m.initializer("sizes", [1], ints: [4])
        m.node("Resize", ["x", "", "", "sizes"], ["y"], [Attr.ints("axes", [3]), Attr.string("nearest_mode", "floor"),
                                                          Attr.string("coordinate_transformation_mode", "asymmetric")])
        m.output("y")
        let y = try run(m, [try Tensor(converting: [1, 2, 3, 4], dtype: .f32, shape: [1, 1, 2, 2])])[0]
        #expect(y.shape == [1, 1, 2, 4] && y.doubles() == [1, 1, 2, 2, 3, 3, 4, 4])
    }

    /// Grid coordinates are run-time data: NaN, ±inf and 1e30 sample outside the input (the
    /// padding, or NaN through the weights) in every mode and padding, never a trap.
    @Test func gridSampleWithNonFiniteCoordinatesDoesNotTrap() throws {
        for mode in ["linear", "nearest", "cubic"] {
            for padding in ["zeros", "border", "reflection"] {
                var m = ModelBuilder(opset: 20)
                m.input("x", [1, 1, 2, 2])
                m.input("g", [1, 1, 4, 2])
                m.node("GridSample", ["x", "g"], ["y"], [Attr.string("mode", mode), Attr.string("padding_mode", padding)])
                m.output("y")
                let x = try Tensor(converting: [1, 2, 3, 4], dtype: .f32, shape: [1, 1, 2, 2])
                let g = try Tensor(converting: [.nan, 0, .infinity, 0, -.infinity, 1e30, 1e30, -1e30], dtype: .f32, shape: [1, 1, 4, 2])
                let y = try run(m, [x, g])[0]
                #expect(y.shape == [1, 1, 1, 4], "\(mode) \(padding)")
            }
        }
    }

    @Test func gridSampleBilinearZerosPadding() throws {
        var m = ModelBuilder(opset: 20)
        m.input("x", [1, 1, 2, 2])
        m.input("g", [1, 1, 2, 2])
        m.node("GridSample", ["x", "g"], ["y"], [Attr.int("align_corners", 1)])
        m.output("y")
        // align_corners: (-1, -1) is x[0, 0]; (0, 0) is the mean of the four.
        let x = try Tensor(converting: [1, 2, 3, 4], dtype: .f32, shape: [1, 1, 2, 2])
        let g = try Tensor(converting: [-1, -1, 0, 0], dtype: .f32, shape: [1, 1, 2, 2])
        #expect(try run(m, [x, g])[0].doubles() == [1, 2.5])
    }

    @Test func trigonometryAndRound() throws {
        for (op, input, expected) in [("Round", [0.5, 1.5, -2.5, 2.4], [0.0, 2, -2, 2]), ("Atan", [0, 1], [0, Double.pi / 4]), ("Cosh", [0], [1])] {
            var m = ModelBuilder(opset: 22)
            m.input("x", [input.count])
            m.node(op, ["x"], ["y"])
            m.output("y")
            let y = try run(m, [try Tensor(converting: input, dtype: .f32, shape: [input.count])])[0].doubles()
            #expect(zip(y, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(op): \(y)")
        }
    }

    @Test func lpPoolAndLpNormalization() throws {
        var m = ModelBuilder(opset: 18)
        m.input("x", [1, 1, 1, 2])
        m.node("LpPool", ["x"], ["y"], [Attr.ints("kernel_shape", [1, 2]), Attr.int("p", 2)])
        m.output("y")
        let x = try Tensor(converting: [3, 4], dtype: .f32, shape: [1, 1, 1, 2])
        #expect(try run(m, [x])[0].doubles().map { ($0 * 1e4).rounded() / 1e4 } == [5])

        var n = ModelBuilder(opset: 22)
        n.input("x", [1, 1, 1, 2])
        n.node("LpNormalization", ["x"], ["y"], [Attr.int("p", 1)])
        n.output("y")
        #expect(try run(n, [x])[0].doubles().map { ($0 * 1e4).rounded() / 1e4 } == [0.4286, 0.5714])
    }
}
