// The vectorized f32 functions (CEdgeKernels ek_unary_f32: exp, sigmoid, silu, tanh, erf, gelu in
// both forms) against double-precision libm, in ulp, for every kernel variant this CPU runs; and
// convolution epilogues (relu / clamp / sigmoid / silu applied as the outputs are stored)
// against the separate ops, bit for bit.
import Foundation
import Testing
@testable import EdgeKernels

/// Distance in ulp between two floats, counted through zero and the subnormals (one step per
/// representable float).
func ulpDistance(_ a: Float, _ b: Float) -> Int64 {
    func ordered(_ x: Float) -> Int64 {
        let bits = Int64(x.bitPattern & 0x7fff_ffff)
        return x.sign == .minus ? -bits : bits
    }
    return abs(ordered(a) - ordered(b))
}

/// The inputs: every 4099th float bit pattern (both signs, all exponents, subnormals, inf, NaNs)
/// plus the edges of each function's ranges.
let unarySweep: [Float] = {
    var xs: [Float] = []
    var bits: UInt64 = 0
    while bits <= 0xFFFF_FFFF {
        xs.append(Float(bitPattern: UInt32(bits)))
        bits += 4099
    }
    let edges: [Float] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                          .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 88.72, 88.73, 89,
                          -87.4, -103.9, -104, -110, -111, 0.625, -0.625, 0.921875, 3.925, 1.30372640, -1.30372640,
                          6.36396103, -6.36396103, -6.4, 1, -1, 0.5, -0.5, 1e-30, -1e-30, Float(bitPattern: 0x0001_16C2), -Float(bitPattern: 0x0001_16C2)]
    return xs + edges
}()

/// One function, its double-precision reference and the largest ulp error allowed for inputs
/// x >= `from` (kernels.inc states the measured maxima; the bounds leave one ulp for the x86-64
/// baseline, which does not fuse multiply-adds). Below `from`, `tail` ulp, and below `zeroBelow`
/// |error| <= `tailAbs`.
struct UnaryCase: CustomStringConvertible, Sendable {
    let name: String
    let run: @Sendable (TensorView, MutableTensorView, KernelConfig) throws -> Void
    let reference: @Sendable (Double) -> Double
    let ulps: Int64
    var from: Float = -.infinity
    var tail: Int64 = 0
    var zeroBelow: Float = -.infinity
    var tailAbs: Double = 0
    var description: String { name }

    static func math(_ op: MathOp) -> @Sendable (TensorView, MutableTensorView, KernelConfig) throws -> Void {
        { x, y, c in try Math.run(op, input: x, output: y, config: c) }
    }
}

let unaryCases: [UnaryCase] = [
    UnaryCase(name: "exp", run: UnaryCase.math(.exp), reference: { exp($0) }, ulps: 2),
    UnaryCase(name: "sigmoid", run: UnaryCase.math(.sigmoid), reference: { 1 / (1 + exp(-$0)) }, ulps: 3),
    UnaryCase(name: "silu", run: { x, y, c in try Math.silu(input: x, output: y, config: c) },
              reference: { $0 / (1 + exp(-$0)) }, ulps: 4),
    UnaryCase(name: "tanh", run: UnaryCase.math(.tanh), reference: { tanh($0) }, ulps: 2),
    UnaryCase(name: "erf", run: UnaryCase.math(.erf), reference: { erf($0) }, ulps: 3),
    UnaryCase(name: "gelu", run: UnaryCase.math(.gelu(tanhApproximation: false)),
              reference: { 0.5 * $0 * erfc(-$0 / 2.0.squareRoot()) }, ulps: 6,
              from: -1.3, tail: 64, zeroBelow: -6.36396103, tailAbs: 6.3e-10),
    UnaryCase(name: "gelu tanh", run: UnaryCase.math(.gelu(tanhApproximation: true)),
              reference: { x in
                  // 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), without the cancellation of 1 + tanh(u)
                  let u = 0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)
                  return x / (1 + exp(-2 * u))
              }, ulps: 15, from: -3, tail: 256),
]

