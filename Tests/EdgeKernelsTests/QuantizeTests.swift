import Testing
@testable import EdgeKernels

/// Quantize / dequantize kernels: round half to even, saturation, per-channel parameters and
/// errors for parameters that have no meaning.
@Suite struct QuantizeTests {
    @Test func roundsHalfToEvenAndSaturates() throws {
        let x = try Tensor([Float]([0.25, 0.75, -0.25, -0.75, 1.25, 100, -100, .nan, .infinity, -.infinity]))
        let q = try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(scale: 0.5, zeroPoint: 0))
        #expect(q.dtype == .i8)
        #expect(q.int64s() == [0, 2, 0, -2, 2, 127, -128, 0, 127, -128])
        let shifted = try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(scale: 0.5, zeroPoint: 10))
        #expect(shifted.int64s() == [10, 12, 10, 8, 12, 127, -128, 10, 127, -128])
        let u = try Quantize.run(try Tensor([Float]([-1, 0, 1, 1000])), storage: .u8, parameters: QuantizationParameters(scale: 0.1, zeroPoint: 128))
        #expect(u.int64s() == [118, 128, 138, 255])
    }

    @Test func perChannelUsesEachSlicesParameters() throws {
        // Power-of-two scales keep the expected values exact; tiny weights stay non-zero.
        let w = try Tensor([Float]([1, 2, 0.0005, 0.001, -1, 3]), shape: [3, 2])
        let p = QuantizationParameters(axis: 0, scales: [0.0625, 0.0000152587890625, 0.03125], zeroPoints: [0, 0, 0])
        let q = try Quantize.run(w, storage: .i8, parameters: p)
        #expect(q.int64s() == [16, 32, 33, 66, -32, 96])
        let back = try Dequantize.run(q, parameters: p).floats()
        for (a, e) in zip(back, [Float]([1, 2, 0.0005, 0.001, -1, 3])) { #expect(abs(a - e) <= 0.01 * abs(e)) }
        // Along the last axis of a rank-3 tensor.
        let t = try Tensor([Float]([1, 1, 1, 1]), shape: [2, 1, 2])
        let q2 = try Quantize.run(t, storage: .i8, parameters: QuantizationParameters(axis: 2, scales: [0.5, 0.25], zeroPoints: [0, 1]))
        #expect(q2.int64s() == [2, 5, 2, 5])
    }

    /// 4-bit blocks: each block of 2 along axis 1 has its own scale (scales laid out [2, 2]),
    /// integers clamp to [-8, 7]; along axis 0 the blocks are columns of the [rows/block, cols] scales.
    @Test func blockwiseUsesEachBlocksScaleAndFourBits() throws {
        let w = try Tensor([Float]([1, -2, 0.25, 0.5, 3, 100, -100, 0.125]), shape: [2, 4])
        let p = QuantizationParameters(axis: 1, blockSize: 2, scales: [0.5, 0.125, 1, 0.0625])
        let q = try Quantize.run(w, storage: .i8, parameters: p)
        #expect(q.int64s() == [2, -4, 2, 4, 3, 7, -8, 2])
        #expect(try Dequantize.run(q, parameters: p).floats() == [1, -2, 0.25, 0.5, 3, 7, -0.5, 0.125])
        let cols = QuantizationParameters(axis: 0, blockSize: 2, scales: [0.5, 0.25])
        let q0 = try Quantize.run(try Tensor([Float]([1, 1, 1, 1]), shape: [2, 2]), storage: .i8, parameters: cols)
        #expect(q0.int64s() == [2, 4, 2, 4])
        #expect(throws: KernelError.self) { try Quantize.run(w, storage: .i8, parameters: QuantizationParameters(axis: 1, blockSize: 3, scales: [1, 1])) }
        #expect(throws: KernelError.self) { try Quantize.run(w, storage: .i8, parameters: QuantizationParameters(axis: 1, blockSize: 2, scales: [1, 1, 1])) }
    }

    @Test func dequantizeIsAffine() throws {
        let q = try Tensor(converting: [-128, 0, 5, 127], dtype: .i8)
        let x = try Dequantize.run(q, parameters: QuantizationParameters(scale: 0.25, zeroPoint: 4)).floats()
        #expect(x == [-33, -1, 0.25, 30.75])
    }

    @Test func badParametersThrow() throws {
        let x = try Tensor([Float]([1, 2]))
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(scale: 0, zeroPoint: 0)) }
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(scale: -1, zeroPoint: 0)) }
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(scale: 1, zeroPoint: 300)) }
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .f32, parameters: QuantizationParameters(scale: 1, zeroPoint: 0)) }
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(axis: 0, scales: [1], zeroPoints: [0])) }
        #expect(throws: KernelError.self) { try Quantize.run(x, storage: .i8, parameters: QuantizationParameters(axis: 1, scales: [1, 1], zeroPoints: [0, 0])) }
        #expect(throws: KernelError.self) { try Quantize.run(try Tensor([Int64]([1])), storage: .i8, parameters: QuantizationParameters(scale: 1, zeroPoint: 0)) }
    }
}
