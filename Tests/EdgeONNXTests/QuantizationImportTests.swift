import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeONNX

extension ModelBuilder {
    /// Adds an initializer of any element type from its little-endian bytes (`raw_data`).
    mutating func initializer(_ name: String, _ dims: [Int], _ type: Onnx_TensorProto.DataType, bytes: [UInt8]) {
        graph.initializer.append(Onnx_TensorProto.with {
            $0.name = name; $0.dims = dims.map(Int64.init); $0.dataType = Int32(type.rawValue); $0.rawData = Data(bytes)
        })
    }

    mutating func int8s(_ name: String, _ dims: [Int], _ v: [Int8]) { initializer(name, dims, .int8, bytes: v.map { UInt8(bitPattern: $0) }) }
    mutating func uint8s(_ name: String, _ dims: [Int], _ v: [UInt8]) { initializer(name, dims, .uint8, bytes: v) }
    mutating func int32s(_ name: String, _ dims: [Int], _ v: [Int32]) {
        initializer(name, dims, .int32, bytes: v.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } })
    }
}

/// Every quantization importer once (counted by `everyImporterHasACase`).
let quantizationOpCases: [OpCase] = [
    OpCase("QuantizeLinear", opset: 13, ["edge.quantize"], "qu8<scale=0.5, zp=3>[1,3,8,8]") {
        singleNode("QuantizeLinear", opset: 13, extraInputs: ["s", "z"]) { $0.initializer("s", [], [0.5]); $0.uint8s("z", [], [3]) }
    },
    OpCase("DequantizeLinear", opset: 19, ["edge.dequantize"], "f32[4,3]") {
        var m = ModelBuilder(opset: 19)
        m.int8s("w", [4, 3], (0..<12).map { Int8($0) - 6 })
        m.initializer("s", [4], [0.5, 0.25, 0.125, 1])
        m.int8s("z", [4], [0, 0, 0, 0])
        m.node("DequantizeLinear", ["w", "s", "z"], ["y"], name: "n", [Attr.int("axis", 0)])
        m.output("y")
        return m
    },
    OpCase("QLinearMatMul", opset: 10, ["edge.cast", "edge.mul", "edge.dequantize", "edge.matmul", "edge.quantize"], "qi8<scale=0.25, zp=1>[2,3]") {
        var m = ModelBuilder(opset: 10)
        m.input("a", [2, 4], .int8)
        m.initializer("as", [], [0.5]); m.int8s("az", [], [0])
        m.int8s("b", [4, 3], (0..<12).map { Int8($0) })
        m.initializer("bs", [], [0.25]); m.int8s("bz", [], [0])
        m.initializer("ys", [], [0.25]); m.int8s("yz", [], [1])
        m.node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"], name: "n")
        m.output("y", .int8)
        return m
    },
    OpCase("QLinearConv", opset: 10, ["edge.cast", "edge.sub", "edge.mul", "edge.dequantize", "edge.dequantize", "edge.conv2d", "edge.quantize"],
           "qu8<scale=0.5, zp=10>[1,2,4,4]") {
        var m = ModelBuilder(opset: 10)
        m.input("x", [1, 1, 4, 4], .uint8)
        m.initializer("xs", [], [0.1]); m.uint8s("xz", [], [128])
        m.int8s("w", [2, 1, 3, 3], (0..<18).map { Int8($0) - 9 })
        m.initializer("ws", [2], [0.01, 0.02]); m.int8s("wz", [2], [0, 0])
        m.initializer("ys", [], [0.5]); m.uint8s("yz", [], [10])
        m.int32s("b", [2], [100, -100])
        m.node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], name: "n", [Attr.ints("pads", [1, 1, 1, 1])])
        m.output("y", .uint8)
        return m
    },
    OpCase("MatMulInteger", opset: 10, ["edge.cast", "edge.sub", "edge.matmul", "edge.cast"], "i32[4,2]") {
        var m = ModelBuilder(opset: 10)
        m.input("a", [4, 3], .uint8)
        m.uint8s("b", [3, 2], [1, 2, 3, 4, 5, 6])
        m.uint8s("az", [], [12])
        m.node("MatMulInteger", ["a", "b", "az"], ["y"], name: "n")
        m.output("y", .int32)
        return m
    },
    OpCase("ConvInteger", opset: 10, ["edge.cast", "edge.sub", "edge.conv2d", "edge.cast"], "i32[1,1,2,2]") {
        var m = ModelBuilder(opset: 10)
        m.input("x", [1, 1, 3, 3], .uint8)
        m.uint8s("w", [1, 1, 2, 2], [1, 1, 1, 1])
        m.uint8s("xz", [], [1])
        m.node("ConvInteger", ["x", "w", "xz"], ["y"], name: "n")
        m.output("y", .int32)
        return m
    },
    OpCase("DynamicQuantizeLinear", opset: 11,
           ["edge.amin", "edge.minimum", "edge.amax", "edge.maximum", "edge.sub", "edge.eq", "edge.where", "edge.cast", "edge.cast", "edge.div", "edge.cast", "edge.cast", "edge.cast", "edge.div", "edge.cast", "edge.sub",
            "edge.clamp", "edge.add", "edge.sub", "edge.cast", "edge.cast", "edge.div", "edge.cast", "edge.add", "edge.sub", "edge.add", "edge.clamp", "edge.cast", "edge.cast"], "u8[6]") {
        singleNode("DynamicQuantizeLinear", opset: 11, input: [6], outputs: 3)
    },
]

