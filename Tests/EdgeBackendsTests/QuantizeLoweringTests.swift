import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// edge.quantize / edge.dequantize on the portable backend (Rules/Quantization.swift): decomposed
/// into float and integer ATen kernels, run by the interpreter, they must give exactly what the
/// IR's evaluation facets (`Quantize.run` / `Dequantize.run`) give — ties round half to even,
/// NaN goes to the zero point, ±inf and out-of-range values saturate, per tensor and per channel.
@Suite struct QuantizeLoweringTests {
    /// Values that probe the rounding: exact ties on both sides of 0, the float just below 0.5
    /// (which `floor(x + 0.5)` gets wrong), large and non-finite values.
    static let probes: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.49999997, 3.4999998, 126.5, 127.5, -128.5,
                                  1e9, -1e9, .infinity, -.infinity, .nan, 0, -0.0, 7.25, -7.75, 1000.5, 254.5, 255.5]

    static func program(_ storage: String, _ params: String, shape: [Int], dtype: String = "f32") -> String {
        let s = "[" + shape.map(String.init).joined(separator: ",") + "]"
        return """
        func @main(%x: \(dtype)\(s)) -> (\(storage)<\(params)>\(s), f32\(s)) {
          %q = edge.quantize(%x) : \(storage)<\(params)>\(s)
          %d = edge.dequantize(%q) : f32\(s)
          return %q, %d
        }
        """
    }

    func check(_ storage: String, _ params: String, shape: [Int], scale: Float) throws {
        let n = shape.reduce(1, *)
        let values = (0..<n).map { i in Self.probes[i % Self.probes.count] * (i < Self.probes.count ? scale : scale * 0.37) }
        let x = try Tensor(values, shape: shape)
        let module = try IRFile.parse(Self.program(storage, params, shape: shape), fileName: "q.eir")
        let quantize = try #require(module.mainFunction?.body.operations.first { $0.name == "edge.quantize" })
        let dequantize = try #require(module.mainFunction?.body.operations.first { $0.name == "edge.dequantize" })
        // The reference: the evaluation facets.
        let q = try #require(try quantize.evaluate([x])?.first)
        let d = try #require(try dequantize.evaluate([q])?.first)
        let compiled = try ProgramCompiler(backend: "portable", optimization: .o0).compile(module)
        let out = try runCompiled(compiled, [x])
        #expect(out[0].dtype == q.dtype)
        #expect(out[0].int64s() == q.int64s(), "\(storage)<\(params)>: \(zip(values, zip(out[0].int64s(), q.int64s())).filter { $1.0 != $1.1 })")
        #expect(out[1].doubles() == d.doubles())
    }

    @Test func perTensorUInt8() throws { try check("qu8", "scale=0.5, zp=3", shape: [48], scale: 0.5) }
    @Test func perTensorInt8() throws { try check("qi8", "scale=0.25, zp=-7", shape: [48], scale: 0.25) }
    @Test func perTensorInt16NoZeroPoint() throws { try check("qi16", "scale=0.0078125, zp=0", shape: [2, 24], scale: 0.0078125) }
    @Test func perChannelInt8() throws {
        try check("qi8", "axis=1, scales=[0.5, 0.125, 1.0], zps=[0, -5, 9]", shape: [2, 3, 8], scale: 0.25)
    }
    @Test func perChannelUInt8OnTheFirstAxis() throws {
        try check("qu8", "axis=0, scales=[0.5, 0.03125], zps=[128, 0]", shape: [2, 24], scale: 0.5)
    }

    /// An i32 (bias-like) constant dequantized per channel, with zero points: subtracted in i64.
    @Test func int32ConstantDequantizes() throws {
        let text = """
        func @main(%x: f32[3]) -> (f32[3]) {
          %c = edge.constant {value = dense<[2147483647, -2147483648, 16777217]>} : qi32<axis=0, scales=[0.5, 0.25, 1.0], zps=[-1, 7, 1]>[3]
          %d = edge.dequantize(%c) : f32[3]
          %y = edge.add(%x, %d) : f32[3]
          return %y
        }
        """
        let module = try IRFile.parse(text, fileName: "b.eir")
        let out = try runCompiled(try ProgramCompiler(backend: "portable", optimization: .o0).compile(module), [try Tensor([0, 0, 0] as [Float], shape: [3])])
        let expected = try Dequantize.run(try Tensor(converting: [2147483647, -2147483648, 16777217], dtype: .i32, shape: [3]),
                                          parameters: QuantizationParameters(axis: 0, scales: [0.5, 0.25, 1.0], zeroPoints: [-1, 7, 1]))
        #expect(out[0].doubles() == expected.doubles())
    }

    /// Quantizing to i32 would need rounding beyond 2^22 in f32: refused, naming the op.
    @Test func int32QuantizeIsRefused() throws {
        let text = Self.program("qi32", "scale=0.5, zp=0", shape: [4])
        #expect(throws: (any Error).self) { try ProgramCompiler(backend: "portable", optimization: .o0).compile(try IRFile.parse(text, fileName: "q.eir")) }
        do { _ = try ProgramCompiler(backend: "portable", optimization: .o0).compile(try IRFile.parse(text, fileName: "q.eir")) } catch {
            #expect("\(error)".contains("edge.quantize") && "\(error)".contains("i32"), "\(error)")
        }
    }
}
