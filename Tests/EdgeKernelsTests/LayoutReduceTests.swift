#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import EdgeKernels

// MARK: - Reshape / flatten / permute / concat

@Test func reshapeAndFlatten() throws {
    #expect(try Reshape.outputShape(input: [2, 3, 4], target: [4, -1]) == [4, 6])
    #expect(try Reshape.outputShape(input: [2, 3, 4], target: [24]) == [24])
    #expect(try Reshape.outputShape(input: [0, 3], target: [3, 0]) == [3, 0])
    expectKernelError("two -1") { _ = try Reshape.outputShape(input: [2, 3], target: [-1, -1]) }
    expectKernelError("count") { _ = try Reshape.outputShape(input: [2, 3], target: [4, 2]) }
    expectKernelError("indivisible") { _ = try Reshape.outputShape(input: [2, 3], target: [4, -1]) }
    expectKernelError("negative") { _ = try Reshape.outputShape(input: [2, 3], target: [-2, -3]) }
    let t = try Tensor((0..<24).map(Int64.init), shape: [2, 3, 4])
    let r = try Reshape.run(t, shape: [6, -1])
    #expect(r.shape == [6, 4] && r.int64s() == t.int64s())
    #expect(try Flatten.outputShape(input: [2, 3, 4, 5]) == [2, 60])
    #expect(try Flatten.outputShape(input: [2, 3, 4, 5], startDim: 0, endDim: 1) == [6, 4, 5])
    #expect(try Flatten.outputShape(input: [2, 3, 4, 5], startDim: -2) == [2, 3, 20])
    #expect(try Flatten.run(t).shape == [2, 12])
    expectKernelError("start after end") { _ = try Flatten.outputShape(input: [2, 3], startDim: 1, endDim: 0) }
}

/// Reference permute via index arithmetic on Int64 values.
func referencePermute(_ x: [Int64], _ shape: [Int], _ perm: [Int]) -> [Int64] {
    let outShape = perm.map { shape[$0] }
    let inStrides = stridesOf(shape)
    return (0..<x.count).map { i in
        let idx = unravel(i, outShape)
        var off = 0
        for d in 0..<perm.count { off += idx[d] * inStrides[perm[d]] }
        return x[off]
    }
}

@Test(arguments: [
    ([2, 3, 4, 5], [0, 2, 3, 1]), ([2, 3, 4, 5], [3, 2, 1, 0]), ([2, 3, 4, 5], [0, 1, 3, 2]),
    ([37, 41], [1, 0]), ([1, 5, 1, 6], [2, 3, 0, 1]), ([3, 4, 5], [0, 1, 2]), ([2, 1, 3], [-1, 0, 1]),
])
func permuteMatchesReference(_ shape: [Int], _ perm: [Int]) throws {
    let n = shape.reduce(1, *)
    let values = (0..<n).map { Int64($0) * 7 - 3 }
    let norm = perm.map { $0 < 0 ? $0 + shape.count : $0 }
    let ref = referencePermute(values, shape, norm)
    let outShape = norm.map { shape[$0] }
    for dtype in [DType.i64, .f32, .u8, .f16, .f64] {
        let t = try Cast.run(try Tensor(values, shape: shape), to: dtype)
        let out = try Permute.run(t, permutation: perm)
        #expect(out.shape == outShape)
        #expect(out == (try Cast.run(try Tensor(ref, shape: outShape), to: dtype)), "permute \(shape) \(perm) \(dtype)")
    }
}

@Test func permuteErrors() throws {
    let t = try Tensor(zeros: [2, 3, 4])
    expectKernelError("length") { _ = try Permute.run(t, permutation: [0, 1]) }
    expectKernelError("repeat") { _ = try Permute.run(t, permutation: [0, 1, 1]) }
    expectKernelError("range") { _ = try Permute.run(t, permutation: [0, 1, 3]) }
}

