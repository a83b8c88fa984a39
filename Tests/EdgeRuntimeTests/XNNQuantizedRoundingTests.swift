@testable import EdgeRuntime
import Testing

/// The interpreter's qs8 requantization against hand-computed XNNPACK results: the value in output
/// steps is rounded half to even first and the zero point added to the integer afterwards.
@Suite struct XNNQuantizedRoundingTests {
    /// fp32 → qint8 convert (the input quantize of a QDQ program), scale 0.5 and zero point -1: the
    /// inputs land exactly on ties (x / 0.5 = 53.5, 64.5, -68.5, 0.5, -0.5).
    @Test func quantizeRoundsBeforeAddingAnOddZeroPoint() throws {
        let input: [Float] = [26.75, 32.25, -34.25, 0.25, -0.25, 70, -70]
        // round_half_even(x / 0.5) - 1: 54 - 1, 64 - 1, -68 - 1, 0 - 1, 0 - 1, then saturation.
        // (Adding the zero point before rounding gives 52, 64, -70, 0, -2.)
        let expected: [Int8] = [53, 63, -69, -1, -1, 127, -128]
        let n = input.count
        let run = try XNNQuantOps.convert(0, 1, { _ in [n] }, { $0 == 1 ? .perTensor(scale: 0.5, zeroPoint: -1) : nil })
        let x = UnsafeMutablePointer<Float>.allocate(capacity: n), y = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { x.deallocate(); y.deallocate() }
        x.initialize(from: input, count: n)
        run([x, y])
        let out = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Int8.self)
        #expect((0 ..< n).map { out[$0] } == expected)
    }

    @Test func requantizeSaturatesAfterTheZeroPoint() {
        #expect(XNNQuantOps.requantize(2.5, 3, -128, 127) == 5)      // round(2.5) = 2, + 3
        #expect(XNNQuantOps.requantize(-3.5, 3, -128, 127) == -1)    // round(-3.5) = -4, + 3
        #expect(XNNQuantOps.requantize(120.5, 10, -128, 127) == 127) // 130 saturates
        #expect(XNNQuantOps.requantize(-130, 5, -128, 127) == -125)
        #expect(XNNQuantOps.requantize(1.5, -1, -128, 0) == 0)       // 2 - 1 = 1, clamped to the fused max 0
        #expect(XNNQuantOps.requantize(.nan, 0, -20, 127) == -20)
    }

    /// Node parameters (output bounds, padding values) follow XNNPACK's subgraph quantization:
    /// `v / scale + zp`, then rounded, so here a tie moves with the zero point.
    @Test func parametersAddTheZeroPointBeforeRounding() {
        #expect(XNNQuantOps.quantizeParameter(26.75, 0.5, -1) == 52)  // 53.5 - 1 = 52.5 -> 52
        #expect(XNNQuantOps.quantizeParameter(26.75, 0.5, 0) == 54)
        #expect(XNNQuantOps.quantizeParameter(1000, 0.5, 0) == 127)
        #expect(XNNQuantOps.bounds(0, .infinity, 0.5, -7) == (-7, 127))
    }
}
