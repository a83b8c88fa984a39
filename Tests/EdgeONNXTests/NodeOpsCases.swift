import EdgeIR
import Testing

/// Importer cases of the ops added for node-suite coverage (trig, Round, bitwise, BitShift,
/// products, TopK, scatters, GatherND, depth/space rearrangements, EyeLike, OneHot, Hardmax,
/// Lp norms and pools, GridSample); run by `OpImporterTests.importsTo` (``allOpCases``).
let nodeOpsCases: [OpCase] = [
    OpCase("Tan", ["edge.tan"], "f32[1,3,8,8]") { singleNode("Tan") },
    OpCase("Asin", ["edge.asin"], "f32[1,3,8,8]") { singleNode("Asin") },
    OpCase("Acos", ["edge.acos"], "f32[1,3,8,8]") { singleNode("Acos") },
    OpCase("Atan", ["edge.atan"], "f32[1,3,8,8]") { singleNode("Atan") },
    OpCase("Sinh", ["edge.sinh"], "f32[1,3,8,8]") { singleNode("Sinh") },
    OpCase("Cosh", ["edge.cosh"], "f32[1,3,8,8]") { singleNode("Cosh") },
    OpCase("Asinh", ["edge.asinh"], "f32[1,3,8,8]") { singleNode("Asinh") },
    OpCase("Acosh", ["edge.acosh"], "f32[1,3,8,8]") { singleNode("Acosh") },
    OpCase("Atanh", ["edge.atanh"], "f32[1,3,8,8]") { singleNode("Atanh") },
    OpCase("Round", ["edge.round"], "f32[1,3,8,8]") { singleNode("Round") },
    OpCase("BitwiseAnd", opset: 18, ["edge.bitwise_and"], "i32[4]") { singleNode("BitwiseAnd", opset: 18, input: [4], element: .int32, extraInputs: ["x"]) },
    OpCase("BitwiseOr", opset: 18, ["edge.bitwise_or"], "i32[4]") { singleNode("BitwiseOr", opset: 18, input: [4], element: .int32, extraInputs: ["x"]) },
    OpCase("BitwiseXor", opset: 18, ["edge.bitwise_xor"], "i32[4]") { singleNode("BitwiseXor", opset: 18, input: [4], element: .int32, extraInputs: ["x"]) },
    OpCase("BitwiseNot", opset: 18, ["edge.bitwise_not"], "i32[4]") { singleNode("BitwiseNot", opset: 18, input: [4], element: .int32) },
    OpCase("BitShift", ["edge.ge", "edge.lt", "edge.logical_and", "edge.where", "edge.bitwise_left_shift", "edge.where"], "u8[4]") {
        singleNode("BitShift", input: [4], element: .uint8, extraInputs: ["x"], [Attr.string("direction", "LEFT")])
    },
    OpCase("ReduceProd", opset: 13, ["edge.prod"], "f32[1,3,8,1]") { singleNode("ReduceProd", opset: 13, [Attr.ints("axes", [3])]) },
    OpCase("CumProd", opset: 26, ["edge.unsqueeze", "edge.where", "edge.prod"], "f32[1,3,8,8]") {
        singleNode("CumProd", opset: 26, extraInputs: ["axis"]) { m in m.initializer("axis", [], ints: [3]) }
    },
    OpCase("TopK", opset: 11, ["edge.topk"], "f32[1,3,8,2]") {
        singleNode("TopK", opset: 11, extraInputs: ["k"], outputs: 2) { m in m.initializer("k", [1], ints: [2]) }
    },
    OpCase("ScatterElements", opset: 18, ["edge.scatter"], "f32[1,3,8,8]") {
        singleNode("ScatterElements", opset: 18, extraInputs: ["i", "u"], [Attr.int("axis", 3)]) { m in
            m.initializer("i", [1, 3, 8, 2], ints: [Int64](repeating: 1, count: 48)); m.initializer("u", [1, 3, 8, 2], w([1, 3, 8, 2]))
        }
    },
    OpCase("Scatter", opset: 9, ["edge.scatter"], "f32[1,3,8,8]") {
        singleNode("Scatter", opset: 9, extraInputs: ["i", "u"], [Attr.int("axis", 3)]) { m in
            m.initializer("i", [1, 3, 8, 2], ints: [Int64](repeating: 1, count: 48)); m.initializer("u", [1, 3, 8, 2], w([1, 3, 8, 2]))
        }
    },
    OpCase("ScatterND", opset: 18, ["edge.scatter"], "f32[1,3,8,8]") {
        singleNode("ScatterND", opset: 18, extraInputs: ["i", "u"]) { m in
            m.initializer("i", [1, 1], ints: [0]); m.initializer("u", [1, 3, 8, 8], w([1, 3, 8, 8]))
        }
    },
    OpCase("GatherND", opset: 13, ["edge.reshape", "edge.index_select"], "f32[1,8,8]") {
        singleNode("GatherND", opset: 13, extraInputs: ["i"]) { m in m.initializer("i", [1, 2], ints: [0, 1]) }
    },
    OpCase("DepthToSpace", opset: 13, ["edge.reshape", "edge.permute", "edge.reshape"], "f32[1,2,4,4]") {
        singleNode("DepthToSpace", opset: 13, input: [1, 8, 2, 2], [Attr.int("blocksize", 2)])
    },
    OpCase("SpaceToDepth", opset: 13, ["edge.reshape", "edge.permute", "edge.reshape"], "f32[1,12,4,4]") {
        singleNode("SpaceToDepth", opset: 13, [Attr.int("blocksize", 2)])
    },
    OpCase("EyeLike", [], "f32[4,4]", contains: ["edge.constant"]) { singleNode("EyeLike", input: [4, 4]) },
    OpCase("OneHot", opset: 11, ["edge.lt", "edge.add", "edge.where", "edge.unsqueeze", "edge.eq", "edge.where"], "f32[3,4]") {
        var m = ModelBuilder(opset: 11); m.input("i", [3], .int64); m.initializer("d", [], ints: [4]); m.initializer("v", [2], [0, 1])
        m.node("OneHot", ["i", "d", "v"], ["y"]); m.output("y"); return m
    },
    OpCase("Hardmax", opset: 13, ["edge.argmax", "edge.eq", "edge.cast"], "f32[1,3,8,8]") { singleNode("Hardmax", opset: 13) },
    OpCase("LpNormalization", ["edge.abs", "edge.sum", "edge.div"], "f32[1,3,8,8]") { singleNode("LpNormalization", [Attr.int("axis", 1), Attr.int("p", 1)]) },
    OpCase("LpPool", opset: 18, ["edge.abs", "edge.avg_pool2d", "edge.mul"], "f32[1,3,7,7]") { singleNode("LpPool", opset: 18, [Attr.ints("kernel_shape", [2, 2]), Attr.int("p", 1)]) },
    OpCase("GridSample", opset: 16, ["edge.grid_sample"], "f32[1,3,4,4]") {
        singleNode("GridSample", opset: 16, extraInputs: ["g"]) { m in m.initializer("g", [1, 4, 4, 2], w([1, 4, 4, 2], 0.25)) }
    },
]

