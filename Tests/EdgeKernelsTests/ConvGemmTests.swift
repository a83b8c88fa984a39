import Testing
@testable import EdgeKernels

// MARK: - Naive references (Double accumulation)

/// Direct 7-loop convolution; returns output, |term| sums (for tolerances) and shape.
func referenceConv2D(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], _ b: [Float]?, _ p: Conv2DParams)
    -> (out: [Double], scale: [Double], shape: [Int]) {
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3])
    let (oc, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let pd = p.padding
    let oh = (h + pd.top + pd.bottom - p.dilationH * (kh - 1) - 1) / p.strideH + 1
    let ow = (wd + pd.left + pd.right - p.dilationW * (kw - 1) - 1) / p.strideW + 1
    let ocg = oc / p.groups
    var out = [Double](), scale = [Double]()
    for img in 0..<n {
        for o in 0..<oc {
            let grp = o / ocg
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s = Double(b?[o] ?? 0), a = abs(s)
                    for ci in 0..<cg {
                        let ch = grp * cg + ci
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * p.strideH - pd.top + ky * p.dilationH
                                let ix = ox * p.strideW - pd.left + kx * p.dilationW
                                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                                let t = Double(x[((img * c + ch) * h + iy) * wd + ix]) *
                                    Double(w[((o * cg + ci) * kh + ky) * kw + kx])
                                s += t
                                a += abs(t)
                            }
                        }
                    }
                    out.append(s)
                    scale.append(a)
                }
            }
        }
    }
    return (out, scale, [n, oc, oh, ow])
}

/// Naive C = op(A)·op(B) with row-major storage and leading dimensions.
func referenceGemm(m: Int, n: Int, k: Int, a: [Float], lda: Int, ta: Bool, b: [Float], ldb: Int, tb: Bool)
    -> (out: [Double], scale: [Double]) {
    var out = [Double](repeating: 0, count: m * n), scale = out
    for i in 0..<m {
        for j in 0..<n {
            for p in 0..<k {
                let av = ta ? a[p * lda + i] : a[i * lda + p]
                let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                let t = Double(av) * Double(bv)
                out[i * n + j] += t
                scale[i * n + j] += abs(t)
            }
        }
    }
    return (out, scale)
}

// MARK: - Conv2D

