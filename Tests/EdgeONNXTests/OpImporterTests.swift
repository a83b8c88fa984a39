import EdgeIR
import Foundation
import Testing

@testable import EdgeONNX

/// One importer case: a small model, the IR ops it must import to, and the result type.
struct OpCase: CustomTestStringConvertible, Sendable {
    let op: String
    let opset: Int
    let ops: [String]
    let type: String
    let model: @Sendable () -> ModelBuilder
    /// Text the printed IR must contain (attributes).
    let contains: [String]

    init(_ op: String, opset: Int = 17, _ ops: [String], _ type: String, contains: [String] = [], _ model: @escaping @Sendable () -> ModelBuilder) {
        self.op = op; self.opset = opset; self.ops = ops; self.type = type; self.model = model; self.contains = contains
    }

    var testDescription: String { "\(op) opset \(opset)" }
}

nonisolated(unsafe) let f8: [Any] = [1, 3, 8, 8]
func w(_ dims: [Int], _ v: Float = 0.5) -> [Float] { [Float](repeating: v, count: dims.reduce(1, *)) }

/// Every supported ONNX op appears here at least once (checked by `everyImporterHasACase`).
let opCases: [OpCase] = [
    // Elementwise
    OpCase("Add", ["edge.add"], "f32[1,3,8,8]") { singleNode("Add", extraInputs: ["b"]) { $0.initializer("b", [3, 1, 1], [1, 2, 3]) } },
    OpCase("Sub", opset: 7, ["edge.sub"], "f32[1,3,8,8]") { singleNode("Sub", opset: 7, extraInputs: ["x"]) },
    OpCase("Mul", ["edge.mul"], "f32[1,3,8,8]") { singleNode("Mul", extraInputs: ["x"]) },
    OpCase("Div", ["edge.div"], "f32[1,3,8,8]") { singleNode("Div", extraInputs: ["x"]) },
    OpCase("Pow", ["edge.pow"], "f32[1,3,8,8]") { singleNode("Pow", extraInputs: ["x"]) },
    OpCase("Equal", ["edge.eq"], "bool[1,3,8,8]") { singleNode("Equal", extraInputs: ["x"]) },
    OpCase("Less", ["edge.lt"], "bool[1,3,8,8]") { singleNode("Less", extraInputs: ["x"]) },
    OpCase("Greater", ["edge.gt"], "bool[1,3,8,8]") { singleNode("Greater", extraInputs: ["x"]) },
    OpCase("LessOrEqual", ["edge.le"], "bool[1,3,8,8]") { singleNode("LessOrEqual", extraInputs: ["x"]) },
    OpCase("GreaterOrEqual", ["edge.ge"], "bool[1,3,8,8]") { singleNode("GreaterOrEqual", extraInputs: ["x"]) },
    OpCase("And", ["edge.logical_and"], "bool[4]") { singleNode("And", input: [4], element: .bool, extraInputs: ["x"]) },
    OpCase("Or", ["edge.logical_or"], "bool[4]") { singleNode("Or", input: [4], element: .bool, extraInputs: ["x"]) },
    OpCase("Xor", ["edge.logical_xor"], "bool[4]") { singleNode("Xor", input: [4], element: .bool, extraInputs: ["x"]) },
    OpCase("Not", ["edge.logical_not"], "bool[4]") { singleNode("Not", input: [4], element: .bool) },
    OpCase("GatherElements", ["edge.add", "edge.lt", "edge.where", "edge.gather"], "f32[1,3,8,2]") {
        singleNode("GatherElements", extraInputs: ["i"], [Attr.int("axis", 3)]) { m in m.input("i", [1, 3, 8, 2], .int64) }
    },
    OpCase("IsNaN", ["edge.eq", "edge.logical_not"], "bool[1,3,8,8]") { singleNode("IsNaN") },
    OpCase("CumSum", ["edge.unsqueeze", "edge.mul", "edge.sum"], "f32[1,3,8,8]") {
        singleNode("CumSum", extraInputs: ["axis"]) { m in m.initializer("axis", [], ints: [3]) }
    },
    OpCase("IsInf", ["edge.eq", "edge.eq", "edge.logical_or"], "bool[1,3,8,8]", contains: ["dense<inf>", "dense<-inf>"]) { singleNode("IsInf") },
    OpCase("Sum", ["edge.add", "edge.add"], "f32[1,3,8,8]") { singleNode("Sum", extraInputs: ["x", "x"]) },
    OpCase("Max", ["edge.maximum"], "f32[1,3,8,8]") { singleNode("Max", extraInputs: ["x"]) },
    OpCase("Min", ["edge.minimum"], "f32[1,3,8,8]") { singleNode("Min", extraInputs: ["x"]) },
    OpCase("Mean", ["edge.add", "edge.div"], "f32[1,3,8,8]", contains: ["dense<2.0>"]) { singleNode("Mean", extraInputs: ["x"]) },
    OpCase("Where", ["edge.gt", "edge.where"], "f32[1,3,8,8]") {
        var m = ModelBuilder(); m.input("x", f8); m.initializer("z", [], [0])
        m.node("Greater", ["x", "z"], ["c"]); m.node("Where", ["c", "x", "z"], ["y"]); m.output("y"); return m
    },
    OpCase("Mod", [], "i64[3]", contains: ["dense<[1, 2, 0]>"]) {
        var m = ModelBuilder(); m.initializer("a", [3], ints: [7, -7, 6]); m.initializer("b", [], ints: [3])
        m.node("Mod", ["a", "b"], ["y"]); m.output("y"); return m
    },
    // Unary and activations
    OpCase("Relu", ["edge.relu"], "f32[1,3,8,8]") { singleNode("Relu") },
    OpCase("Selu", ["edge.elu", "edge.mul"], "f32[1,3,8,8]") { singleNode("Selu") },
    OpCase("Celu", ["edge.div", "edge.elu", "edge.mul"], "f32[1,3,8,8]") { singleNode("Celu") },
    OpCase("ThresholdedRelu", ["edge.gt", "edge.where"], "f32[1,3,8,8]") { singleNode("ThresholdedRelu") },
    OpCase("Softsign", ["edge.abs", "edge.add", "edge.div"], "f32[1,3,8,8]") { singleNode("Softsign") },
    OpCase("Swish", opset: 24, ["edge.sigmoid", "edge.mul"], "f32[1,3,8,8]") { singleNode("Swish", opset: 24) },
    OpCase("Shrink", ["edge.lt", "edge.gt", "edge.sub", "edge.where", "edge.add", "edge.where"], "f32[1,3,8,8]") { singleNode("Shrink") },
    OpCase("Mish", opset: 18, ["edge.exp", "edge.add", "edge.log", "edge.tanh", "edge.mul"], "f32[1,3,8,8]") { singleNode("Mish", opset: 18) },
    OpCase("Sign", ["edge.lt", "edge.where", "edge.gt", "edge.where"], "f32[1,3,8,8]") { singleNode("Sign") },
    OpCase("Trilu", opset: 14, ["edge.where"], "f32[1,3,8,8]") { singleNode("Trilu", opset: 14) },
    OpCase("NegativeLogLikelihoodLoss", opset: 13, ["edge.unsqueeze", "edge.eq", "edge.where", "edge.sum", "edge.cast", "edge.sum", "edge.neg", "edge.sum", "edge.sum", "edge.div"], "f32[]") {
        var m = ModelBuilder(opset: 13); m.input("x", [2, 3]); m.input("t", [2], .int64)
        m.node("NegativeLogLikelihoodLoss", ["x", "t"], ["y"]); m.output("y"); return m
    },
    OpCase("SoftmaxCrossEntropyLoss", opset: 13, ["edge.log_softmax", "edge.unsqueeze", "edge.eq", "edge.where", "edge.sum", "edge.cast", "edge.sum", "edge.neg", "edge.sum"], "f32[]") {
        var m = ModelBuilder(opset: 13); m.input("x", [2, 3]); m.input("t", [2], .int64)
        m.node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"], [Attr.string("reduction", "sum")]); m.output("y"); return m
    },
    OpCase("Attention", opset: 23, ["edge.permute", "edge.mul", "edge.mul", "edge.matmul", "edge.softmax", "edge.matmul"], "f32[1,2,4,8]") {
        var m = ModelBuilder(opset: 23); for n in ["q", "k", "v"] { m.input(n, [1, 2, 4, 8]) }
        m.node("Attention", ["q", "k", "v"], ["y"]); m.output("y"); return m
    },
    OpCase("Sigmoid", ["edge.sigmoid"], "f32[1,3,8,8]") { singleNode("Sigmoid") },
    OpCase("Tanh", ["edge.tanh"], "f32[1,3,8,8]") { singleNode("Tanh") },
    OpCase("Exp", ["edge.exp"], "f32[1,3,8,8]") { singleNode("Exp") },
    OpCase("Log", ["edge.log"], "f32[1,3,8,8]") { singleNode("Log") },
    OpCase("Sqrt", ["edge.sqrt"], "f32[1,3,8,8]") { singleNode("Sqrt") },
    OpCase("Reciprocal", ["edge.reciprocal"], "f32[1,3,8,8]") { singleNode("Reciprocal") },
    OpCase("Erf", ["edge.erf"], "f32[1,3,8,8]") { singleNode("Erf") },
    OpCase("Neg", ["edge.neg"], "f32[1,3,8,8]") { singleNode("Neg") },
    OpCase("Abs", ["edge.abs"], "f32[1,3,8,8]") { singleNode("Abs") },
    OpCase("Floor", ["edge.floor"], "f32[1,3,8,8]") { singleNode("Floor") },
    OpCase("Ceil", ["edge.ceil"], "f32[1,3,8,8]") { singleNode("Ceil") },
    OpCase("Sin", ["edge.sin"], "f32[1,3,8,8]") { singleNode("Sin") },
    OpCase("Cos", ["edge.cos"], "f32[1,3,8,8]") { singleNode("Cos") },
    OpCase("HardSwish", ["edge.hardswish"], "f32[1,3,8,8]") { singleNode("HardSwish") },
    OpCase("Gelu", opset: 20, ["edge.gelu"], "f32[1,3,8,8]", contains: ["approximate = \"tanh\""]) { singleNode("Gelu", opset: 20, [Attr.string("approximate", "tanh")]) },
    OpCase("LeakyRelu", ["edge.leaky_relu"], "f32[1,3,8,8]", contains: ["negative_slope = 0.2"]) { singleNode("LeakyRelu", [Attr.float("alpha", 0.2)]) },
    OpCase("Elu", ["edge.elu"], "f32[1,3,8,8]", contains: ["alpha = 0.5"]) { singleNode("Elu", [Attr.float("alpha", 0.5)]) },
    OpCase("HardSigmoid", ["edge.mul", "edge.add", "edge.clamp"], "f32[1,3,8,8]") { singleNode("HardSigmoid") },
    OpCase("HardSigmoid", ["edge.hardsigmoid"], "f32[1,3,8,8]") { singleNode("HardSigmoid", [Attr.float("alpha", 1.0 / 6)]) },
    OpCase("Softplus", ["edge.exp", "edge.add", "edge.log"], "f32[1,3,8,8]") { singleNode("Softplus") },
    OpCase("PRelu", ["edge.gt", "edge.mul", "edge.where"], "f32[1,3,8,8]") { singleNode("PRelu", extraInputs: ["s"]) { $0.initializer("s", [3, 1, 1], [0.1, 0.2, 0.3]) } },
    OpCase("Clip", opset: 7, ["edge.clamp"], "f32[1,3,8,8]", contains: ["min = 0.0, max = 6.0"]) { singleNode("Clip", opset: 7, [Attr.float("min", 0), Attr.float("max", 6)]) },
    OpCase("Clip", opset: 13, ["edge.clamp"], "f32[1,3,8,8]", contains: ["{max = 6.0}"]) {
        singleNode("Clip", opset: 13, extraInputs: ["", "hi"]) { $0.initializer("hi", [], [6]) }
    },
    OpCase("Identity", ["edge.relu"], "f32[1,3,8,8]") {
        var m = ModelBuilder(); m.input("x", f8); m.node("Identity", ["x"], ["i"]); m.node("Relu", ["i"], ["y"]); m.output("y"); return m
    },
    OpCase("Dropout", opset: 7, ["edge.relu"], "f32[1,3,8,8]") {
        var m = ModelBuilder(opset: 7); m.input("x", f8); m.node("Dropout", ["x"], ["d"], [Attr.float("ratio", 0.5)]); m.node("Relu", ["d"], ["y"]); m.output("y"); return m
    },
    OpCase("Cast", ["edge.cast"], "f16[1,3,8,8]", contains: ["dtype = \"f16\""]) { singleNode("Cast", [Attr.int("to", 10)]) },
    OpCase("CastLike", ["edge.cast"], "f16[1,3,8,8]", contains: ["dtype = \"f16\""]) {
        var m = ModelBuilder(); m.input("x", f8); m.input("like", [1], .float16)
        m.node("CastLike", ["x", "like"], ["y"]); m.output("y"); return m
    },
    // Convolution, pooling, normalization
    OpCase("Conv", ["edge.conv2d"], "f32[1,4,4,4]", contains: ["stride = [2, 2], padding = [1, 1]"]) {
        singleNode("Conv", extraInputs: ["w", "b"], [Attr.ints("strides", [2, 2]), Attr.ints("pads", [1, 1, 1, 1])]) {
            $0.initializer("w", [4, 3, 3, 3], w([4, 3, 3, 3])); $0.initializer("b", [4], w([4]))
        }
    },
    OpCase("Conv", opset: 11, ["edge.conv2d"], "f32[1,4,8,8]", contains: ["padding = [2, 2, 1, 1]"]) {
        singleNode("Conv", opset: 11, extraInputs: ["w"], [Attr.string("auto_pad", "SAME_LOWER"), Attr.ints("kernel_shape", [4, 4])]) { $0.initializer("w", [4, 3, 4, 4], w([4, 3, 4, 4])) }
    },
    OpCase("Conv", ["edge.unsqueeze", "edge.conv2d", "edge.squeeze"], "f32[1,2,10]") {
        singleNode("Conv", input: [1, 3, 10], extraInputs: ["w"], [Attr.ints("pads", [1, 1])]) { $0.initializer("w", [2, 3, 3], w([2, 3, 3])) }
    },
    OpCase("ConvTranspose", ["edge.conv_transpose2d"], "f32[1,2,16,16]", contains: ["output_padding = [1, 1]"]) {
        singleNode("ConvTranspose", extraInputs: ["w"], [Attr.ints("strides", [2, 2]), Attr.ints("pads", [1, 1, 1, 1]), Attr.ints("output_padding", [1, 1])]) {
            $0.initializer("w", [3, 2, 3, 3], w([3, 2, 3, 3]))
        }
    },
    OpCase("MaxPool", ["edge.max_pool2d"], "f32[1,3,5,5]", contains: ["kernel_size = [3, 3], stride = [2, 2], padding = [1, 1]", "ceil_mode = true"]) {
        singleNode("MaxPool", [Attr.ints("kernel_shape", [3, 3]), Attr.ints("strides", [2, 2]), Attr.ints("pads", [1, 1, 1, 1]), Attr.int("ceil_mode", 1)])
    },
    OpCase("AveragePool", opset: 7, ["edge.avg_pool2d"], "f32[1,3,7,7]", contains: ["count_include_pad = false"]) {
        singleNode("AveragePool", opset: 7, [Attr.ints("kernel_shape", [2, 2])])
    },
    OpCase("GlobalAveragePool", ["edge.global_avg_pool2d"], "f32[1,3,1,1]") { singleNode("GlobalAveragePool") },
    OpCase("GlobalMaxPool", ["edge.amax"], "f32[1,3,1,1]") { singleNode("GlobalMaxPool") },
    OpCase("BatchNormalization", opset: 9, ["edge.batch_norm"], "f32[1,3,8,8]", contains: ["epsilon = 0.001"]) {
        singleNode("BatchNormalization", opset: 9, extraInputs: ["s", "b", "m", "v"], [Attr.float("epsilon", 1e-3)]) { m in
            for n in ["s", "b", "m", "v"] { m.initializer(n, [3], [1, 1, 1]) }
        }
    },
    OpCase("InstanceNormalization", ["edge.group_norm"], "f32[1,3,8,8]", contains: ["groups = 3"]) {
        singleNode("InstanceNormalization", extraInputs: ["s", "b"]) { m in for n in ["s", "b"] { m.initializer(n, [3], [1, 1, 1]) } }
    },
    OpCase("LayerNormalization", ["edge.layer_norm"], "f32[2,5,4]", contains: ["normalized_shape = [4]"]) {
        singleNode("LayerNormalization", input: [2, 5, 4], extraInputs: ["s", "b"]) { m in for n in ["s", "b"] { m.initializer(n, [4], w([4])) } }
    },
    OpCase("LayerNormalization", ["edge.mean", "edge.sub", "edge.mul", "edge.mean", "edge.add", "edge.rsqrt", "edge.mul", "edge.mul", "edge.add"], "f32[2,5,4]") {
        singleNode("LayerNormalization", input: [2, 5, 4], extraInputs: ["s", "b"], outputs: 3) { m in for n in ["s", "b"] { m.initializer(n, [4], w([4])) } }
    },
    OpCase("RMSNormalization", opset: 23, ["edge.mul", "edge.mean", "edge.add", "edge.rsqrt", "edge.mul", "edge.mul"], "f32[2,5,4]") {
        singleNode("RMSNormalization", opset: 23, input: [2, 5, 4], extraInputs: ["s"]) { m in m.initializer("s", [4], w([4])) }
    },
    OpCase("LRN", opset: 9, ["edge.mul", "edge.reshape", "edge.avg_pool2d", "edge.reshape", "edge.mul", "edge.add", "edge.pow", "edge.div"], "f32[1,3,8,8]",
           contains: ["kernel_size = [5, 1]", "padding = [2, 0, 2, 0]"]) { singleNode("LRN", opset: 9, [Attr.int("size", 5)]) },
    // Linear algebra
    OpCase("MatMul", ["edge.matmul"], "f32[?b,5,3]") { singleNode("MatMul", input: ["b", 5, 4], extraInputs: ["w"]) { $0.initializer("w", [4, 3], w([4, 3])) } },
    OpCase("Einsum", ["edge.reshape", "edge.reshape", "edge.matmul", "edge.reshape"], "f32[2,5,3]", contains: ["shape = [2, 5, 4]"]) {
        singleNode("Einsum", input: [2, 5, 4], extraInputs: ["w"], [Attr.string("equation", "bij,bjk->bik")]) { $0.initializer("w", [2, 4, 3], w([2, 4, 3])) }
    },
    OpCase("Einsum", opset: 12, ["edge.reshape", "edge.permute", "edge.reshape", "edge.matmul", "edge.reshape"], "f32[2,3,4,4]") {
        // attention scores: q·kᵀ over d, batch over b and h
        singleNode("Einsum", opset: 12, input: [2, 3, 4, 8], extraInputs: ["k"], [Attr.string("equation", "bhqd,bhkd->bhqk")]) { $0.initializer("k", [2, 3, 4, 8], w([2, 3, 4, 8])) }
    },
    OpCase("Einsum", opset: 13, ["edge.sum", "edge.permute"], "f32[4,2]") {
        // one operand: sum over j, then transpose (implicit form lists 'i' after 'k')
        singleNode("Einsum", opset: 13, input: [2, 3, 4], [Attr.string("equation", "ijk->ki")])
    },
    OpCase("Einsum", opset: 28, ["edge.reshape", "edge.reshape", "edge.matmul", "edge.reshape"], "f32[3]") {
        singleNode("Einsum", opset: 28, input: [3, 4], extraInputs: ["v"], [Attr.string("equation", "...j,j")]) { $0.initializer("v", [4], w([4])) }
    },
    OpCase("Gemm", opset: 9, ["edge.linear"], "f32[2,3]") {
        singleNode("Gemm", opset: 9, input: [2, 4], extraInputs: ["w", "c"], [Attr.int("transB", 1)]) { $0.initializer("w", [3, 4], w([3, 4])); $0.initializer("c", [3], w([3])) }
    },
    OpCase("Gemm", opset: 13, ["edge.permute", "edge.matmul", "edge.mul", "edge.mul", "edge.add"], "f32[2,3]") {
        singleNode("Gemm", opset: 13, input: [4, 2], extraInputs: ["w", "c"], [Attr.int("transA", 1), Attr.float("alpha", 2), Attr.float("beta", 0.5)]) {
            $0.initializer("w", [4, 3], w([4, 3])); $0.initializer("c", [2, 3], w([2, 3]))
        }
    },
    // Shapes
    OpCase("Reshape", ["edge.reshape"], "f32[1,192]", contains: ["shape = [1, 192]"]) { singleNode("Reshape", extraInputs: ["s"]) { $0.initializer("s", [2], ints: [0, -1]) } },
    OpCase("Reshape", ["edge.reshape"], "f32[?n,192]", contains: ["shape = [-1, 192]"]) { singleNode("Reshape", input: ["n", 3, 8, 8], extraInputs: ["s"]) { $0.initializer("s", [2], ints: [0, 192]) } },
    OpCase("Flatten", ["edge.flatten"], "f32[?n,192]") { singleNode("Flatten", input: ["n", 3, 8, 8]) },
    OpCase("Flatten", opset: 13, ["edge.reshape"], "f32[24,8]", contains: ["shape = [24, 8]"]) { singleNode("Flatten", opset: 13, [Attr.int("axis", -1)]) },
    OpCase("Transpose", ["edge.permute"], "f32[8,8,3,1]", contains: ["dims = [3, 2, 1, 0]"]) { singleNode("Transpose") },
    OpCase("Squeeze", opset: 11, ["edge.squeeze"], "f32[3,8,8]") { singleNode("Squeeze", opset: 11, [Attr.ints("axes", [0])]) },
    OpCase("Squeeze", opset: 13, ["edge.squeeze"], "f32[3,8,8]") { singleNode("Squeeze", opset: 13, extraInputs: ["a"]) { $0.initializer("a", [1], ints: [0]) } },
    OpCase("Unsqueeze", opset: 11, ["edge.unsqueeze"], "f32[1,1,3,8,8]") { singleNode("Unsqueeze", opset: 11, [Attr.ints("axes", [0])]) },
    OpCase("Unsqueeze", opset: 13, ["edge.reshape"], "f32[1,3,1,8,8,1]") { singleNode("Unsqueeze", opset: 13, extraInputs: ["a"]) { $0.initializer("a", [2], ints: [-1, 2]) } },
    OpCase("Concat", ["edge.concat"], "f32[1,6,8,8]") { singleNode("Concat", extraInputs: ["x"], [Attr.int("axis", 1)]) },
    OpCase("Expand", ["edge.expand"], "f32[2,3,8,8]", contains: ["shape = [2, 3, 8, 8]"]) { singleNode("Expand", extraInputs: ["s"]) { $0.initializer("s", [4], ints: [2, 1, 1, 1]) } },
    OpCase("Tile", ["edge.repeat"], "f32[1,3,16,8]") { singleNode("Tile", extraInputs: ["r"]) { $0.initializer("r", [4], ints: [1, 1, 2, 1]) } },
    OpCase("ConstantOfShape", ["edge.full"], "f32[64,64,4]") {
        var m = ModelBuilder(); m.initializer("s", [3], ints: [64, 64, 4]); m.node("ConstantOfShape", ["s"], ["y"], [Attr.tensor("value", ModelBuilder.floatTensor("", [1], [2]))]); m.output("y"); return m
    },
    OpCase("Constant", [], "f32[2]") {
        var m = ModelBuilder(); m.node("Constant", [], ["y"], [Attr.floats("value_floats", [1, 2])]); m.output("y"); return m
    },
    OpCase("Shape", opset: 15, [], "i64[3]", contains: ["dense<[3, 8, 8]>"]) { singleNode("Shape", opset: 15, [Attr.int("start", -3)]) },
    OpCase("Size", [], "i64[]", contains: ["dense<192>"]) { singleNode("Size") },
    OpCase("Range", [], "i64[3]", contains: ["dense<[2, 4, 6]>"]) {
        var m = ModelBuilder(); m.initializer("a", [], ints: [2]); m.initializer("b", [], ints: [7]); m.initializer("d", [], ints: [2])
        m.node("Range", ["a", "b", "d"], ["y"]); m.output("y"); return m
    },
    // Indexing
    OpCase("Gather", ["edge.slice", "edge.squeeze"], "f32[1,8,8]", contains: ["start = 2, end = 3"]) { singleNode("Gather", extraInputs: ["i"], [Attr.int("axis", 1)]) { $0.initializer("i", [], ints: [-1]) } },
    OpCase("Gather", ["edge.reshape", "edge.index_select", "edge.reshape"], "f32[2,3,4]") {
        var m = ModelBuilder(); m.input("ids", [2, 3], .int64); m.initializer("table", [10, 4], w([10, 4]))
        m.node("Gather", ["table", "ids"], ["y"]); m.output("y"); return m
    },
    OpCase("Slice", opset: 9, ["edge.slice"], "f32[1,3,4,8]", contains: ["start = 2, end = 6"]) { singleNode("Slice", opset: 9, [Attr.ints("starts", [2]), Attr.ints("ends", [-2]), Attr.ints("axes", [2])]) },
    OpCase("Slice", opset: 13, ["edge.slice", "edge.slice"], "f32[1,3,3,4]", contains: ["step = 2", "start = 1, end = 4"]) {
        singleNode("Slice", opset: 13, extraInputs: ["s", "e", "a", "st"]) { m in
            m.initializer("s", [2], ints: [1, 0]); m.initializer("e", [2], ints: [4, .max]); m.initializer("a", [2], ints: [2, 3]); m.initializer("st", [2], ints: [1, 2])
        }
    },
    OpCase("Split", opset: 11, ["edge.split"], "f32[1,1,8,8]", contains: ["sizes = [1, 2]"]) { singleNode("Split", opset: 11, outputs: 2, [Attr.int("axis", 1), Attr.ints("split", [1, 2])]) },
    OpCase("Split", opset: 18, ["edge.split"], "f32[1,3,3,8]", contains: ["sizes = [3, 3, 2]"]) { singleNode("Split", opset: 18, outputs: 3, [Attr.int("axis", 2), Attr.int("num_outputs", 3)]) },
    OpCase("Pad", opset: 7, ["edge.pad"], "f32[1,3,10,12]", contains: ["pad = [2, 2, 1, 1], mode = \"reflect\""]) {
        singleNode("Pad", opset: 7, [Attr.ints("pads", [0, 0, 1, 2, 0, 0, 1, 2]), Attr.string("mode", "reflect")])
    },
    OpCase("Pad", opset: 18, ["edge.pad"], "f32[1,3,8,11]", contains: ["pad = [1, 2]", "value = 3.0"]) {
        singleNode("Pad", opset: 18, extraInputs: ["p", "v", "a"]) { m in m.initializer("p", [2], ints: [1, 2]); m.initializer("v", [], [3]); m.initializer("a", [1], ints: [-1]) }
    },
    // Reductions
    OpCase("ReduceMean", opset: 13, ["edge.mean"], "f32[1,3,1,1]") { singleNode("ReduceMean", opset: 13, [Attr.ints("axes", [2, 3])]) },
    OpCase("ReduceMean", opset: 18, ["edge.mean"], "f32[1,3]", contains: ["keepdim = false"]) {
        singleNode("ReduceMean", opset: 18, extraInputs: ["a"], [Attr.int("keepdims", 0)]) { $0.initializer("a", [2], ints: [-1, -2]) }
    },
    OpCase("ReduceSum", opset: 11, ["edge.sum"], "f32[1,1,8,8]") { singleNode("ReduceSum", opset: 11, [Attr.ints("axes", [1])]) },
    OpCase("ReduceL1", opset: 13, ["edge.abs", "edge.sum"], "f32[1,3,1,1]") { singleNode("ReduceL1", opset: 13, [Attr.ints("axes", [2, 3])]) },
    OpCase("ReduceLogSum", opset: 13, ["edge.sum", "edge.log"], "f32[1,3,1,1]") { singleNode("ReduceLogSum", opset: 13, [Attr.ints("axes", [2, 3])]) },
    OpCase("ReduceLogSumExp", opset: 13, ["edge.exp", "edge.sum", "edge.log"], "f32[1,3,1,1]") { singleNode("ReduceLogSumExp", opset: 13, [Attr.ints("axes", [2, 3])]) },
    OpCase("ReduceMax", opset: 18, ["edge.full"], "f32[1,3,1,1]", contains: ["value = -inf"]) {
        singleNode("ReduceMax", opset: 18, input: [1, 3, 0, 2], extraInputs: ["a"]) { $0.initializer("a", [2], ints: [2, 3]) }
    },
    OpCase("ReduceSum", opset: 13, ["edge.sum"], "f32[1,1,8,8]") { singleNode("ReduceSum", opset: 13, extraInputs: ["a"]) { $0.initializer("a", [1], ints: [1]) } },
    OpCase("ReduceMax", ["edge.amax"], "f32[1,3,8,1]") { singleNode("ReduceMax", [Attr.ints("axes", [3])]) },
    OpCase("ReduceMin", opset: 18, ["edge.amin"], "f32[1,1,1,1]") { singleNode("ReduceMin", opset: 18) },
    OpCase("ReduceSumSquare", ["edge.mul", "edge.sum"], "f32[1,3,8,1]") { singleNode("ReduceSumSquare", [Attr.ints("axes", [3])]) },
    OpCase("ReduceL2", ["edge.mul", "edge.sum", "edge.sqrt"], "f32[1,3,8,1]") { singleNode("ReduceL2", [Attr.ints("axes", [3])]) },
    OpCase("ArgMax", ["edge.argmax"], "i64[1,8,8]", contains: ["dim = 1, keepdim = false"]) { singleNode("ArgMax", [Attr.int("axis", 1), Attr.int("keepdims", 0)]) },
    OpCase("ArgMin", ["edge.argmin"], "i64[1,3,8,1]") { singleNode("ArgMin", [Attr.int("axis", -1)]) },
    OpCase("Softmax", opset: 13, ["edge.softmax"], "f32[1,3,8,8]", contains: ["axis = 1"]) { singleNode("Softmax", opset: 13, [Attr.int("axis", 1)]) },
    OpCase("Softmax", opset: 11, ["edge.reshape", "edge.softmax", "edge.reshape"], "f32[1,3,8,8]", contains: ["shape = [1, 192]"]) { singleNode("Softmax", opset: 11) },
    OpCase("LogSoftmax", ["edge.softmax", "edge.log"], "f32[1,3,8,8]") { singleNode("LogSoftmax") },
    // Resizing
    OpCase("Resize", opset: 13, ["edge.upsample_nearest2d"], "f32[1,3,16,16]") {
        singleNode("Resize", opset: 13, extraInputs: ["", "s"], [Attr.string("coordinate_transformation_mode", "asymmetric"), Attr.string("nearest_mode", "floor")]) {
            $0.initializer("s", [4], [1, 1, 2, 2])
        }
    },
    // Linear downsampling by sizes: a per-axis interpolation matrix (ONNX's coordinates exactly;
    // ATen's bilinear kernel derives its scale differently), one matmul per resized axis.
    OpCase("Resize", opset: 19, ["edge.permute", "edge.matmul", "edge.permute", "edge.matmul"], "f32[1,3,5,6]") {
        singleNode("Resize", opset: 19, extraInputs: ["", "", "sz"], [Attr.string("mode", "linear")]) { $0.initializer("sz", [4], ints: [1, 3, 5, 6]) }
    },
    OpCase("Resize", opset: 10, ["edge.upsample_nearest2d"], "f32[1,3,16,16]") { singleNode("Resize", opset: 10, extraInputs: ["s"]) { $0.initializer("s", [4], [1, 1, 2, 2]) } },
    OpCase("Upsample", opset: 7, ["edge.upsample_nearest2d"], "f32[1,3,16,24]") { singleNode("Upsample", opset: 7, [Attr.floats("scales", [1, 1, 2, 3])]) },
    OpCase("Upsample", opset: 9, ["edge.upsample_nearest2d"], "f32[1,3,16,16]") { singleNode("Upsample", opset: 9, extraInputs: ["s"]) { $0.initializer("s", [4], [1, 1, 2, 2]) } },
]