@Suite("Vectorized f32 functions")
struct UnaryFunctionTests {
    @Test("ulp error against libm, every variant", arguments: unaryCases)
    func ulpBound(_ c: UnaryCase) throws {
        let xs = unarySweep, n = xs.count
        let reference = xs.map { Float(c.reference(Double($0))) }
        for isa in KernelISA.supported {
            var ys = [Float](repeating: 0, count: n)
            try xs.withUnsafeBufferPointer { x in
                try ys.withUnsafeMutableBufferPointer { y in
                    try c.run(TensorView(base: UnsafeRawPointer(x.baseAddress!), dtype: .f32, shape: [n]),
                              MutableTensorView(base: UnsafeMutableRawPointer(y.baseAddress!), dtype: .f32, shape: [n]),
                              KernelConfig(isa: isa, threads: 1))
                }
            }
            var worst: Int64 = 0, worstX: Float = 0, worstTail: Int64 = 0, worstAbs = 0.0
            for i in 0..<n {
                let x = xs[i], y = ys[i], r = reference[i]
                if y.isNaN || r.isNaN {
                    #expect(y.isNaN && r.isNaN, "\(c) \(isa): x = \(x) gives \(y), libm \(r)")
                    continue
                }
                if x < c.zeroBelow {
                    worstAbs = Swift.max(worstAbs, abs(Double(y) - c.reference(Double(x))))
                } else if x < c.from {
                    worstTail = Swift.max(worstTail, ulpDistance(y, r))
                } else {
                    let d = ulpDistance(y, r)
                    if d > worst { (worst, worstX) = (d, x) }
                }
            }
            #expect(worst <= c.ulps, "\(c) \(isa): \(worst) ulp at x = \(worstX) (bound \(c.ulps))")
            #expect(worstTail <= c.tail, "\(c) \(isa): \(worstTail) ulp below \(c.from) (bound \(c.tail))")
            #expect(worstAbs <= c.tailAbs, "\(c) \(isa): |error| \(worstAbs) below \(c.zeroBelow)")
        }
    }

    @Test("results do not depend on length, offset or thread count")
    func independentOfSplit() throws {
        var rng = SeededRNG(7)
        let xs = randomFloats(70_001, &rng, -12...12)
        for c in unaryCases {
            for isa in KernelISA.supported {
                func run(_ from: Int, _ count: Int, threads: Int) throws -> [Float] {
                    var ys = [Float](repeating: 0, count: count)
                    try xs.withUnsafeBufferPointer { x in
                        try ys.withUnsafeMutableBufferPointer { y in
                            try c.run(TensorView(base: UnsafeRawPointer(x.baseAddress! + from), dtype: .f32, shape: [count]),
                                      MutableTensorView(base: UnsafeMutableRawPointer(y.baseAddress!), dtype: .f32, shape: [count]),
                                      KernelConfig(isa: isa, threads: threads))
                        }
                    }
                    return ys
                }
                let whole = try run(0, xs.count, threads: 1).map(\.bitPattern)
                #expect(try run(0, xs.count, threads: 2).map(\.bitPattern) == whole, "\(c) \(isa): 2 threads")
                #expect(try run(3, 29, threads: 1).map(\.bitPattern) == Array(whole[3 ..< 32]), "\(c) \(isa): offset tail")
            }
        }
    }

