// Kernels beyond the CNN set, each against a naive reference written here (Doubles, explicit
// index arithmetic), plus the errors they must throw instead of trapping.
import Foundation
import Testing
@testable import EdgeKernels

/// Naive multi-operand broadcast: `f` applied at each output index to each operand's element.
func naiveBroadcast(_ shapes: [[Int]], _ f: ([Int]) -> Double) -> (out: [Double], shape: [Int]) {
    let rank = shapes.map(\.count).max() ?? 0
    let padded = shapes.map { [Int](repeating: 1, count: rank - $0.count) + $0 }
    let shape = (0..<rank).map { d in padded.map { $0[d] }.max() ?? 1 }
    var out: [Double] = []
    for i in 0..<shape.reduce(1, *) {
        let idx = unravel(i, shape)
        out.append(f(padded.map { p in zip(zip(idx, p), stridesOf(p)).reduce(0) { $0 + ($1.0.1 == 1 ? 0 : $1.0.0) * $1.1 } }))
    }
    return (out, shape)
}

@Suite struct MathKernelTests {
    /// erf(x) = 2/√π · e^(-x²) · Σ 2ⁿ x^(2n+1) / (2n+1)!! — all terms positive, so no cancellation.
    static func erfRef(_ x: Double) -> Double {
        var sum = 0.0, term = x
        for n in 0..<400 {
            sum += term
            term *= 2 * x * x / Double(2 * n + 3)
        }
        return 2 / Double.pi.squareRoot() * Foundation.exp(-x * x) * sum
    }

    static let cases: [(MathOp, @Sendable (Double) -> Double)] = [
        (.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }), (.tanh, { Foundation.tanh($0) }),
        (.hardswish, { $0 * min(max($0 + 3, 0), 6) / 6 }), (.hardsigmoid, { min(max($0 + 3, 0), 6) / 6 }),
        (.gelu(tanhApproximation: false), { 0.5 * $0 * (1 + erfRef($0 / 2.0.squareRoot())) }),
        (.gelu(tanhApproximation: true), { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }),
        (.leakyRelu(slope: 0.3), { $0 > 0 ? $0 : 0.3 * $0 }), (.elu(alpha: 1.5), { $0 > 0 ? $0 : 1.5 * (Foundation.exp($0) - 1) }),
        (.exp, { Foundation.exp($0) }), (.erf, { erfRef($0) }), (.sin, { Foundation.sin($0) }), (.cos, { Foundation.cos($0) }),
        (.floor, { $0.rounded(.down) }), (.ceil, { $0.rounded(.up) }), (.neg, { -$0 }), (.abs, { Swift.abs($0) }),
        (.log, { Foundation.log(Swift.abs($0) + 0.1) }), (.sqrt, { (Swift.abs($0) + 0.1).squareRoot() }),
        (.rsqrt, { 1 / (Swift.abs($0) + 0.1).squareRoot() }), (.reciprocal, { 1 / (Swift.abs($0) + 0.1) }),
    ]

    @Test(arguments: cases.indices)
    func floatAndDoubleMatchTheFormula(_ k: Int) throws {
        let (op, f) = Self.cases[k]
        var rng = SeededRNG(UInt64(k + 1))
        var xs = randomFloats(257, &rng, -5...5)
        // Positive-domain ops get |x| + 0.1 (the formulas above do the same).
        if [MathOp.log, .sqrt, .rsqrt, .reciprocal].contains(op) { xs = xs.map { Swift.abs($0) + 0.1 } }
        let pre: (Double) -> Double = [MathOp.log, .sqrt, .rsqrt, .reciprocal].contains(op) ? { Swift.abs($0) - 0.1 } : { $0 }
        let expected = xs.map { f(pre(Double($0))) }
        let y = try Math.run(op, try Tensor(xs, shape: [257]))
        expectClose(y.floats(), expected, rtol: 2e-6, atol: 2e-6, "\(op) f32")
        let yd = try Math.run(op, try Tensor(xs.map(Double.init), shape: [257]))
        let got = yd.doubles()
        for (a, e) in zip(got, expected) where !(Swift.abs(a - e) <= 1e-12 * max(1, Swift.abs(e))) {
            Issue.record("\(op) f64: \(a) vs \(e)")
            break
        }
    }

    @Test func halfPrecisionComputesThroughFloat() throws {
        let xs: [Double] = [-2, -0.5, 0, 0.75, 3]
        let h = try Tensor(converting: xs, dtype: .f16)
        let y = try Math.run(.sigmoid, h)
        #expect(y.dtype == .f16)
        expectClose(y.floats(), xs.map { 1 / (1 + Foundation.exp(-$0)) }, rtol: 1e-3, atol: 1e-3)
        let b = try Math.run(.tanh, try Tensor(converting: xs, dtype: .bf16))
        expectClose(b.floats(), xs.map { Foundation.tanh($0) }, rtol: 1e-2, atol: 1e-2)
    }

    @Test func integersAndErrors() throws {
        #expect(try Math.run(.neg, try Tensor([Int64(3), -4, .min])).int64s() == [-3, 4, .min])
        #expect(try Math.run(.abs, try Tensor([Int32(3), -4, .min])).int32s() == [3, 4, .min])
        expectKernelError("sigmoid on i32") { _ = try Math.run(.sigmoid, try Tensor([Int32(1)])) }
        expectKernelError("abs on bool") { _ = try Math.run(.abs, try Tensor([true])) }
        let x = try Tensor([Float(1), 2])
        var out = try Tensor(zeros: [3])
        expectKernelError("shape") { try x.withView { v in try out.withMutableView { try Math.run(.exp, input: v, output: $0) } } }
    }
}

