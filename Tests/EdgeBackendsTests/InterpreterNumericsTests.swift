import EdgeBackends
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// The interpreter's results on compiled example models against references computed with the
/// kernels directly (op by op, no .pte in between) or by hand.
@Suite struct InterpreterNumericsTests {
    @Test func tinyCNNMatchesTheKernelsOpByOp() throws {
        let x = try wave([1, 3, 8, 8])
        let y = try runCompiled(try compileExample("tiny_cnn"), [x])
        // Reference: the same graph evaluated with EdgeKernels' allocating wrappers.
        let w = try Tensor([Float](repeating: 0.5, count: 216), shape: [8, 3, 3, 3])
        let b = try Tensor((0 ..< 8).map { Float($0) / 10 }, shape: [8])
        var t = try Conv2D.run(x, weight: w, bias: b, params: Conv2DParams(padding: Padding2D(1, 1)))
        let ones = try Tensor([Float](repeating: 1, count: 8)), zeros = try Tensor([Float](repeating: 0, count: 8))
        t = try BatchNorm.run(t, scale: ones, bias: zeros, mean: zeros, variance: ones, epsilon: 1e-5)
        t = try Unary.run(.relu, t)
        t = try AdaptiveAvgPool2D.run(t)
        t = try Linear.run(try Flatten.run(t), weight: try Tensor([Float](repeating: 0.25, count: 32), shape: [4, 8]))
        #expect(maxError(y[0], t) < 1e-5)
    }

    @Test func layoutAndPoolsMatchTheKernels() throws {
        let x = try wave([2, 4, 9, 9], phase: 0.3)
        let y = try runCompiled(try compileExample("layout_and_pools"), [x])
        let mp = try MaxPool2D.run(x, params: MaxPool2DParams(kernel: (3, 3), stride: (2, 2), padding: Padding2D(1, 1)))
        let ap = try AvgPool2D.run(x, params: AvgPool2DParams(kernel: (2, 2), stride: (2, 2), countIncludePad: false))
        let clamped = try Unary.run(.clamp(min: 0, max: 6), ap)
        let joined = try Concat.run([try Reshape.run(clamped, shape: [2, 4, 16]), try Reshape.run(ap, shape: [2, 4, 16])], axis: 1)
        #expect(y.count == 3)
        #expect(maxError(y[0], mp) == 0)
        #expect(maxError(y[1], ap) == 0)
        #expect(maxError(y[2], joined) == 0)
    }

    @Test func transformerBlockMatchesTheKernels() throws {
        let tokens = try wave([2, 16, 32]), mask = try wave([1, 1, 16], phase: 1)
        let y = try runCompiled(try compileExample("transformer_block", shapes: ["tokens": [2, 16, 32]]), [tokens, mask])
        let q = try Linear.run(tokens, weight: try Tensor([Float](repeating: 0.125, count: 1024), shape: [32, 32]))
        let scores = try MatMul.run(q, try Permute.run(q, permutation: [0, 2, 1]))
        let scaled = try Binary.run(.mul, scores, try Tensor([Float(0.17677669529663687)], shape: []))
        let probs = try Softmax.run(try Binary.run(.add, scaled, mask), axis: -1)
        let res = try Binary.run(.add, try MatMul.run(probs, q), tokens)
        let centered = try Binary.run(.sub, res, try Reduce.run(.mean, res, axes: [-1], keepDims: true))
        #expect(maxError(y[0], centered) < 1e-4)
    }

    @Test func broadcastMatmulAndIntegerDivision() throws {
        let text = """
        func @main(%a: f32[2,1,3,4], %b: f32[3,4,5], %n: i32[4], %d: i32[4]) -> (f32[2,3,3,5], i32[4]) {
          %c = edge.matmul(%a, %b) : f32[2,3,3,5] loc("MatMul_0")
          %q = edge.div(%n, %d) : i32[4] loc("Div_1")
          return %c, %q
        }
        """
        let a = try wave([2, 1, 3, 4]), b = try wave([3, 4, 5], phase: 2)
        let n = try Tensor([Int32(7), -7, 9, 100]), d = try Tensor([Int32(2), 2, -4, 7])
        let y = try runCompiled(try compileText(text), [a, b, n, d])
        #expect(maxError(y[0], try MatMul.run(a, b)) < 1e-5)
        #expect(y[1].withView { Array($0.buffer(as: Int32.self)) } == [3, -3, -2, 14])  // truncating division
    }
}
