import Testing
@testable import EdgeKernels

/// Numpy broadcasting reference on Doubles via explicit index arithmetic.
func referenceBroadcast(_ a: [Double], _ ash: [Int], _ b: [Double], _ bsh: [Int], _ f: (Double, Double) -> Double)
    -> (out: [Double], shape: [Int]) {
    let rank = max(ash.count, bsh.count)
    let pa = [Int](repeating: 1, count: rank - ash.count) + ash
    let pb = [Int](repeating: 1, count: rank - bsh.count) + bsh
    let shape = zip(pa, pb).map { $0 == 1 ? $1 : $0 }
    let sa = stridesOf(pa), sb = stridesOf(pb)
    var out = [Double]()
    for i in 0..<shape.reduce(1, *) {
        let idx = unravel(i, shape)
        var ia = 0, ib = 0
        for d in 0..<rank {
            ia += (pa[d] == 1 ? 0 : idx[d]) * sa[d]
            ib += (pb[d] == 1 ? 0 : idx[d]) * sb[d]
        }
        out.append(f(a[ia], b[ib]))
    }
    return (out, shape)
}

let broadcastPairs: [([Int], [Int])] = [
    ([2, 1, 3], [4, 1]), ([3, 5], [3, 5]), ([], [3, 2]), ([1], [5]), ([2, 3, 1], [1, 1, 19]),
    ([4, 1, 1, 9], [3, 1, 9]), ([2, 17], [17]), ([6, 1], [1, 11]),
]

@Test("f32 add/sub/mul/div broadcast", arguments: broadcastPairs)
func floatBinaryBroadcast(_ ash: [Int], _ bsh: [Int]) throws {
    var rng = SeededRNG(UInt64(ash.reduce(3, *) * 7 + bsh.reduce(5, *)))
    let a = randomFloats(ash.reduce(1, *), &rng), b = randomFloats(bsh.reduce(1, *), &rng, 0.5...2)
    let ta = try Tensor(a, shape: ash), tb = try Tensor(b, shape: bsh)
    let ad = a.map(Double.init), bd = b.map(Double.init)
    let cases: [(BinaryOp, Double, (Double, Double) -> Double)] = [
        (.add, 1, { $0 + $1 }), (.add, 0.5, { $0 + 0.5 * $1 }), (.sub, 1, { $0 - $1 }),
        (.sub, -2, { $0 + 2 * $1 }), (.mul, 1, { $0 * $1 }), (.div, 1, { $0 / $1 }),
    ]
    for (op, alpha, f) in cases {
        let ref = referenceBroadcast(ad, ash, bd, bsh, f)
        let out = try Binary.run(op, ta, tb, alpha: alpha)
        expectClose(out, ref.out, shape: ref.shape, "\(op) alpha \(alpha) \(ash) \(bsh)")
        // Swapped operand order exercises the other broadcast side.
        let ref2 = referenceBroadcast(bd, bsh, ad, ash, f)
        let out2 = try Binary.run(op, tb, ta, alpha: alpha)
        expectClose(out2, ref2.out, shape: ref2.shape, rtol: 1e-5, atol: op == .div ? 1e-4 : 1e-5, "\(op) swapped")
    }
}

@Test func f64AndIntegerBinary() throws {
    let a = try Tensor([1.5, -2.25, 3.0], shape: [3, 1])
    let b = try Tensor([2.0, 4.0], shape: [1, 2])
    #expect(try Binary.run(.mul, a, b).doubles() == [3, 6, -4.5, -9, 6, 12])
    #expect(try Binary.run(.add, a, b, alpha: 2).doubles() == [5.5, 9.5, 1.75, 5.75, 7, 11])

    let i = try Tensor([7, -7, 9, -9] as [Int64], shape: [4])
    let j = try Tensor([2, 2, -4, -4] as [Int64], shape: [4])
    #expect(try Binary.run(.div, i, j).int64s() == [3, -3, -2, 2])  // truncation toward zero
    #expect(try Binary.run(.sub, i, j, alpha: 3).int64s() == [1, -13, 21, 3])
    #expect(try Binary.run(.mul, i, j).int64s() == [14, -14, -36, 36])
    let big = try Tensor([Int64.max, Int64.min], shape: [2])
    #expect(try Binary.run(.add, big, try Tensor([1] as [Int64], shape: [1])).int64s() == [Int64.min, Int64.min + 1])
    #expect(try Binary.run(.div, big, try Tensor([-1] as [Int64], shape: [])).int64s() == [-Int64.max, Int64.min])

    let x = try Tensor([10, 20, 30, 40, 50, 60] as [Int32], shape: [2, 3])
    let y = try Tensor([1, 2, 3] as [Int32], shape: [3])
    #expect(try Binary.run(.add, x, y).int32s() == [11, 22, 33, 41, 52, 63])
    #expect(try Binary.run(.div, x, y).int32s() == [10, 10, 10, 40, 25, 20])
}