struct ConvCase: CustomStringConvertible, Sendable {
    var input: [Int]
    var weight: [Int]
    var bias = true
    var stride = (1, 1)
    var padding = Padding2D.zero
    var dilation = (1, 1)
    var groups = 1
    var description: String { "conv \(input) w\(weight) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    var params: Conv2DParams { Conv2DParams(stride: stride, padding: padding, dilation: dilation, groups: groups) }
}

let convCases: [ConvCase] = [
    // General im2col path, narrow rows (per-element packing).
    ConvCase(input: [2, 3, 9, 11], weight: [5, 3, 3, 3], padding: .init(1, 1)),
    // Wide rows: contiguous 16-pixel packing, partial panels.
    ConvCase(input: [1, 4, 5, 37], weight: [7, 4, 3, 3], padding: .init(1, 1)),
    // Stride, asymmetric padding, dilation.
    ConvCase(input: [1, 3, 10, 9], weight: [4, 3, 3, 2], stride: (2, 1),
             padding: .init(top: 0, left: 1, bottom: 2, right: 1), dilation: (2, 1)),
    // 1×1 pointwise fast path (GEMM on the input directly), with and without bias.
    ConvCase(input: [2, 20, 6, 7], weight: [9, 20, 1, 1]),
    ConvCase(input: [1, 5, 4, 5], weight: [3, 5, 1, 1], bias: false),
    // 1×1 with stride goes through im2col.
    ConvCase(input: [1, 6, 7, 9], weight: [4, 6, 1, 1], stride: (2, 2)),
    // Grouped convolution.
    ConvCase(input: [2, 6, 7, 8], weight: [4, 3, 3, 3], padding: .init(1, 1), groups: 2),
    // Depthwise 3×3, stride 1 and 2 (stride 2 with a row wide enough for the SIMD deinterleave).
    ConvCase(input: [2, 5, 13, 13], weight: [5, 1, 3, 3], padding: .init(1, 1), groups: 5),
    ConvCase(input: [1, 3, 14, 35], weight: [3, 1, 3, 3], stride: (2, 2), padding: .init(1, 1), groups: 3),
    ConvCase(input: [1, 4, 7, 7], weight: [4, 1, 3, 3], bias: false, padding: .init(1, 1), groups: 4),
    // Depthwise 5×5, dilation 2, stride 3, asymmetric padding (generic tap loop, 3 phases).
    ConvCase(input: [1, 2, 17, 19], weight: [2, 1, 5, 5], stride: (3, 3),
             padding: .init(top: 2, left: 1, bottom: 0, right: 3), dilation: (2, 2), groups: 2),
    // Depthwise with channel multiplier 2, and a single input channel with 4 outputs.
    ConvCase(input: [1, 3, 9, 10], weight: [6, 1, 3, 3], padding: .init(1, 1), groups: 3),
    ConvCase(input: [2, 1, 6, 9], weight: [4, 1, 2, 3], stride: (1, 2)),
    // Depth over one GEMM k-block (K = 288 > 256), rows over one m-block (130 > 128).
    ConvCase(input: [1, 32, 6, 6], weight: [6, 32, 3, 3], padding: .init(1, 1)),
    ConvCase(input: [1, 2, 5, 5], weight: [130, 2, 3, 3]),
    // Pixels over one GEMM n-block (46*46 = 2116 > 2048).
    ConvCase(input: [1, 2, 46, 46], weight: [3, 2, 3, 3], padding: .init(1, 1)),
    // Kernel larger than the input, saved by padding.
    ConvCase(input: [1, 2, 2, 3], weight: [3, 2, 3, 3], padding: .init(1, 1)),
    // Big enough to be split over threads: 3×3 im2col (runs across output rows), 1×1, depthwise 5×5.
    ConvCase(input: [1, 16, 23, 29], weight: [24, 16, 3, 3], padding: .init(1, 1)),
    ConvCase(input: [2, 24, 17, 17], weight: [40, 24, 1, 1]),
    ConvCase(input: [1, 12, 30, 31], weight: [12, 1, 5, 5], stride: (2, 2), padding: .init(2, 2), groups: 12),
]

@Test("conv2d matches the naive reference", arguments: convCases)
func conv2dMatchesReference(_ cs: ConvCase) throws {
    var rng = SeededRNG(UInt64(cs.input.reduce(7, &*) &+ cs.weight.reduce(3, &*)))
    let x = randomFloats(cs.input.reduce(1, *), &rng)
    let w = randomFloats(cs.weight.reduce(1, *), &rng)
    let b = cs.bias ? randomFloats(cs.weight[0], &rng) : nil
    let ref = referenceConv2D(x, cs.input, w, cs.weight, b, cs.params)
    let shape = try Conv2D.outputShape(input: cs.input, weight: cs.weight, bias: b.map { [$0.count] }, params: cs.params)
    #expect(shape == ref.shape)
    let out = try Conv2D.run(try Tensor(x, shape: cs.input), weight: try Tensor(w, shape: cs.weight),
                             bias: try b.map { try Tensor($0) }, params: cs.params)
    expectClose(out, ref.out, shape: ref.shape, scale: ref.scale, cs.description)
    // Every variant this CPU runs, on 1 and 2 threads: close to the reference, identical across threads.
    for isa in KernelISA.supported {
        var first: [UInt32]?
        for threads in [1, 2] {
            let got = try Conv2D.run(try Tensor(x, shape: cs.input), weight: try Tensor(w, shape: cs.weight),
                                     bias: try b.map { try Tensor($0) }, params: cs.params,
                                     config: KernelConfig(isa: isa, threads: threads))
            expectClose(got, ref.out, shape: ref.shape, scale: ref.scale, "\(cs.description) \(isa) threads \(threads)")
            let bits = got.floats().map(\.bitPattern)
            if let first { #expect(bits == first, "\(cs.description) \(isa): 2 threads differ from 1") } else { first = bits }
        }
    }
}

@Test func conv2dOutVariantWritesIntoArena() throws {
    // Runtime style: input, weight and output all live in one raw allocation.
    var rng = SeededRNG(11)
    let xs = [1, 2, 4, 4], ws = [3, 2, 3, 3]
    let x = randomFloats(32, &rng), w = randomFloats(54, &rng)
    let params = Conv2DParams(padding: .init(1, 1))
    let os = try Conv2D.outputShape(input: xs, weight: ws, params: params)
    let arena = UnsafeMutableRawPointer.allocate(byteCount: (32 + 54 + 48) * 4, alignment: 64)
    defer { arena.deallocate() }
    let fx = arena.bindMemory(to: Float.self, capacity: 134)
    fx.update(from: x, count: 32)
    (fx + 32).update(from: w, count: 54)
    try Conv2D.run(input: TensorView(base: arena, dtype: .f32, shape: xs),
                   weight: TensorView(base: arena + 32 * 4, dtype: .f32, shape: ws), bias: nil, params: params,
                   output: MutableTensorView(base: arena + 86 * 4, dtype: .f32, shape: os))
    let ref = referenceConv2D(x, xs, w, ws, nil, params)
    expectClose(Array(UnsafeBufferPointer(start: fx + 86, count: 48)), ref.out, scale: ref.scale)
}

@Test func conv2dRejectsBadShapes() throws {
    let x = try Tensor(zeros: [1, 4, 5, 5])
    expectKernelError("channel mismatch") { _ = try Conv2D.run(x, weight: try Tensor(zeros: [2, 3, 3, 3])) }
    expectKernelError("groups do not divide") {
        _ = try Conv2D.run(x, weight: try Tensor(zeros: [3, 1, 3, 3]), params: .init(groups: 4))
    }
    expectKernelError("bias length") {
        _ = try Conv2D.run(x, weight: try Tensor(zeros: [2, 4, 3, 3]), bias: try Tensor(zeros: [3]))
    }
    expectKernelError("kernel larger than input") { _ = try Conv2D.run(x, weight: try Tensor(zeros: [2, 4, 7, 7])) }
    expectKernelError("zero stride") {
        _ = try Conv2D.run(x, weight: try Tensor(zeros: [2, 4, 3, 3]), params: .init(stride: (0, 1)))
    }
    expectKernelError("negative padding") {
        _ = try Conv2D.run(x, weight: try Tensor(zeros: [2, 4, 3, 3]), params: .init(padding: .init(-1, 0)))
    }
    expectKernelError("rank") { _ = try Conv2D.run(try Tensor(zeros: [4, 5, 5]), weight: try Tensor(zeros: [2, 4, 3, 3])) }
    expectKernelError("dtype") {
        _ = try Conv2D.run(try Tensor(zeros: [1, 4, 5, 5], dtype: .f64), weight: try Tensor(zeros: [2, 4, 3, 3]))
    }
    expectKernelError("overflowing shape") {
        _ = try Conv2D.outputShape(input: [Int.max / 2, 4, 5, 5], weight: [2, 4, 3, 3], params: .init())
    }
    // Wrong caller-provided output shape.
    var out = try Tensor(zeros: [1, 2, 4, 4])
    let w = try Tensor(zeros: [2, 4, 3, 3])
    expectKernelError("output shape") {
        try out.withMutableView { o in
            try x.withView { xv in try w.withView { wv in try Conv2D.run(input: xv, weight: wv, bias: nil, params: .init(), output: o) } }
        }
    }
}

@Test func conv2dWithZeroInputChannels() throws {
    // K = 0: the output is just the bias (or zeros), on both the 1×1 and the im2col path.
    let x = try Tensor(zeros: [1, 0, 3, 3])
    let b = try Tensor([1.5, -2] as [Float])
    let a = try Conv2D.run(x, weight: try Tensor(zeros: [2, 0, 1, 1]), bias: b)
    #expect(a.floats() == [Float](repeating: 1.5, count: 9) + [Float](repeating: -2, count: 9))
    let c = try Conv2D.run(x, weight: try Tensor(zeros: [2, 0, 3, 3]), params: .init(padding: .init(1, 1)))
    #expect(c.shape == [1, 2, 3, 3] && c.floats().allSatisfy { $0 == 0 })
}

@Test func paddingFromArrays() throws {
    #expect(try Padding2D([2]) == Padding2D(2, 2))
    #expect(try Padding2D([1, 2]) == Padding2D(top: 1, left: 2, bottom: 1, right: 2))
    #expect(try Padding2D([1, 2, 3, 4]) == Padding2D(top: 1, left: 2, bottom: 3, right: 4))
    expectKernelError { _ = try Padding2D([1, 2, 3]) }
}

// MARK: - GEMM

struct GemmCase: CustomStringConvertible, Sendable {
    var m, n, k: Int
    var ta = false, tb = false, accumulate = false, pad = 0
    var small = false
    var description: String { "gemm \(m)x\(n)x\(k) ta\(ta) tb\(tb) acc\(accumulate) pad\(pad) small\(small)" }
}

let gemmCases: [GemmCase] = [
    GemmCase(m: 4, n: 16, k: 8),
    GemmCase(m: 7, n: 19, k: 13),
    GemmCase(m: 1, n: 17, k: 9),
    GemmCase(m: 1, n: 17, k: 9, tb: true),
    GemmCase(m: 1, n: 21, k: 20, ta: true, accumulate: true),
    GemmCase(m: 5, n: 1, k: 23),
    GemmCase(m: 5, n: 1, k: 23, tb: true, accumulate: true),
    GemmCase(m: 9, n: 33, k: 31, ta: true),
    GemmCase(m: 9, n: 33, k: 31, tb: true, pad: 3),
    GemmCase(m: 13, n: 29, k: 40, ta: true, tb: true, accumulate: true, pad: 2),
    GemmCase(m: 21, n: 50, k: 37, small: true),
    GemmCase(m: 21, n: 50, k: 37, ta: true, tb: true, accumulate: true, pad: 1, small: true),
    GemmCase(m: 3, n: 5, k: 0),
    GemmCase(m: 3, n: 5, k: 0, accumulate: true),
    // Large enough to be split over threads (by columns, and by rows when columns are few).
    GemmCase(m: 40, n: 300, k: 70),
    GemmCase(m: 300, n: 20, k: 70, tb: true, accumulate: true, pad: 1),
    GemmCase(m: 1, n: 2000, k: 60),
    GemmCase(m: 1, n: 2000, k: 60, tb: true),
    GemmCase(m: 2000, n: 1, k: 60, accumulate: true),
]

@Test("sgemm matches the naive reference", arguments: gemmCases)
func sgemmMatchesReference(_ cs: GemmCase) {
    var rng = SeededRNG(UInt64(cs.m * 1000 + cs.n * 10 + cs.k))
    let lda = (cs.ta ? cs.m : cs.k) + cs.pad
    let ldb = (cs.tb ? cs.k : cs.n) + cs.pad
    let a = randomFloats((cs.ta ? cs.k : cs.m) * lda, &rng)
    let b = randomFloats((cs.tb ? cs.n : cs.k) * ldb, &rng)
    let ldc = cs.n + cs.pad
    let before = randomFloats(cs.m * ldc, &rng)
    var ref = referenceGemm(m: cs.m, n: cs.n, k: cs.k, a: a, lda: lda, ta: cs.ta, b: b, ldb: ldb, tb: cs.tb)
    if cs.accumulate {
        for i in 0..<cs.m { for j in 0..<cs.n { ref.out[i * cs.n + j] += Double(before[i * ldc + j]) } }
    }
    let blocking = cs.small ? (mc: 8, kc: 5, nc: 24) : nil
    // The default variant, then every variant this CPU runs on 1 and 2 threads (identical across threads).
    let configs = [KernelConfig(blocking: blocking)] + KernelISA.supported.flatMap { isa in
        [1, 2].map { KernelConfig(isa: isa, threads: $0, blocking: blocking) }
    }
    var firstOfISA: [KernelISA: [UInt32]] = [:]
    for config in configs {
        var c = before
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Gemm.sgemm(m: cs.m, n: cs.n, k: cs.k, a: pa.baseAddress!, lda: lda, transposeA: cs.ta,
                               b: pb.baseAddress!, ldb: ldb, transposeB: cs.tb, c: pc.baseAddress!, ldc: ldc,
                               accumulate: cs.accumulate, config: config)
                }
            }
        }
        let what = "\(cs.description) \(config.isa.map { "\($0)" } ?? "default") threads \(config.threads ?? 0)"
        var got = [Float]()
        for i in 0..<cs.m {
            for j in 0..<cs.n { got.append(c[i * ldc + j]) }
            // Padding columns of C must be untouched.
            for j in cs.n..<ldc { #expect(c[i * ldc + j] == before[i * ldc + j], "\(what)") }
        }
        expectClose(got, ref.out, scale: ref.scale, what)
        if let isa = config.isa {
            let bits = got.map(\.bitPattern)
            if let first = firstOfISA[isa] { #expect(bits == first, "\(what): differs from 1 thread") } else { firstOfISA[isa] = bits }
        }
    }
}

@Test func sgemmPublicEntry() {
    let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
    let b: [Float] = [1, 0, 0, 1, 1, 1]  // 3×2
    var c = [Float](repeating: 0, count: 4)
    Gemm.sgemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
    #expect(c == [4, 5, 10, 11])
}

// MARK: - MatMul / Linear

/// Numpy matmul reference built from explicit index arithmetic.
func referenceMatMul(_ a: [Float], _ ash: [Int], _ b: [Float], _ bsh: [Int]) -> (out: [Double], scale: [Double], shape: [Int]) {
    let a2 = ash.count == 1 ? [1] + ash : ash
    let b2 = bsh.count == 1 ? bsh + [1] : bsh
    let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
    let ab = Array(a2.dropLast(2)), bb = Array(b2.dropLast(2))
    let rank = max(ab.count, bb.count)
    let pa = [Int](repeating: 1, count: rank - ab.count) + ab
    let pb = [Int](repeating: 1, count: rank - bb.count) + bb
    let batch = zip(pa, pb).map { max($0, $1) }
    let count = batch.reduce(1, *)
    var out = [Double](), scale = [Double]()
    for bi in 0..<count {
        let idx = unravel(bi, batch)
        var offA = 0, offB = 0
        for d in 0..<rank {
            offA = offA * pa[d] + (pa[d] == 1 ? 0 : idx[d])
            offB = offB * pb[d] + (pb[d] == 1 ? 0 : idx[d])
        }
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0, t = 0.0
                for p in 0..<k {
                    let v = Double(a[offA * m * k + i * k + p]) * Double(b[offB * k * n + p * n + j])
                    s += v
                    t += abs(v)
                }
                out.append(s)
                scale.append(t)
            }
        }
    }
    var shape = batch
    if ash.count > 1 { shape.append(m) }
    if bsh.count > 1 { shape.append(n) }
    return (out, scale, shape)
}

