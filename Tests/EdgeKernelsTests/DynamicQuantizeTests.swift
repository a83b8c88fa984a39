import Testing
@testable import EdgeKernels

/// Per-row dynamic INT8 (XNNPACK's qd8 parameters), shared by edge.dynamic_quantize and the
/// interpreter's Convert fp32 → qdint8.
@Suite struct DynamicQuantizeTests {
    @Test func rowParametersWidenToZeroAndPickTheCloserBound() {
        // [0, 2.55]: scale 0.01, zero point -128 (0 maps to -128 exactly).
        let (inv, zp) = DynamicQuantize.rowParameters(0.5, 2.55)
        #expect(abs(inv - 100) < 1e-3 && zp == -128)
        // Symmetric-ish range: zero point near the middle.
        let (inv2, zp2) = DynamicQuantize.rowParameters(-1, 1)
        #expect(abs(inv2 - 127.5) < 1e-3 && (zp2 == 0 || zp2 == -1))
        // An all-zero row, and non-finite rows, never trap.
        // (XNNPACK's zero point for an all-zero row is 127: inverse scale 1, the upper bound's error is smaller.)
        #expect(DynamicQuantize.rowParameters(0, 0) == (1, 127))
        #expect(DynamicQuantize.rowParameters(-.infinity, 1) == (1, 0))
    }

    @Test func eachRowIsQuantizedWithItsOwnRange() throws {
        let x = try Tensor([Float]([0, 1, 2, 2.55, -4, 0, 2, 4]), shape: [2, 4])
        let y = try DynamicQuantize.run(x).floats()
        // Row 0 has step 0.01 (exact up to float rounding); row 1 step 8/255.
        for (a, b) in zip(y[0 ..< 4], [Float(0), 1, 2, 2.55]) { #expect(abs(a - b) <= 0.005 + 1e-6) }
        for (a, b) in zip(y[4 ..< 8], [Float(-4), 0, 2, 4]) { #expect(abs(a - b) <= 4 / 255 + 1e-6) }
        #expect(y[4] != y[5])
        #expect(throws: (any Error).self) { try DynamicQuantize.run(try Tensor([Double]([1, 2]))) }
    }

    /// Ties round half to even before the zero point is added (XNNPACK's f32 → qs8 convert): with
    /// inverse scale 2 and zero point -1, 26.75 → round(53.5) - 1 = 53 (not round(52.5) = 52).
    @Test func tiesRoundBeforeTheZeroPoint() {
        #expect(DynamicQuantize.quantize(26.75, inverseScale: 2, zeroPoint: -1) == 53)
        #expect(DynamicQuantize.quantize(-34.25, inverseScale: 2, zeroPoint: -1) == -69)
        #expect(DynamicQuantize.quantize(63.75, inverseScale: 2, zeroPoint: 1) == 127)  // 128 + 1 saturates
        #expect(DynamicQuantize.quantize(.nan, inverseScale: 2, zeroPoint: 5) == -128)
    }
}