@Test func boolBinary() throws {
    let a = try Tensor([true, false, true, false]), b = try Tensor([true, true, false, false])
    #expect(try Binary.run(.add, a, b).bools() == [true, true, true, false])
    #expect(try Binary.run(.mul, a, b).bools() == [true, false, false, false])
    expectKernelError("bool sub") { _ = try Binary.run(.sub, a, b) }
}

@Test func binaryErrors() throws {
    let a = try Tensor(zeros: [2, 3]), b = try Tensor(zeros: [3, 2])
    expectKernelError("not broadcastable") { _ = try Binary.run(.add, a, b) }
    expectKernelError("dtype mismatch") { _ = try Binary.run(.add, a, try Tensor(zeros: [2, 3], dtype: .f64)) }
    expectKernelError("int div by zero") {
        _ = try Binary.run(.div, try Tensor([1, 2] as [Int32]), try Tensor([1, 0] as [Int32]))
    }
    expectKernelError("fractional alpha on ints") {
        _ = try Binary.run(.add, try Tensor([1] as [Int64]), try Tensor([1] as [Int64]), alpha: 0.5)
    }
    expectKernelError("alpha on mul") { _ = try Binary.run(.mul, a, a, alpha: 2) }
    expectKernelError("f16 arithmetic") {
        _ = try Binary.run(.add, try Tensor(zeros: [2], dtype: .f16), try Tensor(zeros: [2], dtype: .f16))
    }
    var out = try Tensor(zeros: [3, 3])
    expectKernelError("output shape") {
        try out.withMutableView { o in try a.withView { av in try Binary.run(.add, av, av, output: o) } }
    }
}

@Test func binaryInPlace() throws {
    var a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    let b = try Tensor([10, 20, 30] as [Float], shape: [3])
    try a.withMutableView { av in
        try b.withView { bv in try Binary.run(.add, av.readOnly, bv, output: av) }
    }
    #expect(a.floats() == [11, 22, 33, 14, 25, 36])
}

@Test func reluAndClamp() throws {
    let x = try Tensor([-2, -0.5, 0, 0.5, 3, .nan, -.infinity, .infinity] as [Float])
    let r = try Unary.run(.relu, x).floats()
    #expect(Array(r[0..<5]) == [0, 0, 0, 0.5, 3])
    #expect(r[5].isNaN)
    #expect(r[6] == 0 && r[7] == .infinity)
    let c = try Unary.run(.clamp(min: -1, max: 1), x).floats()
    #expect(Array(c[0..<5]) == [-1, -0.5, 0, 0.5, 1])
    #expect(c[5].isNaN)
    #expect(c[6] == -1 && c[7] == 1)
    #expect(try Unary.run(.clamp(min: nil, max: 0.25), x).floats()[3] == 0.25)
    #expect(try Unary.run(.clamp(min: 0, max: nil), x).floats()[0] == 0)
    // Integer clamp rounds fractional bounds inward.
    let i = try Tensor([-5, -1, 0, 2, 3, 9] as [Int32])
    #expect(try Unary.run(.clamp(min: -1.5, max: 2.5), i).int32s() == [-1, -1, 0, 2, 2, 2])
    #expect(try Unary.run(.relu, try Tensor([-3, 4] as [Int64])).int64s() == [0, 4])
    #expect(try Unary.run(.relu, try Tensor([-3, 4] as [Double])).doubles() == [0, 4])
    // Random odd-length f32 against a reference.
    var rng = SeededRNG(5)
    let v = randomFloats(37, &rng, -3...3)
    let out = try Unary.run(.clamp(min: -1, max: 2), try Tensor(v)).floats()
    #expect(out == v.map { Swift.min(Swift.max($0, -1), 2) })
    expectKernelError("clamp without bounds") { _ = try Unary.run(.clamp(min: nil, max: nil), x) }
    expectKernelError("bool relu") { _ = try Unary.run(.relu, try Tensor([true])) }
}