@Test(arguments: [
    ([3, 4], [4, 5]), ([4], [4]), ([4], [4, 5]), ([2, 3, 4], [4]), ([2, 1, 3, 4], [5, 4, 6]),
    ([2, 3, 4], [4, 6]), ([3, 4], [2, 4, 5]), ([2, 3, 17], [2, 17, 19]), ([1, 5, 9], [3, 9, 2]),
])
func matmulMatchesReference(_ ash: [Int], _ bsh: [Int]) throws {
    var rng = SeededRNG(UInt64(ash.reduce(1, *) * 31 + bsh.reduce(1, *)))
    let a = randomFloats(ash.reduce(1, *), &rng), b = randomFloats(bsh.reduce(1, *), &rng)
    let ref = referenceMatMul(a, ash, b, bsh)
    #expect(try MatMul.outputShape(ash, bsh) == ref.shape)
    let out = try MatMul.run(try Tensor(a, shape: ash), try Tensor(b, shape: bsh))
    expectClose(out, ref.out, shape: ref.shape, scale: ref.scale, "matmul \(ash) \(bsh)")
}

@Test func matmulErrors() throws {
    expectKernelError("inner dims") { _ = try MatMul.run(try Tensor(zeros: [3, 4]), try Tensor(zeros: [5, 6])) }
    expectKernelError("batch broadcast") {
        _ = try MatMul.run(try Tensor(zeros: [2, 3, 4]), try Tensor(zeros: [3, 4, 5]))
    }
    expectKernelError("scalar operand") { _ = try MatMul.run(try Tensor([1] as [Float], shape: []), try Tensor(zeros: [1])) }
    expectKernelError("dtype") { _ = try MatMul.run(try Tensor(zeros: [2, 2], dtype: .i64), try Tensor(zeros: [2, 2], dtype: .i64)) }
}