@Suite struct BroadcastKernelTests {
    @Test(arguments: broadcastPairs)
    func binaryMathAndComparisons(_ ash: [Int], _ bsh: [Int]) throws {
        var rng = SeededRNG(UInt64(ash.reduce(11, *) + bsh.reduce(13, *)))
        // Small integers so that equalities occur.
        let a = (0..<ash.reduce(1, *)).map { _ in Float(Int.random(in: -3...3, using: &rng)) }
        let b = (0..<bsh.reduce(1, *)).map { _ in Float(Int.random(in: -3...3, using: &rng)) }
        let ta = try Tensor(a, shape: ash), tb = try Tensor(b, shape: bsh)
        let binary: [(BinaryMathOp, (Double, Double) -> Double)] = [(.maximum, { max($0, $1) }), (.minimum, { min($0, $1) })]
        for (op, f) in binary {
            let ref = naiveBroadcast([ash, bsh]) { f(Double(a[$0[0]]), Double(b[$0[1]])) }
            let y = try BinaryMath.run(op, ta, tb)
            #expect(y.shape == ref.shape)
            expectClose(y.floats(), ref.out, "\(op)")
            let yi = try BinaryMath.run(op, try Cast.run(ta, to: .i32), try Cast.run(tb, to: .i32))
            #expect(yi.doubles() == ref.out, "\(op) i32")
        }
        let pa = a.map { Swift.abs($0) + 0.5 }
        let pw = try BinaryMath.run(.pow, try Tensor(pa, shape: ash), tb)
        expectClose(pw.floats(), naiveBroadcast([ash, bsh]) { Foundation.pow(Double(pa[$0[0]]), Double(b[$0[1]])) }.out, rtol: 1e-5)
        let compares: [(CompareOp, (Double, Double) -> Bool)] = [
            (.eq, { $0 == $1 }), (.ne, { $0 != $1 }), (.lt, { $0 < $1 }), (.le, { $0 <= $1 }), (.gt, { $0 > $1 }), (.ge, { $0 >= $1 }),
        ]
        for (op, f) in compares {
            let ref = naiveBroadcast([ash, bsh]) { f(Double(a[$0[0]]), Double(b[$0[1]])) ? 1 : 0 }
            for dtype in [DType.f32, .f64, .i64, .i8, .f16] {
                let y = try Compare.run(op, try Cast.run(ta, to: dtype), try Cast.run(tb, to: dtype))
                #expect(y.dtype == .bool && y.shape == ref.shape)
                #expect(y.doubles() == ref.out, "\(op) \(dtype)")
            }
        }
    }

    @Test func nanPropagatesThroughMaximumAndFailsComparisons() throws {
        let a = try Tensor([Float.nan, 1, 2]), b = try Tensor([Float(0), .nan, 3])
        let mx = try BinaryMath.run(.maximum, a, b).floats()
        #expect(mx[0].isNaN && mx[1].isNaN && mx[2] == 3)
        #expect(try Compare.run(.eq, a, a).bools() == [false, true, true])
        #expect(try Compare.run(.ne, a, a).bools() == [true, false, false])
        expectKernelError("pow on integers") { _ = try BinaryMath.run(.pow, try Tensor([Int32(2)]), try Tensor([Int32(2)])) }
        expectKernelError("mixed dtypes") { _ = try Compare.run(.lt, a, try Tensor([Int32(1), 2, 3])) }
    }