@Test func concatAlongAxes() throws {
    let a = try Tensor((0..<6).map(Int64.init), shape: [2, 3])
    let b = try Tensor((10..<14).map(Int64.init), shape: [2, 2])
    let c = try Tensor((20..<22).map(Int64.init), shape: [2, 1])
    let r = try Concat.run([a, b, c], axis: -1)
    #expect(r.shape == [2, 6])
    #expect(r.int64s() == [0, 1, 2, 10, 11, 20, 3, 4, 5, 12, 13, 21])
    let d = try Tensor((30..<33).map(Int64.init), shape: [1, 3])
    let e = try Tensor(zeros: [0, 3], dtype: .i64)
    let r0 = try Concat.run([a, e, d], axis: 0)
    #expect(r0.shape == [3, 3])
    #expect(r0.int64s() == [0, 1, 2, 3, 4, 5, 30, 31, 32])
    // Middle axis on f32 with random data vs index reference.
    var rng = SeededRNG(3)
    let xs = [[2, 1, 5], [2, 4, 5], [2, 2, 5]]
    let ts = try xs.map { try randomTensor($0, &rng) }
    let out = try Concat.run(ts, axis: 1)
    #expect(out.shape == [2, 7, 5])
    var ref = [Float]()
    for o in 0..<2 { for t in ts { let v = t.floats(); let rows = t.shape[1]; ref += v[(o * rows * 5)..<((o + 1) * rows * 5)] } }
    #expect(out.floats() == ref)
    expectKernelError("mismatch") { _ = try Concat.run([a, try Tensor(zeros: [3, 3], dtype: .i64)], axis: 1) }
    expectKernelError("dtype") { _ = try Concat.run([a, try Tensor(zeros: [2, 3])], axis: 0) }
    expectKernelError("empty list") { _ = try Concat.run([], axis: 0) }
    expectKernelError("axis") { _ = try Concat.run([a], axis: 2) }
}

// MARK: - Batch norm

@Test func batchNormMatchesReference() throws {
    var rng = SeededRNG(21)
    let shape = [2, 3, 4, 5]
    let x = randomFloats(120, &rng, -3...3)
    let scale = randomFloats(3, &rng), bias = randomFloats(3, &rng)
    let mean = randomFloats(3, &rng), variance = randomFloats(3, &rng, 0.1...2)
    let eps = 1e-3
    for (useScale, useBias) in [(true, true), (false, false), (true, false)] {
        var ref = [Double]()
        for i in 0..<120 {
            let c = (i / 20) % 3
            let norm = (Double(x[i]) - Double(mean[c])) / (Double(variance[c]) + eps).squareRoot()
            ref.append(norm * (useScale ? Double(scale[c]) : 1) + (useBias ? Double(bias[c]) : 0))
        }
        let out = try BatchNorm.run(try Tensor(x, shape: shape), scale: useScale ? try Tensor(scale) : nil,
                                    bias: useBias ? try Tensor(bias) : nil, mean: try Tensor(mean),
                                    variance: try Tensor(variance), epsilon: eps)
        expectClose(out, ref, shape: shape, "batch_norm scale \(useScale) bias \(useBias)")
    }
    let d = try BatchNorm.run(try Tensor([1, 2, 3, 4] as [Double], shape: [2, 2]), scale: nil, bias: nil,
                              mean: try Tensor([1, 2] as [Double]), variance: try Tensor([4, 1] as [Double]), epsilon: 0)
    #expect(d.doubles() == [0, 0, 1, 2])
    expectKernelError("channels") {
        _ = try BatchNorm.run(try Tensor(zeros: [1, 3, 2]), scale: nil, bias: nil, mean: try Tensor(zeros: [2]),
                              variance: try Tensor(zeros: [3]))
    }
    expectKernelError("rank") {
        _ = try BatchNorm.run(try Tensor(zeros: [3]), scale: nil, bias: nil, mean: try Tensor(zeros: [3]),
                              variance: try Tensor(zeros: [3]))
    }
}

// MARK: - Softmax

func referenceSoftmax(_ x: [Float], _ shape: [Int], _ axis: Int, log: Bool) -> [Double] {
    let outer = shape[..<axis].reduce(1, *), len = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
    var out = [Double](repeating: 0, count: x.count)
    for o in 0..<outer {
        for j in 0..<inner {
            let idx = (0..<len).map { (o * len + $0) * inner + j }
            let m = idx.map { Double(x[$0]) }.max()!
            let s = idx.map { exp(Double(x[$0]) - m) }.reduce(0, +)
            for i in idx { out[i] = log ? Double(x[i]) - m - libmLog(s) : exp(Double(x[i]) - m) / s }
        }
    }
    return out
}

@inline(__always) func libmLog(_ v: Double) -> Double { log(v) }

