import EdgeProgram
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

    /// qs8 add and subtract in XNNPACK's fixed point: ratios 0.03 / 0.06 = 0.5 and 0.07 / 0.06 =
    /// 1.1666667 (f32, just above 7/6) become 20-bit multipliers 2^19 and lrint(1.1666667 * 2^20)
    /// = 1223339, shift 20, bias 2^19 - 3 * 2^19 + 5 * 1223339. The pairs are exact ties in real
    /// numbers that a float formula (ratio products summed in f32, + 0.5, floor) rounds the other way:
    /// (-39 - 3) * 0.5 + (-32 + 5) * 7/6 = -52.5 gives -53 + 2 = -51 here and -50 in f32.
    @Test func addAndSubtractRequantizeInFixedPoint() throws {
        let p = try XNNQuantOps.addParameters(0.03, 3, 0.07, -5, 0.06)
        #expect(p.a == 524288 && p.b == 1223339 && p.shift == 20 && p.bias == 524288 - 3 * 524288 + 5 * 1223339)
        let q = try XNNQuantOps.addParameters(0.03, 3, -0.07, -5, 0.06)
        #expect(q.b == -1223339 && q.bias == 524288 - 3 * 524288 - 5 * 1223339)
        func run(_ type: XNNNodeType, _ xs: [Int8], _ ys: [Int8]) throws -> [Int8] {
            let n = xs.count
            let quant: (Int) -> XNNQuant? = { [.perTensor(scale: 0.03, zeroPoint: 3), .perTensor(scale: 0.07, zeroPoint: -5), .perTensor(scale: 0.06, zeroPoint: 2)][$0] }
            let node = try XNNQuantOps.binary(type, 0, 1, 2, { _ in [n] }, quant, -.infinity, .infinity)
            let buffers = (0 ..< 3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: n) }
            defer { buffers.forEach { $0.deallocate() } }
            buffers.i8(0).update(from: xs, count: n)
            buffers.i8(1).update(from: ys, count: n)
            node(buffers)
            return (0 ..< n).map { buffers.i8(2)[$0] }
        }
        #expect(try run(.add, [-39, -38, 5, 127, -128], [-32, -29, 1, 127, -128]) == [-51, -47, 10, 127, -128])
        // (-30 - 3) * 0.5 - (1 + 5) * 7/6 = -23.5: -24 + 2 = -22 (f32: -21).
        #expect(try run(.subtract, [-30, -30, 5, 127], [1, 7, 1, 127]) == [-22, -29, -4, -90])
    }

    @Test func addRatiosOutsideTheFixedPointRangeAreRefused() {
        #expect(throws: (any Error).self) { try XNNQuantOps.addParameters(1e-6, 0, 1e-6, 0, 1) }
        #expect(throws: (any Error).self) { try XNNQuantOps.addParameters(1e7, 0, 1, 0, 1) }
    }
}