@Test func casts() throws {
    let f = try Tensor([1.9, -1.9, 300, -129, .nan, 1e20, 0] as [Float])
    #expect(try Cast.run(f, to: .i32).int32s() == [1, -1, 300, -129, 0, -1, 0])  // 1e20 saturates to Int64.max, then wraps
    #expect(try Cast.run(f, to: .i64).int64s() == [1, -1, 300, -129, 0, Int64.max, 0])
    #expect(try Cast.run(f, to: .i8).int64s() == [1, -1, 44, 127, 0, -1, 0])
    #expect(try Cast.run(f, to: .u8).int64s() == [1, 255, 44, 127, 0, 255, 0])
    #expect(try Cast.run(f, to: .bool).bools() == [true, true, true, true, true, true, false])
    let big = try Tensor([Int64(1) << 40 | 5, -1])
    #expect(try Cast.run(big, to: .i32).int32s() == [5, -1])
    #expect(try Cast.run(big, to: .f64).doubles() == [Double(Int64(1) << 40 | 5), -1])
    #expect(try Cast.run(try Tensor([true, false]), to: .f32).floats() == [1, 0])
    // Half precision: exact values survive, 1 + 2^-11 rounds to even (1.0), 65520 overflows.
    let h = try Cast.run(try Tensor([1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 1.00048828125, 65520] as [Float]), to: .f16)
    #expect(h.floats() == [1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 1, .infinity])
    let bf = try Cast.run(try Tensor([1, 1.00390625, 1.01171875, -3] as [Float]), to: .bf16)
    #expect(bf.floats() == [1, 1, 1.015625, -3])
    #expect(try Cast.run(h, to: .f16) == h)
}

@Test func halfConversionRoundTripsEveryPattern() {
    for bits in 0...UInt16.max {
        let f = HalfPrecision.float(fromF16: bits)
        let back = HalfPrecision.f16(from: f)
        if f.isNaN {
            #expect(HalfPrecision.float(fromF16: back).isNaN)
        } else if back != bits {
            Issue.record("f16 \(bits) -> \(f) -> \(back)")
            return
        }
    }
    // Rounding: halfway between 1 and the next half rounds to even; just above rounds up.
    #expect(HalfPrecision.f16(from: 1 + 1.0 / 2048) == 0x3C00)
    #expect(HalfPrecision.f16(from: 1 + 3.0 / 2048) == 0x3C02)
    #expect(HalfPrecision.f16(from: 1 + 1.0 / 2048 + 1.0 / 65536) == 0x3C01)
    #expect(HalfPrecision.bf16(from: .nan) & 0x7FC0 == 0x7FC0)
}

@Suite("Unsigned element types: u16, u32, u64")
struct UnsignedKernelTests {
    let u64max = UInt64.max
    let above = UInt64(Int64.max) + 2  // 2^63 + 1, not an Int64

    @Test func arithmeticWrapsModulo2PowBits() throws {
        let a = try Tensor([UInt64.max, 5, above]), b = try Tensor([UInt64(1), 7, above])
        #expect(try Binary.run(.add, a, b).uint64s() == [0, 12, 2])
        #expect(try Binary.run(.sub, b, a).uint64s() == [2, 2, 0])
        #expect(try Binary.run(.mul, a, b).uint64s() == [UInt64.max, 35, (above &* above)])
        let a32 = try Tensor([UInt32.max, 3]), b32 = try Tensor([UInt32(2), 4_000_000_000])
        #expect(try Binary.run(.add, a32, b32).uint64s() == [1, 4_000_000_003])
        #expect(try Binary.run(.sub, try Tensor([UInt32(3)]), try Tensor([UInt32(5)])).uint64s() == [4_294_967_294])
        let a16 = try Tensor(converting: [65535, 300], dtype: .u16), b16 = try Tensor(converting: [1, 300], dtype: .u16)
        #expect(try Binary.run(.add, a16, b16).int64s() == [0, 600])
        #expect(try Binary.run(.mul, a16, b16).int64s() == [65535, 90000 % 65536])
        #expect(try Binary.run(.sub, b16, a16).int64s() == [2, 0])
    }