    @Test func logicalAndWhereBroadcastThreeWays() throws {
        let c = try Tensor([true, false, true], shape: [3, 1]), d = try Tensor([false, true], shape: [2])
        #expect(try Logical.run(.and, c, d).bools() == [false, true, false, false, false, true])
        #expect(try Logical.run(.or, c, d).bools() == [true, true, false, true, true, true])
        #expect(try Logical.run(.xor, c, d).bools() == [true, false, false, true, true, false])
        #expect(try Logical.not(c).bools() == [false, true, false])
        let a = try Tensor((0..<6).map(Float.init), shape: [2, 1, 3]), b = try Tensor([Float(-1), -2, -3], shape: [3, 1])
        let cond = try Tensor([true, false, false, true, true, false], shape: [2, 3, 1])
        let y = try Where.run(condition: cond, a, b)
        let av = a.doubles(), bv = b.doubles(), cv = cond.bools()
        let ref = naiveBroadcast([[2, 3, 1], [2, 1, 3], [3, 1]]) { cv[$0[0]] ? av[$0[1]] : bv[$0[2]] }
        #expect(y.shape == ref.shape && y.doubles() == ref.out)
        let yi = try Where.run(condition: cond, try Cast.run(a, to: .i64), try Cast.run(b, to: .i64))
        #expect(yi.doubles() == ref.out)
        expectKernelError("condition must be bool") { _ = try Where.run(condition: a, a, a) }
        expectKernelError("logical on floats") { _ = try Logical.run(.and, a, a) }
    }
}

@Suite struct ExtremeKernelTests {
    @Test(arguments: [[0], [1], [2], [0, 2], [], [-1, 0]])
    func amaxAminMatchNaive(_ axes: [Int]) throws {
        var rng = SeededRNG(UInt64(axes.count * 31 + (axes.first ?? 7) + 40))
        let shape = [3, 4, 5]
        let v = randomFloats(60, &rng, -10...10)
        let x = try Tensor(v, shape: shape)
        let norm = Set((axes.isEmpty ? [0, 1, 2] : axes).map { $0 < 0 ? $0 + 3 : $0 })
        for keep in [false, true] {
            let outShape = (0..<3).compactMap { norm.contains($0) ? (keep ? 1 : nil) : shape[$0] }
            var best = [Double?](repeating: nil, count: outShape.reduce(1, *)), worst = best
            var intBest = [Int16?](repeating: nil, count: best.count)
            for i in 0..<60 {
                let idx = unravel(i, shape)
                let o = (0..<3).filter { !norm.contains($0) }.reduce(0) { $0 * shape[$1] + idx[$1] }
                best[o] = max(best[o] ?? -.infinity, Double(v[i]))
                worst[o] = min(worst[o] ?? .infinity, Double(v[i]))
                intBest[o] = max(intBest[o] ?? .min, Int16(v[i]))
            }
            let mx = try AMax.run(.max, x, axes: axes, keepDims: keep), mn = try AMax.run(.min, x, axes: axes, keepDims: keep)
            #expect(mx.shape == outShape && mn.shape == outShape)
            #expect(mx.doubles() == best.map { $0! } && mn.doubles() == worst.map { $0! })
            let xi = try Cast.run(x, to: .i16)
            #expect(try AMax.run(.max, xi, axes: axes, keepDims: keep).doubles() == intBest.map { Double($0!) })
        }
    }

    @Test func argExtremesTakeTheFirstAndNaN() throws {
        let x = try Tensor([Float(1), 5, 5, -2, 0, -2, 3, .nan, 9], shape: [3, 3])
        #expect(try ArgExtreme.run(.max, x, dim: 1).int64s() == [1, 1, 1])
        #expect(try ArgExtreme.run(.min, x, dim: 1).int64s() == [0, 0, 1])
        #expect(try ArgExtreme.run(.max, x, dim: 0, keepDims: true).int64s() == [2, 2, 2])
        #expect(try ArgExtreme.run(.max, x, dim: 0, keepDims: true).shape == [1, 3])
        #expect(try ArgExtreme.run(.min, try Cast.run(x, to: .i32), dim: -1).int64s() == [0, 0, 1])
        expectKernelError("empty dim") { _ = try ArgExtreme.run(.max, try Tensor(zeros: [2, 0]), dim: 1) }
        expectKernelError("empty amax") { _ = try AMax.run(.max, try Tensor(zeros: [2, 0]), axes: [1]) }
        expectKernelError("bool") { _ = try AMax.run(.max, try Tensor([true]), axes: []) }
    }
}

