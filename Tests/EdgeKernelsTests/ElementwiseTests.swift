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