@Test(arguments: [([3, 37], 1), ([2, 5, 11], 1), ([4, 3], 0), ([2, 3, 16], -2), ([7], 0), ([2, 9, 1], 1)])
func softmaxMatchesReference(_ shape: [Int], _ axis: Int) throws {
    var rng = SeededRNG(UInt64(shape.reduce(1, *)))
    let x = randomFloats(shape.reduce(1, *), &rng, -8...8)
    let ax = axis < 0 ? axis + shape.count : axis
    let t = try Tensor(x, shape: shape)
    expectClose(try Softmax.run(t, axis: axis), referenceSoftmax(x, shape, ax, log: false), shape: shape,
                rtol: 2e-6, atol: 1e-7, "softmax \(shape) axis \(axis)")
    expectClose(try LogSoftmax.run(t, axis: axis), referenceSoftmax(x, shape, ax, log: true), shape: shape,
                "log_softmax \(shape) axis \(axis)")
    let d = try Cast.run(t, to: .f64)
    let ref = referenceSoftmax(x, shape, ax, log: true)
    let got = try LogSoftmax.run(d, axis: axis).doubles()
    for i in 0..<got.count { #expect(abs(got[i] - ref[i]) <= 1e-12 * max(1, abs(ref[i]))) }
}

@Test func softmaxIsStableAndPropagatesNaN() throws {
    let t = try Tensor([1000, 1000, -1000, 0, 0, 0, 0, 0, 0, 0] as [Float], shape: [1, 10])
    let s = try Softmax.run(t, axis: 1).floats()
    #expect(abs(s[0] - 0.5) < 1e-6 && abs(s[1] - 0.5) < 1e-6 && s[2] == 0 && s[3] == 0)
    let l = try LogSoftmax.run(t, axis: 1).floats()
    #expect(abs(l[0] + Float(0.6931472)) < 1e-6 && abs(l[2] + 2000.6931) < 1e-2)
    let n = try Softmax.run(try Tensor([1, .nan, 2] as [Float]), axis: 0).floats()
    #expect(n.allSatisfy { $0.isNaN })
    expectKernelError("axis") { _ = try Softmax.run(t, axis: 2) }
    expectKernelError("dtype") { _ = try Softmax.run(try Tensor([1, 2] as [Int64]), axis: 0) }
}

@Test func elementaryFunctionsAreAccurate() {
    var worst: Double = 0
    var x: Float = -103
    while x < 88.7 {
        let e = Double(expScalar(x)), r = exp(Double(x))
        if r > 1e-37 { worst = max(worst, abs(e - r) / r) }
        x += 0.0137
    }
    #expect(worst < 3e-7, "exp8 worst relative error \(worst)")
    #expect(expScalar(100) == .infinity && expScalar(-200) == 0 && expScalar(.nan).isNaN)
    #expect(expScalar(0) == 1)
    var worstD: Double = 0
    var y = -740.0
    while y < 709 {
        let r = exp(y)
        worstD = max(worstD, abs(expDouble(y) - r) / r)
        y += 0.731
    }
    #expect(worstD < 1e-15, "expDouble worst relative error \(worstD)")
    for v in [1e-300, 0.1, 0.5, 1, 1.5, 2, 10, 12345.678, 1e300, Double.leastNonzeroMagnitude] {
        let r = log(v)
        #expect(abs(logDouble(v) - r) <= 2e-16 * max(1, abs(r)), "log(\(v))")
    }
}

// MARK: - Reductions

func referenceReduce(_ x: [Double], _ shape: [Int], _ axes: Set<Int>, mean: Bool) -> [Double] {
    let outShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    var out = [Double](repeating: 0, count: outShape.reduce(1, *))
    let os = stridesOf(outShape)
    for i in 0..<x.count {
        let idx = unravel(i, shape)
        var o = 0
        for d in 0..<shape.count where !axes.contains(d) { o += idx[d] * os[d] }
        out[o] += x[i]
    }
    if mean {
        let n = Double(axes.map { shape[$0] }.reduce(1, *))
        out = out.map { $0 / n }
    }
    return out
}

@Test(arguments: [([2, 3, 4], [1]), ([2, 3, 4], [0, 2]), ([2, 3, 4], []), ([2, 3, 4], [-1]), ([3, 1, 19], [2]),
                  ([1, 64, 5, 7], [2, 3]), ([5, 9], [0])])
func reduceMatchesReference(_ shape: [Int], _ axes: [Int]) throws {
    var rng = SeededRNG(UInt64(shape.reduce(1, *) + axes.count))
    let x = randomFloats(shape.reduce(1, *), &rng)
    let axSet = Set(axes.isEmpty ? Array(0..<shape.count) : axes.map { $0 < 0 ? $0 + shape.count : $0 })
    let t = try Tensor(x, shape: shape)
    for keep in [true, false] {
        let expectedShape = try Reduce.outputShape(input: shape, axes: axes, keepDims: keep)
        let sum = try Reduce.run(.sum, t, axes: axes, keepDims: keep)
        let scale = referenceReduce(x.map { Double(abs($0)) }, shape, axSet, mean: false)
        expectClose(sum, referenceReduce(x.map(Double.init), shape, axSet, mean: false), shape: expectedShape,
                    scale: scale, "sum \(shape) \(axes)")
        let mean = try Reduce.run(.mean, t, axes: axes, keepDims: keep)
        expectClose(mean, referenceReduce(x.map(Double.init), shape, axSet, mean: true), shape: expectedShape,
                    "mean \(shape) \(axes)")
    }
    #expect(try Reduce.outputShape(input: shape, axes: axes, keepDims: true).count == shape.count)
    let ints = (0..<x.count).map { Int64($0 % 7) - 3 }
    let isum = try Reduce.run(.sum, try Tensor(ints, shape: shape), axes: axes)
    #expect(isum.int64s() == referenceReduce(ints.map { Double($0) }, shape, axSet, mean: false).map { Int64($0) })
}

@Test func reduceEdgeCases() throws {
    let m = try Reduce.run(.mean, try Tensor(zeros: [2, 0]), axes: [1])
    #expect(m.shape == [2] && m.floats().allSatisfy { $0.isNaN })
    #expect(try Reduce.run(.sum, try Tensor(zeros: [2, 0]), axes: [1]).floats() == [0, 0])
    #expect(try Reduce.run(.sum, try Tensor([5] as [Float], shape: [1, 1]), axes: []).floats() == [5])
    expectKernelError("int mean") { _ = try Reduce.run(.mean, try Tensor([1, 2] as [Int32]), axes: [0]) }
    expectKernelError("duplicate axes") { _ = try Reduce.run(.sum, try Tensor(zeros: [2, 3]), axes: [1, -1]) }
    expectKernelError("axis range") { _ = try Reduce.run(.sum, try Tensor(zeros: [2, 3]), axes: [2]) }
}

// MARK: - Tensor and views

@Test func tensorBasics() throws {
    var a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    let b = a  // shares storage until a write
    a.withMutableView { $0.pointer(as: Float.self)[0] = 9 }
    #expect(a.floats() == [9, 2, 3, 4])
    #expect(b.floats() == [1, 2, 3, 4])
    #expect(a != b)
    #expect(try a.reshaped([4]).floats() == a.floats())
    #expect(try Tensor(bytes: b.bytes(), dtype: .f32, shape: [2, 2]) == b)
    #expect(try Tensor(converting: [1.5, -2], dtype: .i32).int32s() == [1, -2])
    #expect(try Tensor([true, false]).floats() == [1, 0])
    #expect(try Tensor([3, 4] as [Int32]).doubles() == [3, 4])
    #expect(try Tensor(zeros: [2, 3], dtype: .bf16).byteCount == 12)
    #expect(try Tensor([7] as [Float], shape: []).count == 1)
    #expect(b.description == "Tensor(f32, [2, 2])")
    expectKernelError("value count") { _ = try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
    expectKernelError("byte count") { _ = try Tensor(bytes: [1, 2, 3], dtype: .f32, shape: [1]) }
    expectKernelError("negative dim") { _ = try Tensor(zeros: [2, -1]) }
    expectKernelError("overflow") { _ = try Tensor(zeros: [Int.max / 2, 3]) }
    #expect(DType.allCases.map(\.byteSize) == [4, 2, 2, 8, 1, 1, 2, 2, 4, 4, 8, 8, 1])
    #expect(DType.allCases.filter(\.isUnsigned) == [.u8, .u16, .u32, .u64])
    #expect(DType.integers == [.i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64])
    #expect(try Shapes.broadcast([2, 1, 3], [4, 1]) == [2, 4, 3])
    #expect(try Shapes.broadcast([0], [1]) == [0])
    let err = KernelError.shapeMismatch(kernel: "conv2d", message: "bad")
    #expect(err.description == "conv2d: shape mismatch: bad" && err.kernel == "conv2d")
}