/// Pre-quantized ONNX (QDQ and the QLinear / Integer ops) imported into Edge IR's quantized
/// types, evaluated against values worked out from the ONNX definitions.
@Suite struct QuantizationImportTests {
    /// ONNX Runtime's QDQ form of conv + relu: Q/DQ activations (u8), an int8 per-channel weight
    /// initializer and an int32 bias initializer behind DequantizeLinear, relu between pairs.
    static func qdqConv(activations: Onnx_TensorProto.DataType = .uint8) -> ModelBuilder {
        var m = ModelBuilder(opset: 13)
        m.input("x", [1, 2, 3, 3])
        let signed = activations == .int8
        func zp(_ name: String, _ v: Int) {
            if signed { m.int8s(name, [], [Int8(v - 128)]) } else { m.uint8s(name, [], [UInt8(v)]) }
        }
        m.initializer("x_scale", [], [0.05]); zp("x_zp", 128)
        m.int8s("w", [2, 2, 1, 1], [127, -64, 32, -127])
        m.initializer("w_scale", [2], [0.01, 0.02]); m.int8s("w_zp", [2], [0, 0])
        m.int32s("b", [2], [200, -100])
        m.initializer("b_scale", [2], [0.0005, 0.001]); m.int32s("b_zp", [2], [0, 0])
        m.initializer("y_scale", [], [0.02]); zp("y_zp", 0)
        m.node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["xq"], name: "x_q")
        m.node("DequantizeLinear", ["xq", "x_scale", "x_zp"], ["xdq"], name: "x_dq")
        m.node("DequantizeLinear", ["w", "w_scale", "w_zp"], ["wdq"], name: "w_dq", [Attr.int("axis", 0)])
        m.node("DequantizeLinear", ["b", "b_scale", "b_zp"], ["bdq"], name: "b_dq", [Attr.int("axis", 0)])
        m.node("Conv", ["xdq", "wdq", "bdq"], ["c"], name: "conv")
        m.node("Relu", ["c"], ["r"], name: "relu")
        m.node("QuantizeLinear", ["r", "y_scale", "y_zp"], ["yq"], name: "y_q")
        m.node("DequantizeLinear", ["yq", "y_scale", "y_zp"], ["y"], name: "y_dq")
        m.output("y")
        return m
    }

    @Test func qdqConvImportsQuantizedTypesAndConstants() throws {
        let module = try Self.qdqConv().importModule()
        let text = module.text
        #expect(module.opNames == ["edge.quantize", "edge.dequantize", "edge.dequantize", "edge.dequantize", "edge.conv2d", "edge.relu",
                                   "edge.quantize", "edge.dequantize"], "\(text)")
        // The weight and bias stay integers, with their parameters in the constant's type.
        #expect(text.contains("zps=[0, 0]>[2,2,1,1]") && text.contains("qi8<axis=0, scales=["), "\(text)")
        #expect(text.contains("qi32<axis=0, scales=["), "\(text)")
        #expect(text.contains("qu8<scale=") && text.contains("zp=128>[1,2,3,3]"), "\(text)")
        // Evaluated: relu(conv) through the quantization grid, worked out by hand.
        let x = try Tensor([0.5, -0.3, 1.0, 0.0, 0.2, -1.0, 0.7, 0.1, -0.05, 0.3, 0.3, 0.3, -0.6, 0.6, 0.0, 1.2, -1.2, 0.05] as [Float], shape: [1, 2, 3, 3])
        let y = try evaluateMain(module, [x])[0]
        let xs = x.doubles().map { v -> Double in Double(Float((Float(v) / 0.05).rounded(.toNearestOrEven)) * 0.05) }
        var expected: [Double] = []
        let w: [[Double]] = [[127 * 0.01, -64 * 0.01], [32 * 0.02, -127 * 0.02]], b: [Double] = [200 * 0.0005, -100 * 0.001]
        for o in 0..<2 {
            for p in 0..<9 {
                let c = max(0, w[o][0] * xs[p] + w[o][1] * xs[9 + p] + b[o])
                expected.append(min((c / 0.02).rounded(.toNearestOrEven), 255) * 0.02)
            }
        }
        for (a, e) in zip(y.doubles(), expected) { #expect(abs(a - e) < 1e-5, "\(y.doubles()) vs \(expected)") }
    }

    @Test func int8ActivationsImportAsQi8() throws {
        let text = try Self.qdqConv(activations: .int8).importModule().text
        #expect(text.contains("qi8<scale=") && text.contains("zp=0>[1,2,3,3]") && !text.contains("qu8"), "\(text)")
    }

    // MARK: bad input: errors name the node and the input

    func dequantize(scale: Float, zeroPoint: UInt8 = 0, zeroType: Onnx_TensorProto.DataType = .uint8, runtimeScale: Bool = false) -> ModelBuilder {
        var m = ModelBuilder(opset: 13)
        m.input("x", [4], .uint8)
        if runtimeScale { m.input("s", []) } else { m.initializer("s", [], [scale]) }
        if zeroType == .uint8 { m.uint8s("z", [], [zeroPoint]) } else { m.int32s("z", [], [Int32(zeroPoint)]) }
        m.node("DequantizeLinear", ["x", "s", "z"], ["y"], name: "dq_node")
        m.output("y")
        return m
    }

    @Test(arguments: [Float(0), -0.5, .infinity, .nan])
    func nonPositiveOrNonFiniteScaleNamesTheNode(_ scale: Float) {
        let text = dequantize(scale: scale).importError()
        #expect(text.contains("dq_node") && text.contains("scale \"s\"") && text.contains("positive and finite"), "\(text)")
    }

    @Test func runTimeScaleNamesTheNodeAndTheInput() {
        let text = dequantize(scale: 1, runtimeScale: true).importError()
        #expect(text.contains("dq_node") && text.contains("\"s\"") && text.contains("must be a constant known at import time"), "\(text)")
    }

    @Test func zeroPointOfAnotherTypeNamesTheNode() {
        let text = dequantize(scale: 1, zeroPoint: 3, zeroType: .int32).importError()
        #expect(text.contains("dq_node") && text.contains("zero point \"z\" is i32 but the quantized tensor is u8"), "\(text)")
    }

    /// (A zero point's value always fits its own ONNX type, which is the storage type; a zero
    /// point of another type is the error above.)
    @Test func perAxisScaleCountMismatchNamesTheNode() throws {
        var m = ModelBuilder(opset: 13)
        m.int8s("w", [2, 2], [1, 2, 3, 4])
        m.initializer("s", [3], [1, 1, 1]); m.int8s("z", [3], [0, 0, 0])
        m.node("DequantizeLinear", ["w", "s", "z"], ["y"], name: "dq_axis", [Attr.int("axis", 0)])
        m.output("y")
        let text = m.importError()
        #expect(text.contains("dq_axis") && text.contains("3 values for 2 channels along axis 0"), "\(text)")
    }

    @Test func blockedQuantizationIsRefusedNamingTheNode() {
        var m = ModelBuilder(opset: 21)
        m.input("x", [2, 4])
        m.initializer("s", [2, 2], [1, 1, 1, 1])
        m.node("QuantizeLinear", ["x", "s"], ["y"], name: "blocked_q", [Attr.int("axis", 1), Attr.int("block_size", 2)])
        m.output("y", .uint8)
        let text = m.importError()
        #expect(text.contains("blocked_q") && text.contains("blocked quantization (block_size = 2) is not supported"), "\(text)")
    }

    @Test func integerMatMulBeyondExactFloatIsRefused() {
        var m = ModelBuilder(opset: 10)
        m.input("a", [1, 300], .uint8)
        m.input("b", [300, 1], .uint8)
        m.node("MatMulInteger", ["a", "b"], ["y"], name: "big_k")
        m.output("y", .int32)
        let text = m.importError()
        #expect(text.contains("big_k") && text.contains("beyond 2^24"), "\(text)")
    }

    // MARK: values

    @Test func quantizeLinearRoundsHalfToEvenAndSaturates() throws {
        let m = singleNode("QuantizeLinear", opset: 13, input: [8], extraInputs: ["s", "z"]) { $0.initializer("s", [], [2]); $0.int8s("z", [], [-1]) }
        let x = try Tensor([1, 3, 5, -1, -3, 1000, -1000, 0] as [Float], shape: [8])
        let y = try evaluateMain(try m.importModule(), [x])[0]
        #expect(y.int64s() == [-1, 1, 1, -1, -3, 127, -128, -1])
    }

    @Test func matMulIntegerIsExact() throws {
        var m = ModelBuilder(opset: 10)
        m.input("a", [2, 3], .uint8)
        m.uint8s("b", [3, 2], [255, 0, 128, 7, 1, 200])
        m.uint8s("az", [], [100])
        m.uint8s("bz", [2], [128, 3])
        m.node("MatMulInteger", ["a", "b", "az", "bz"], ["y"], name: "n")
        m.output("y", .int32)
        let a: [UInt8] = [255, 0, 100, 17, 250, 3]
        let y = try evaluateMain(try m.importModule(), [try Tensor(converting: a.map(Double.init), dtype: .u8, shape: [2, 3])])[0]
        let b: [[Int]] = [[255 - 128, 0 - 3], [128 - 128, 7 - 3], [1 - 128, 200 - 3]]
        var expected: [Int64] = []
        for i in 0..<2 { for j in 0..<2 { expected.append(Int64((0..<3).map { (Int(a[i * 3 + $0]) - 100) * b[$0][j] }.reduce(0, +))) } }
        #expect(y.dtype == .i32 && y.int64s() == expected)
    }

    @Test func dynamicQuantizeLinearFollowsTheONNXFormula() throws {
        let m = singleNode("DynamicQuantizeLinear", opset: 11, input: [6], outputs: 3)
        let x = try Tensor([0, 2, -3, -2.5, 1.34, 0.5] as [Float], shape: [6])
        let out = try evaluateMain(try m.importModule(), [x])
        // ONNX's example: scale = 5 / 255, zp = round(3 / scale) = 153.
        let scale = Float(5) / 255
        #expect(out[1].doubles() == [Double(scale)])
        #expect(out[2].int64s() == [153])
        #expect(out[0].int64s() == x.doubles().map { Int64(min(max((Float($0) / scale).rounded(.toNearestOrEven) + 153, 0), 255)) })
    }
}