    @Test func divisionTruncatesAndRejectsZero() throws {
        let a = try Tensor([UInt64.max, above, 7]), b = try Tensor([UInt64(2), 3, 7])
        // Unsigned, not the Int64 bit pattern (-1 / 2 would be 0).
        #expect(try Binary.run(.div, a, b).uint64s() == [UInt64.max / 2, above / 3, 1])
        #expect(try Binary.run(.div, try Tensor([UInt32(4_000_000_000), 9]), try Tensor([UInt32(3), 2])).uint64s() == [1_333_333_333, 4])
        #expect(throws: KernelError.self) { try Binary.run(.div, a, try Tensor([UInt64(1), 0, 1])) }
    }

    @Test func comparisonsAndExtremesOrderAboveInt64Max() throws {
        let a = try Tensor([UInt64.max, 1, above]), b = try Tensor([UInt64(1), UInt64.max, above])
        #expect(try Compare.run(.gt, a, b).bools() == [true, false, false])
        #expect(try Compare.run(.le, a, b).bools() == [false, true, true])
        #expect(try BinaryMath.run(.maximum, a, b).uint64s() == [UInt64.max, UInt64.max, above])
        #expect(try BinaryMath.run(.minimum, a, b).uint64s() == [1, 1, above])
        #expect(try AMax.run(.max, a, axes: []).uint64s() == [UInt64.max])
        #expect(try ArgExtreme.run(.min, a, dim: 0).int64s() == [1])
        let (values, indices) = try TopK.run(try Tensor([UInt64(3), UInt64.max, above, 0]), k: 2, dim: 0, largest: true)
        #expect(values.uint64s() == [UInt64.max, above] && indices.int64s() == [1, 2])
    }

    @Test func castsBetweenU32AndF32OrI64() throws {
        let u = try Tensor([UInt32.max, 16_777_217, 0])
        #expect(try Cast.run(u, to: .f32).floats() == [0x1p32, 16_777_216, 0])
        #expect(try Cast.run(u, to: .i64).int64s() == [4_294_967_295, 16_777_217, 0])
        #expect(try Cast.run(u, to: .i32).int32s() == [-1, 16_777_217, 0])
        let f = try Tensor([Float(3.9), 4_000_000_000, -1, .nan])
        #expect(try Cast.run(f, to: .u32).uint64s() == [3, 4_000_000_000, 4_294_967_295, 0])
        let i = try Tensor([Int64(-1), 4_294_967_296 + 5, 7])
        #expect(try Cast.run(i, to: .u32).uint64s() == [4_294_967_295, 5, 7])
        #expect(try Cast.run(try Cast.run(i, to: .u32), to: .i64).int64s() == [4_294_967_295, 5, 7])
    }

    @Test func u64ConvertsByValueNotBitPattern() throws {
        let u = try Tensor([UInt64.max, above, 1])
        #expect(try Cast.run(u, to: .f64).doubles() == [0x1p64, 0x1p63, 1])
        #expect(try Cast.run(u, to: .f32).floats() == [0x1p64, 0x1p63, 1])
        #expect(try Cast.run(u, to: .i64).int64s() == [-1, Int64.min + 1, 1])  // wraps, as C
        #expect(try Cast.run(u, to: .u16).int64s() == [65535, 1, 1])
        let d = try Tensor([1.5e19, 9.3e18, 2e19, -2])
        #expect(try Cast.run(d, to: .u64).uint64s() == [15_000_000_000_000_000_000, 9_300_000_000_000_000_000, UInt64.max, UInt64.max - 1])
        #expect(try Tensor(converting: [1.8e19, -5, 3.7], dtype: .u64).uint64s() == [18_000_000_000_000_000_000, 0, 3])
    }

    @Test func bitwiseAndSums() throws {
        let a = try Tensor([UInt64.max, above])
        #expect(try Bitwise.not(a).uint64s() == [0, UInt64(Int64.max) - 1])
        #expect(try Bitwise.run(.rightShift, a, try Tensor([UInt64(63), 1])).uint64s() == [1, above >> 1])
        #expect(try Reduce.run(.sum, a, axes: []).uint64s() == [above &- 1])
    }
}
