import Testing
@testable import EdgeKernels

/// ATen pooling output size, written out independently of the kernel.
func referencePoolSize(_ n: Int, _ k: Int, _ s: Int, _ pb: Int, _ pe: Int, _ d: Int, _ ceil: Bool) -> Int {
    let span = n + pb + pe - d * (k - 1) - 1
    var out = (ceil ? (span + s - 1) : span) / s + 1
    if ceil && (out - 1) * s >= n + pb { out -= 1 }
    return out
}

func referenceMaxPool(_ x: [Float], _ xs: [Int], _ p: MaxPool2DParams) -> (out: [Double], shape: [Int]) {
    let pd = p.padding
    let oh = referencePoolSize(xs[2], p.kernelH, p.strideH, pd.top, pd.bottom, p.dilationH, p.ceilMode)
    let ow = referencePoolSize(xs[3], p.kernelW, p.strideW, pd.left, pd.right, p.dilationW, p.ceilMode)
    var out = [Double]()
    for plane in 0..<(xs[0] * xs[1]) {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var m = -Double.infinity
                for ky in 0..<p.kernelH {
                    for kx in 0..<p.kernelW {
                        let iy = oy * p.strideH - pd.top + ky * p.dilationH
                        let ix = ox * p.strideW - pd.left + kx * p.dilationW
                        guard iy >= 0, iy < xs[2], ix >= 0, ix < xs[3] else { continue }
                        let v = Double(x[(plane * xs[2] + iy) * xs[3] + ix])
                        if v.isNaN || m.isNaN { m = .nan } else { m = max(m, v) }
                    }
                }
                out.append(m)
            }
        }
    }
    return (out, [xs[0], xs[1], oh, ow])
}

func referenceAvgPool(_ x: [Float], _ xs: [Int], _ p: AvgPool2DParams) -> (out: [Double], shape: [Int]) {
    let pd = p.padding
    let (h, w) = (xs[2], xs[3])
    let oh = referencePoolSize(h, p.kernelH, p.strideH, pd.top, pd.bottom, 1, p.ceilMode)
    let ow = referencePoolSize(w, p.kernelW, p.strideW, pd.left, pd.right, 1, p.ceilMode)
    var out = [Double]()
    for plane in 0..<(xs[0] * xs[1]) {
        for oy in 0..<oh {
            for ox in 0..<ow {
                // Window clipped to the padded input gives the count_include_pad divisor.
                let y0 = oy * p.strideH - pd.top, x0 = ox * p.strideW - pd.left
                let y1 = min(y0 + p.kernelH, h + pd.bottom), x1 = min(x0 + p.kernelW, w + pd.right)
                var sum = 0.0, valid = 0
                for iy in y0..<y1 {
                    for ix in x0..<x1 where iy >= 0 && iy < h && ix >= 0 && ix < w {
                        sum += Double(x[(plane * h + iy) * w + ix])
                        valid += 1
                    }
                }
                let divisor = p.divisorOverride ?? (p.countIncludePad ? (y1 - y0) * (x1 - x0) : valid)
                out.append(valid == 0 ? 0 : sum / Double(divisor))
            }
        }
    }
    return (out, [xs[0], xs[1], oh, ow])
}

struct PoolCase: CustomStringConvertible, Sendable {
    var input: [Int]
    var kernel: (Int, Int)
    var stride: (Int, Int)? = nil
    var padding = Padding2D.zero
    var dilation = (1, 1)
    var ceil = false
    var description: String { "pool \(input) k\(kernel) s\(String(describing: stride)) p\(padding) d\(dilation) ceil\(ceil)" }
}

let poolCases: [PoolCase] = [
    PoolCase(input: [1, 2, 8, 8], kernel: (2, 2)),
    PoolCase(input: [2, 3, 9, 19], kernel: (3, 3), stride: (2, 2), padding: .init(1, 1)),
    PoolCase(input: [1, 2, 10, 10], kernel: (3, 3), stride: (2, 2), ceil: true),
    PoolCase(input: [1, 1, 6, 7], kernel: (2, 2), stride: (2, 2), padding: .init(1, 1), ceil: true),
    PoolCase(input: [1, 2, 11, 33], kernel: (3, 2), stride: (3, 3), padding: .init(top: 1, left: 0, bottom: 0, right: 1),
             ceil: true),
    PoolCase(input: [1, 1, 5, 5], kernel: (5, 5), stride: (1, 1), padding: .init(2, 2)),
    PoolCase(input: [1, 2, 12, 9], kernel: (2, 3), stride: (1, 2), dilation: (2, 2)),
    PoolCase(input: [1, 1, 7, 7], kernel: (3, 3), stride: (2, 2), padding: .init(1, 1), dilation: (2, 1), ceil: true),
]