@Suite struct IndexingKernelTests {
    static let x = try! Tensor((0..<60).map(Float.init), shape: [3, 4, 5])

    @Test(arguments: [(0, 0, 3, 1), (1, 1, -1, 2), (2, -100, 100, 3), (2, -2, Int.max, 1), (1, 3, 1, 1), (-1, 4, 5, 1)])
    func sliceMatchesPython(_ dim: Int, _ start: Int, _ end: Int, _ step: Int) throws {
        let y = try Slice.run(Self.x, dim: dim, start: start, end: end, step: step)
        let d = dim < 0 ? dim + 3 : dim, size = [3, 4, 5][d]
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + size : i, 0), size) }
        let picks = Array(stride(from: clamp(start), to: clamp(end), by: step))
        var shape = [3, 4, 5]
        shape[d] = picks.count
        #expect(y.shape == shape)
        let expected = (0..<shape.reduce(1, *)).map { i -> Double in
            var idx = unravel(i, shape)
            idx[d] = picks[idx[d]]
            return Double(idx[0] * 20 + idx[1] * 5 + idx[2])
        }
        #expect(y.doubles() == expected)
    }

    @Test func gather() throws {
        // x[i][j][k] = i*20 + j*5 + k; out[i][j][k] = x[i][j][index[i][j][k]] along dim 2.
        let index = try Tensor([Int64(4), 0, 2, 2, 1, 3], shape: [1, 2, 3])
        let g = try Gather.run(Self.x, dim: 2, index: index)
        #expect(g.shape == [1, 2, 3])
        #expect(g.doubles() == [4, 0, 2, 7, 6, 8])
        // Along dim 0 with an i32 index narrower than the input in the other dims.
        let rows = try Gather.run(Self.x, dim: 0, index: try Tensor([Int32(2), 0], shape: [2, 1, 1]))
        #expect(rows.doubles() == [40, 0])
        expectKernelError("negative index") { _ = try Gather.run(Self.x, dim: 2, index: try Tensor([Int64(-1)], shape: [1, 1, 1])) }
        expectKernelError("index too large") { _ = try Gather.run(Self.x, dim: 2, index: try Tensor([Int64(5)], shape: [1, 1, 1])) }
        expectKernelError("rank") { _ = try Gather.run(Self.x, dim: 0, index: try Tensor([Int64(0)])) }
        expectKernelError("index wider than input") { _ = try Gather.run(Self.x, dim: 0, index: try Tensor(converting: [Double](repeating: 0, count: 5), dtype: .i64, shape: [1, 5, 1])) }
    }

    @Test func indexSelectSplitRepeatExpand() throws {
        let g = try IndexSelect.run(Self.x, dim: 1, index: try Tensor([Int64(3), 0, 3]))
        #expect(g.shape == [3, 3, 5])
        #expect(g.doubles() == (0..<45).map { i in let idx = unravel(i, [3, 3, 5]); return Double(idx[0] * 20 + [3, 0, 3][idx[1]] * 5 + idx[2]) })
        #expect(try IndexSelect.run(Self.x, dim: 0, index: try Tensor([Int32(2)])).doubles() == (40..<60).map(Double.init))
        expectKernelError("negative index") { _ = try IndexSelect.run(Self.x, dim: 0, index: try Tensor([Int64(-1)])) }
        expectKernelError("index too large") { _ = try IndexSelect.run(Self.x, dim: 2, index: try Tensor([Int64(5)])) }
        expectKernelError("float index") { _ = try IndexSelect.run(Self.x, dim: 2, index: try Tensor([Float(1)])) }

        let parts = try Split.run(Self.x, dim: 2, sizes: [2, 0, 3])
        #expect(parts.map(\.shape) == [[3, 4, 2], [3, 4, 0], [3, 4, 3]])
        #expect(try Concat.run(parts, axis: 2) == Self.x)
        expectKernelError("sizes") { _ = try Split.run(Self.x, dim: 0, sizes: [1, 1]) }

        let small = try Tensor(converting: [1, 2, 3, 4, 5, 6], dtype: .i16, shape: [2, 3])
        let r = try Repeat.run(small, repeats: [2, 1, 2])
        #expect(r.shape == [2, 2, 6])
        #expect(r.doubles() == (0..<24).map { i in let idx = unravel(i, [2, 2, 6]); return Double(idx[1] * 3 + idx[2] % 3 + 1) })
        expectKernelError("too few repeats") { _ = try Repeat.run(small, repeats: [2]) }

        let e = try Expand.run(try Tensor([Float(1), 2, 3], shape: [3, 1]), shape: [2, 3, -1])
        #expect(e.shape == [2, 3, 1])
        let e2 = try Expand.run(try Tensor([Float(1), 2, 3], shape: [3, 1]), shape: [2, 3, 4])
        let expanded: [Double] = (0..<24).map { (i: Int) -> Double in Double((i / 4) % 3 + 1) }
        #expect(e2.doubles() == expanded)
        expectKernelError("bad expand") { _ = try Expand.run(try Tensor([Float(1), 2, 3]), shape: [2]) }
    }

    @Test(arguments: PadMode.allCases)
    func padMatchesNaiveDefinition(_ mode: PadMode) throws {
        let shape = [2, 3, 4]
        let v = (0..<24).map { Float($0) * 1.5 - 7 }
        let x = try Tensor(v, shape: shape)
        let pads: [[Int]] = mode == .constant ? [[1, 2], [0, 1, 2, 0], [-1, 2, 1, -2, 0, 1], [0, 0]] : [[1, 2], [3, 0, 2, 1], [1, 1, 2, 2, 1, 0]]
        for pad in pads {
            let y = try Pad.run(x, pad: pad, mode: mode, value: 9)
            var before = [0, 0, 0], outShape = shape
            for k in 0..<(pad.count / 2) { before[2 - k] = pad[2 * k]; outShape[2 - k] += pad[2 * k] + pad[2 * k + 1] }
            #expect(y.shape == outShape)
            let expected = (0..<outShape.reduce(1, *)).map { i -> Double in
                var src = 0
                for (d, o) in unravel(i, outShape).enumerated() {
                    var s = o - before[d]
                    let n = shape[d]
                    switch mode {
                    case .constant: if s < 0 || s >= n { return 9 }
                    case .replicate: s = min(max(s, 0), n - 1)
                    case .reflect: while s < 0 || s >= n { s = s < 0 ? -s : 2 * (n - 1) - s }
                    }
                    src = src * n + s
                }
                return Double(v[src])
            }
            #expect(y.doubles() == expected, "\(mode) \(pad)")
        }
        let i = try Pad.run(try Tensor([Int64(5), 6]), pad: [1, 1], mode: mode, value: -1)
        #expect(i.int64s() == (mode == .constant ? [-1, 5, 6, -1] : mode == .reflect ? [6, 5, 6, 5] : [5, 5, 6, 6]))
    }

    @Test func padErrors() throws {
        let x = try Tensor(zeros: [2, 3])
        expectKernelError("reflect too wide") { _ = try Pad.run(x, pad: [3, 0], mode: .reflect) }
        expectKernelError("negative reflect") { _ = try Pad.run(x, pad: [-1, 0], mode: .reflect) }
        expectKernelError("odd pad") { _ = try Pad.run(x, pad: [1]) }
        expectKernelError("too many dims") { _ = try Pad.run(x, pad: [0, 0, 0, 0, 1, 1]) }
        expectKernelError("crop below zero") { _ = try Pad.run(x, pad: [-2, -2]) }
    }

    @Test func fullConvertsTheValue() throws {
        #expect(try Full.run(shape: [2], value: -2.7, dtype: .i32).int32s() == [-2, -2])
        #expect(try Full.run(shape: [3], value: 0.5, dtype: .bool).bools() == [true, true, true])
        #expect(try Full.run(shape: [1, 2], value: 1.25, dtype: .f16).floats() == [1.25, 1.25])
        #expect(try Full.run(shape: [0], value: 1, dtype: .f32).count == 0)
    }
}