/// Every importer case list: the one `importsTo` test runs them all, and `everyImporterHasACase`
/// checks they cover the importer table.
let allOpCases = opCases + controlFlowOpCases + quantizationOpCases + sequenceOpCases + nodeOpsCases

@Suite("ONNX op importers")
struct OpImporterTests {
    @Test(arguments: allOpCases)
    func importsTo(_ c: OpCase) throws {
        var m = c.model()
        m.opset = c.opset
        let module: Module
        do {
            module = try m.importModule()
        } catch {
            Issue.record("\(c.op) opset \(c.opset): \(error)")
            return
        }
        #expect(module.opNames == c.ops, "\(module.text)")
        #expect(module.resultTypes.first == c.type, "\(module.text)")
        for s in c.contains { #expect(module.text.contains(s), "missing \(s) in\n\(module.text)") }
        #expect(module.mainFunction!.body.operations.filter { $0.name != "edge.constant" && $0.name != "return" }
            .allSatisfy { $0.location == .name("n") || $0.location.nodeName != nil })
    }

    @Test func everyImporterHasACase() {
        let tested = Set(allOpCases.map(\.op))
        let missing = Set(ONNXOps.all.map(\.opType)).subtracting(tested)
        #expect(missing.isEmpty, "importers without a test case: \(missing.sorted())")
    }
}