@Test("max_pool2d matches the reference", arguments: poolCases)
func maxPoolMatchesReference(_ cs: PoolCase) throws {
    var rng = SeededRNG(UInt64(cs.input.reduce(1, *)))
    let x = randomFloats(cs.input.reduce(1, *), &rng)
    let params = MaxPool2DParams(kernel: cs.kernel, stride: cs.stride, padding: cs.padding, dilation: cs.dilation,
                                 ceilMode: cs.ceil)
    let ref = referenceMaxPool(x, cs.input, params)
    let out = try MaxPool2D.run(try Tensor(x, shape: cs.input), params: params)
    expectClose(out, ref.out, shape: ref.shape, rtol: 0, atol: 0, cs.description)
}

@Test("avg_pool2d matches the reference", arguments: poolCases.filter { $0.dilation == (1, 1) })
func avgPoolMatchesReference(_ cs: PoolCase) throws {
    var rng = SeededRNG(UInt64(cs.input.reduce(1, *)) &+ 9)
    let x = randomFloats(cs.input.reduce(1, *), &rng)
    for (include, divisor) in [(true, nil), (false, nil), (true, 5)] as [(Bool, Int?)] {
        let params = AvgPool2DParams(kernel: cs.kernel, stride: cs.stride, padding: cs.padding, ceilMode: cs.ceil,
                                     countIncludePad: include, divisorOverride: divisor)
        let ref = referenceAvgPool(x, cs.input, params)
        let out = try AvgPool2D.run(try Tensor(x, shape: cs.input), params: params)
        expectClose(out, ref.out, shape: ref.shape, "\(cs) include \(include) divisor \(String(describing: divisor))")
    }
}

@Test func avgPoolCeilModeWindowDivisor() throws {
    // 5 wide, kernel 2, stride 2, ceil: last window covers column 4 only; count_include_pad
    // divides by 1 there (clipped to input + 0 padding), matching ATen.
    let x = try Tensor([1, 2, 3, 4, 5] as [Float], shape: [1, 1, 1, 5])
    let out = try AvgPool2D.run(x, params: .init(kernel: (1, 2), ceilMode: true))
    #expect(out.shape == [1, 1, 1, 3])
    #expect(out.floats() == [1.5, 3.5, 5])
    // Padding 1: windows [-1, 1), [1, 3), [3, 5); the first counts its pad column in the divisor.
    let padded = try AvgPool2D.run(x, params: .init(kernel: (1, 2), padding: .init(0, 1), ceilMode: true))
    #expect(padded.floats() == [0.5, 2.5, 4.5])
}

@Test func maxPoolPropagatesNaN() throws {
    var v = [Float](repeating: 1, count: 16)
    v[5] = .nan
    let out = try MaxPool2D.run(try Tensor(v, shape: [1, 1, 4, 4]), params: .init(kernel: (2, 2))).floats()
    #expect(out[0].isNaN)
    #expect(Array(out[1...]) == [1, 1, 1])
}

@Test func poolingErrors() throws {
    let x = try Tensor(zeros: [1, 1, 4, 4])
    expectKernelError("kernel too big") { _ = try MaxPool2D.run(x, params: .init(kernel: (5, 5))) }
    expectKernelError("zero stride") { _ = try MaxPool2D.run(x, params: .init(kernel: (2, 2), stride: (0, 1))) }
    expectKernelError("rank") { _ = try AvgPool2D.run(try Tensor(zeros: [4, 4]), params: .init(kernel: (2, 2))) }
    expectKernelError("divisor 0") { _ = try AvgPool2D.run(x, params: .init(kernel: (2, 2), divisorOverride: 0)) }
    expectKernelError("adaptive size") { _ = try AdaptiveAvgPool2D.run(x, outputSize: (0, 1)) }
    expectKernelError("dtype") { _ = try MaxPool2D.run(try Tensor(zeros: [1, 1, 4, 4], dtype: .f64), params: .init(kernel: (2, 2))) }
}

@Test(arguments: [([1, 3, 7, 5], (1, 1)), ([2, 2, 7, 5], (3, 2)), ([1, 1, 4, 4], (4, 4)), ([1, 2, 3, 3], (5, 2)),
                  ([1, 2, 6, 19], (1, 1))])
func adaptiveAvgPoolMatchesReference(_ xs: [Int], _ size: (Int, Int)) throws {
    var rng = SeededRNG(UInt64(xs.reduce(1, *)))
    let x = randomFloats(xs.reduce(1, *), &rng)
    let (h, w) = (xs[2], xs[3])
    var ref = [Double]()
    for plane in 0..<(xs[0] * xs[1]) {
        for oy in 0..<size.0 {
            for ox in 0..<size.1 {
                let y0 = (oy * h) / size.0, y1 = ((oy + 1) * h + size.0 - 1) / size.0
                let x0 = (ox * w) / size.1, x1 = ((ox + 1) * w + size.1 - 1) / size.1
                var s = 0.0
                for iy in y0..<y1 { for ix in x0..<x1 { s += Double(x[(plane * h + iy) * w + ix]) } }
                ref.append(s / Double((y1 - y0) * (x1 - x0)))
            }
        }
    }
    let out = try AdaptiveAvgPool2D.run(try Tensor(x, shape: xs), outputSize: size)
    expectClose(out, ref, shape: [xs[0], xs[1], size.0, size.1], "adaptive \(xs) -> \(size)")
}
