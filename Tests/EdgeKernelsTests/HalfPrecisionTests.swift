// The one f16/bf16 codec (HalfPrecision) and the constant-encoding policy of
// Tensor(converting:dtype:), which the importers, the .eir parser and the passes share.
import Testing
@testable import EdgeKernels

@Suite struct HalfPrecisionTests {
    @Test func bf16RoundsToNearestEven() {
        // ONNX HardSigmoid's default alpha: 0.2f is 0x3E4CCCCD, above the halfway point.
        #expect(HalfPrecision.bf16(from: 0.2) == 0x3E4D)
        #expect(HalfPrecision.bf16(from: -0.2) == 0xBE4D)
        // Exact ties go to the even mantissa; anything above a tie rounds up.
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x3F80_7FFF)) == 0x3F80)
        // The largest finite float rounds up to infinity.
        #expect(HalfPrecision.bf16(from: .greatestFiniteMagnitude) == 0x7F80)
    }

    @Test func f16RoundsToNearestEven() {
        #expect(HalfPrecision.f16(from: 0.2) == 0x3266)
        // Ties between 2048 and 2050 (spacing 2): 2049 goes to the even 2048, 2051 to 2052.
        #expect(HalfPrecision.f16(from: 2049) == 0x6800)
        #expect(HalfPrecision.f16(from: 2051) == 0x6802)
        // 65504 is the largest half; 65519.99 rounds down to it, 65520 (the tie) overflows.
        #expect(HalfPrecision.f16(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.f16(from: 65519.99) == 0x7BFF)
        #expect(HalfPrecision.f16(from: 65520) == 0x7C00)
    }

    @Test func nanAndInfinity() {
        #expect(HalfPrecision.f16(from: .infinity) == 0x7C00)
        #expect(HalfPrecision.f16(from: -.infinity) == 0xFC00)
        #expect(HalfPrecision.bf16(from: .infinity) == 0x7F80)
        #expect(HalfPrecision.bf16(from: -.infinity) == 0xFF80)
        for nan in [Float.nan, -Float.nan, Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFC0_1234)] {
            let h = HalfPrecision.f16(from: nan), b = HalfPrecision.bf16(from: nan)
            // Still NaN (quiet), with the sign kept; never turned into infinity.
            #expect(h & 0x7C00 == 0x7C00 && h & 0x03FF != 0 && h & 0x0200 != 0, "f16 of \(nan.bitPattern) is \(h)")
            #expect(b & 0x7F80 == 0x7F80 && b & 0x007F != 0 && b & 0x0040 != 0, "bf16 of \(nan.bitPattern) is \(b)")
            #expect((h & 0x8000 != 0) == (nan.sign == .minus) && (b & 0x8000 != 0) == (nan.sign == .minus))
            #expect(HalfPrecision.float(fromF16: h).isNaN && HalfPrecision.float(fromBF16: b).isNaN)
        }
        #expect(HalfPrecision.float(fromF16: 0x7C00) == .infinity && HalfPrecision.float(fromBF16: 0xFF80) == -.infinity)
    }

    @Test func subnormals() {
        // f16: the smallest subnormal is 2^-24; 2^-25 is the tie between 0 and it (to even: 0).
        #expect(HalfPrecision.f16(from: 0x1p-24) == 0x0001)
        #expect(HalfPrecision.f16(from: 0x1p-25) == 0x0000)
        #expect(HalfPrecision.f16(from: 0x1.8p-24) == 0x0002)
        #expect(HalfPrecision.f16(from: -0x1p-24) == 0x8001)
        #expect(HalfPrecision.f16(from: 0x1.ff8p-15) == 0x03FF)  // largest subnormal
        #expect(HalfPrecision.float(fromF16: 0x03FF) == 0x1.ff8p-15)
        #expect(HalfPrecision.float(fromF16: 0x8001) == -0x1p-24)
        // bf16 keeps float's subnormals (same exponent range).
        let tiny = Float(bitPattern: 0x0001_0000)
        #expect(HalfPrecision.bf16(from: tiny) == 0x0001 && HalfPrecision.float(fromBF16: 0x0001) == tiny)
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x0000_8000)) == 0x0000)  // tie to even
        #expect(HalfPrecision.bf16(from: Float(bitPattern: 0x0001_8000)) == 0x0002)
    }

    @Test func bf16RoundTripsEveryPattern() {
        for bits in 0...UInt16.max {
            let f = HalfPrecision.float(fromBF16: bits)
            let back = HalfPrecision.bf16(from: f)
            if f.isNaN {
                #expect(HalfPrecision.float(fromBF16: back).isNaN)
            } else if back != bits {
                Issue.record("bf16 \(bits) -> \(f) -> \(back)")
                return
            }
        }
    }

    @Test func constantsSaturateOutOfRange() throws {
        let values: [Double] = [1e20, -1e20, .nan, 3.9, -3.9, .infinity]
        #expect(try Tensor(converting: values, dtype: .i64).int64s() == [.max, .min, 0, 3, -3, .max])
        #expect(try Tensor(converting: values, dtype: .i32).int32s() == [.max, .min, 0, 3, -3, .max])
        #expect(try Tensor(converting: [300, -1, 255.9], dtype: .u8).bytes() == [255, 0, 255])
        #expect(try Tensor(converting: [200, -200], dtype: .i8).bytes() == [127, 128])
        #expect(try Tensor(converting: [40000, -40000], dtype: .i16).int64s() == [32767, -32768])
        #expect(try Tensor(converting: [0, 2, .nan], dtype: .bool).bools() == [false, true, true])
        #expect(try Tensor(converting: [0.2], dtype: .bf16).bytes() == [0x4D, 0x3E])
        #expect(try Tensor(converting: [0.2], dtype: .f16).bytes() == [0x66, 0x32])
        // full fills with the same policy.
        #expect(try Full.run(shape: [2], value: 1e10, dtype: .i32).int32s() == [.max, .max])
    }
}