@Suite struct NormResizeKernelTests {
    static func normalize(_ xs: [Double], _ eps: Double) -> (out: [Double], mean: Double, rstd: Double) {
        let m = xs.reduce(0, +) / Double(xs.count)
        let v = xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)
        let r = 1 / (v + eps).squareRoot()
        return (xs.map { ($0 - m) * r }, m, r)
    }

    /// Rows whose length is not a multiple of the four partial sums, with each affine combination.
    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func layerNormOddRows(_ withWeight: Bool, _ withBias: Bool) throws {
        var rng = SeededRNG(9)
        let n = 13, rows = 3
        let v = randomFloats(rows * n, &rng, -3...5), w = randomFloats(n, &rng), b = randomFloats(n, &rng)
        let tw = try Tensor(w), tb = try Tensor(b)
        let out = try LayerNorm.run(try Tensor(v, shape: [rows, n]), normalizedShape: [n], weight: withWeight ? tw : nil,
                                    bias: withBias ? tb : nil, epsilon: 1e-5)
        var expected: [Double] = []
        for row in 0..<rows {
            let r = Self.normalize(v[(row * n)..<(row * n + n)].map(Double.init), 1e-5)
            expected += r.out.enumerated().map { i, x in x * (withWeight ? Double(w[i]) : 1) + (withBias ? Double(b[i]) : 0) }
        }
        expectClose(out.floats(), expected, rtol: 1e-5, atol: 1e-5)
    }

    @Test func layerNormWithStatistics() throws {
        var rng = SeededRNG(5)
        let v = randomFloats(2 * 3 * 8, &rng, -4...4), w = randomFloats(24, &rng), b = randomFloats(24, &rng)
        let x = try Tensor(v, shape: [2, 3, 8])
        var out = try Tensor(zeros: [2, 3, 8]), mean = try Tensor(zeros: [2, 1, 1]), rstd = try Tensor(zeros: [2, 1, 1])
        let tw = try Tensor(w, shape: [3, 8]), tb = try Tensor(b, shape: [3, 8])
        try withViews([x, tw, tb]) { vs in
            try out.withMutableView { o in try mean.withMutableView { m in try rstd.withMutableView { r in
                try LayerNorm.run(input: vs[0], normalizedShape: [3, 8], weight: vs[1], bias: vs[2], epsilon: 1e-5, output: o, mean: m, rstd: r)
            } } }
        }
        var expected: [Double] = [], ms: [Double] = [], rs: [Double] = []
        for row in 0..<2 {
            let n = Self.normalize(v[(row * 24)..<(row * 24 + 24)].map(Double.init), 1e-5)
            expected += n.out.enumerated().map { $0.element * Double(w[$0.offset]) + Double(b[$0.offset]) }
            ms.append(n.mean); rs.append(n.rstd)
        }
        expectClose(out.floats(), expected, rtol: 1e-5, atol: 1e-5)
        expectClose(mean.floats(), ms)
        expectClose(rstd.floats(), rs)
        expectKernelError("normalized shape") { _ = try LayerNorm.run(x, normalizedShape: [3]) }
        expectKernelError("integers") { _ = try LayerNorm.run(try Tensor([Int32(1)]), normalizedShape: [1]) }
    }

    @Test func groupNormMatchesNaive() throws {
        var rng = SeededRNG(6)
        let v = randomFloats(2 * 6 * 5, &rng, -3...3), w = randomFloats(6, &rng), b = randomFloats(6, &rng)
        let y = try GroupNorm.run(try Tensor(v, shape: [2, 6, 5]), weight: try Tensor(w), bias: try Tensor(b), groups: 3, epsilon: 1e-3)
        var expected: [Double] = []
        for r in 0..<6 {
            let n = Self.normalize(v[(r * 10)..<(r * 10 + 10)].map(Double.init), 1e-3).out
            let c0 = (r % 3) * 2
            expected += n.enumerated().map { $0.element * Double(w[c0 + $0.offset / 5]) + Double(b[c0 + $0.offset / 5]) }
        }
        expectClose(y.floats(), expected, rtol: 1e-5, atol: 1e-5)
        expectKernelError("groups") { _ = try GroupNorm.run(try Tensor(v, shape: [2, 6, 5]), groups: 4) }
    }

    @Test(arguments: [(1, 1, 0, 0, 1, 1), (2, 2, 1, 1, 1, 2), (3, 2, 0, 2, 2, 1), (2, 1, 1, 0, 1, 1)])
    func convTransposeMatchesScatterDefinition(_ stride: Int, _ groups: Int, _ pad: Int, _ outPad: Int, _ dilation: Int, _ batch: Int) throws {
        var rng = SeededRNG(UInt64(stride * 100 + groups * 10 + pad + outPad * 3 + dilation * 7))
        let (c, h, w, ocg, k) = (4, 4, 3, 3, 3)
        let xv = randomFloats(batch * c * h * w, &rng), wv = randomFloats(c * ocg * k * k, &rng), bv = randomFloats(ocg * groups, &rng)
        let p = ConvTranspose2DParams(stride: (stride, stride), padding: (pad, pad), outputPadding: (outPad, 0), dilation: (dilation, dilation), groups: groups)
        guard outPad < stride || outPad < dilation else { return }
        let y = try ConvTranspose2D.run(try Tensor(xv, shape: [batch, c, h, w]), weight: try Tensor(wv, shape: [c, ocg, k, k]),
                                        bias: try Tensor(bv), params: p)
        let oc = ocg * groups
        let oh = (h - 1) * stride - 2 * pad + dilation * (k - 1) + outPad + 1, ow = (w - 1) * stride - 2 * pad + dilation * (k - 1) + 1
        #expect(y.shape == [batch, oc, oh, ow])
        // Gather form: out[n, o, i, j] = b[o] + Σ x[n, ci, hh, ww] W[ci, o mod ocg, a, e] where i = hh*s - p + a*d.
        var expected: [Double] = []
        let cg = c / groups
        for n in 0..<batch { for o in 0..<oc { for i in 0..<oh { for j in 0..<ow {
            var s = Double(bv[o])
            let g = o / ocg
            for ci in (g * cg)..<(g * cg + cg) { for a in 0..<k { for e in 0..<k {
                let hi = i + pad - a * dilation, wi = j + pad - e * dilation
                guard hi % stride == 0, wi % stride == 0, hi >= 0, wi >= 0, hi / stride < h, wi / stride < w else { continue }
                s += Double(xv[((n * c + ci) * h + hi / stride) * w + wi / stride]) * Double(wv[((ci * ocg + o % ocg) * k + a) * k + e])
            } } }
            expected.append(s)
        } } } }
        expectClose(y.floats(), expected, rtol: 1e-5, atol: 1e-5)
    }

    @Test func resizeMatchesNaive() throws {
        let v = (0..<12).map { Float($0 * $0) }
        let x = try Tensor(v, shape: [1, 1, 3, 4])
        for (oh, ow) in [(6, 8), (5, 7), (2, 3), (3, 4), (1, 1)] {
            let n = try Upsample2D.nearest(x, size: (oh, ow))
            let expected = (0..<(oh * ow)).map { i -> Double in
                let r = min(Int((Float(i / ow) * (Float(3) / Float(oh))).rounded(.down)), 2)
                let c = min(Int((Float(i % ow) * (Float(4) / Float(ow))).rounded(.down)), 3)
                return Double(v[r * 4 + c])
            }
            #expect(n.doubles() == expected, "nearest \(oh)x\(ow)")
            for align in [false, true] {
                let b = try Upsample2D.bilinear(x, size: (oh, ow), alignCorners: align)
                func src(_ i: Int, _ input: Int, _ output: Int) -> Double {
                    align ? (output > 1 ? Double(i) * Double(input - 1) / Double(output - 1) : 0)
                        : max((Double(i) + 0.5) * Double(input) / Double(output) - 0.5, 0)
                }
                let ref = (0..<(oh * ow)).map { i -> Double in
                    let r = src(i / ow, 3, oh), c = src(i % ow, 4, ow)
                    let r0 = min(Int(r), 2), c0 = min(Int(c), 3), r1 = min(r0 + 1, 2), c1 = min(c0 + 1, 3)
                    let fr = r - Double(r0), fc = c - Double(c0)
                    func at(_ a: Int, _ b: Int) -> Double { Double(v[a * 4 + b]) }
                    return (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c1)) + fr * ((1 - fc) * at(r1, c0) + fc * at(r1, c1))
                }
                expectClose(b.floats(), ref, rtol: 1e-5, atol: 1e-4, "bilinear \(oh)x\(ow) align \(align)")
            }
        }
        expectKernelError("rank") { _ = try Upsample2D.nearest(try Tensor(zeros: [3, 4]), size: (2, 2)) }
        expectKernelError("bilinear ints") { _ = try Upsample2D.bilinear(try Tensor(zeros: [1, 1, 2, 2], dtype: .i32), size: (3, 3), alignCorners: false) }
    }
}