@Test(arguments: [([2, 3, 7], true), ([7], true), ([5, 7], false), ([1, 20], true)])
func linearMatchesReference(_ xs: [Int], _ withBias: Bool) throws {
    var rng = SeededRNG(UInt64(xs.reduce(1, *)))
    let inF = xs[xs.count - 1], outF = 5
    let x = randomFloats(xs.reduce(1, *), &rng), w = randomFloats(outF * inF, &rng)
    let b = withBias ? randomFloats(outF, &rng) : nil
    // x·Wᵀ + b via the matmul reference on an explicit transpose.
    var wt = [Float](repeating: 0, count: w.count)
    for o in 0..<outF { for i in 0..<inF { wt[i * outF + o] = w[o * inF + i] } }
    var ref = referenceMatMul(x, xs, wt, [inF, outF])
    if let b { for i in 0..<ref.out.count { ref.out[i] += Double(b[i % outF]) } }
    let out = try Linear.run(try Tensor(x, shape: xs), weight: try Tensor(w, shape: [outF, inF]),
                             bias: try b.map { try Tensor($0) })
    expectClose(out, ref.out, shape: Array(xs.dropLast()) + [outF], scale: ref.scale, "linear \(xs)")
}

@Test func linearErrors() throws {
    expectKernelError("in features") { _ = try Linear.run(try Tensor(zeros: [2, 3]), weight: try Tensor(zeros: [4, 5])) }
    expectKernelError("bias") {
        _ = try Linear.run(try Tensor(zeros: [2, 3]), weight: try Tensor(zeros: [4, 3]), bias: try Tensor(zeros: [3]))
    }
    expectKernelError("weight rank") { _ = try Linear.run(try Tensor(zeros: [2, 3]), weight: try Tensor(zeros: [3])) }
}