    @Test("f16 and in-place inputs use the same function")
    func inPlaceAndHalf() throws {
        var rng = SeededRNG(11)
        let xs = randomFloats(1000, &rng, -6...6)
        let expected = try Math.run(.sigmoid, try Tensor(xs)).floats()
        var ys = xs
        try ys.withUnsafeMutableBufferPointer { y in
            let v = MutableTensorView(base: UnsafeMutableRawPointer(y.baseAddress!), dtype: .f32, shape: [xs.count])
            try Math.run(.sigmoid, input: TensorView(base: UnsafeRawPointer(y.baseAddress!), dtype: .f32, shape: [xs.count]), output: v)
        }
        #expect(ys.map(\.bitPattern) == expected.map(\.bitPattern))
        let half = try Math.run(.gelu(tanhApproximation: false), try Cast.run(try Tensor(xs), to: .f16)).floats()
        let full = try Math.run(.gelu(tanhApproximation: false), try Tensor(xs)).floats()
        for (h, f) in zip(half, full) { #expect(abs(h - f) <= 2e-3 * Swift.max(1, abs(f)), "f16 gelu \(h) vs \(f)") }
    }
}

@Suite("Convolution epilogues")
struct ConvEpilogueTests {
    /// Each activation and the separate op it replaces, run with the same variant.
    static let activations: [(ConvActivation, @Sendable (Tensor, KernelConfig) throws -> Tensor)] = [
        (.clamp(min: 0, max: nil), { t, _ in try Unary.run(.relu, t) }),
        (.clamp(min: 0, max: 6), { t, _ in try Unary.run(.clamp(min: 0, max: 6), t) }),
        (.clamp(min: -0.25, max: 0.5), { t, _ in try Unary.run(.clamp(min: -0.25, max: 0.5), t) }),
        (.clamp(min: nil, max: 0.1), { t, _ in try Unary.run(.clamp(min: nil, max: 0.1), t) }),
        (.sigmoid, { t, c in try Math.run(.sigmoid, t, config: c) }),
        (.silu, { t, c in
            var out = try Tensor(zeros: t.shape)
            try t.withView { x in try out.withMutableView { try Math.silu(input: x, output: $0, config: c) } }
            return out
        }),
    ]

    /// (input NCHW, weight OIHW, params): im2col, 1×1, depthwise, grouped, partial tiles, k = 0.
    static let shapes: [([Int], [Int], Conv2DParams)] = [
        ([1, 3, 9, 11], [7, 3, 3, 3], Conv2DParams(stride: (1, 1), padding: Padding2D(1, 1), dilation: (1, 1), groups: 1)),
        ([2, 16, 5, 7], [13, 16, 1, 1], Conv2DParams()),
        ([1, 8, 10, 9], [8, 1, 3, 3], Conv2DParams(stride: (2, 2), padding: Padding2D(1, 1), dilation: (1, 1), groups: 8)),
        ([1, 8, 6, 6], [12, 4, 3, 3], Conv2DParams(stride: (1, 1), padding: Padding2D(0, 0), dilation: (1, 1), groups: 2)),
        ([1, 300, 4, 4], [20, 300, 1, 1], Conv2DParams()),
    ]

    @Test("fused activation equals the separate op, bit for bit, every variant and thread count")
    func matchesSeparateOp() throws {
        var rng = SeededRNG(3)
        for (input, weight, params) in Self.shapes {
            let x = try randomTensor(input, &rng, -2...2), w = try randomTensor(weight, &rng, -1...1)
            let b = try randomTensor([weight[0]], &rng, -1...1)
            for isa in KernelISA.supported {
                for threads in [1, 2] {
                    let config = KernelConfig(isa: isa, threads: threads)
                    for bias in [nil, b] {
                        let plain = try Conv2D.run(x, weight: w, bias: bias, params: params, config: config)
                        for (activation, separate) in Self.activations {
                            let fused = try Conv2D.run(x, weight: w, bias: bias, params: params, config: config, activation: activation)
                            #expect(fused.floats().map(\.bitPattern) == (try separate(plain, config)).floats().map(\.bitPattern),
                                    "\(input) \(weight) \(activation) \(isa) threads \(threads) bias \(bias != nil)")
                        }
                    }
                }
            }
        }
    }
}
