import Testing
@testable import EdgeKernels

// Weights packed once (Conv2D.prepackWeight, MatMul.prepackSecond) must give the results of
// packing in every call, bit for bit, in both GEMM forms of a convolution, on every variant and
// thread count, and a packing made for another configuration must be ignored, not misread.

/// Convolutions for the packed paths: small planes (7×7, 5×9) where the AVX-512 variant picks
/// the transposed GEMM, output channels over one 64-column tile, depth over one k-block.
let prepackConvCases: [ConvCase] = [
    ConvCase(input: [1, 16, 7, 7], weight: [70, 16, 3, 3], padding: .init(1, 1)),
    ConvCase(input: [2, 40, 5, 9], weight: [33, 40, 3, 3], padding: .init(1, 1)),
    ConvCase(input: [1, 300, 7, 7], weight: [130, 300, 1, 1], bias: false),
    ConvCase(input: [1, 8, 14, 14], weight: [24, 8, 3, 3], stride: (2, 2), padding: .init(1, 1)),
    ConvCase(input: [1, 12, 23, 29], weight: [20, 12, 3, 3], padding: .init(1, 1)),
    ConvCase(input: [1, 6, 9, 9], weight: [8, 3, 3, 3], padding: .init(1, 1), groups: 2),
]

private func bits(_ t: Tensor) -> [UInt32] { t.floats().map(\.bitPattern) }

@Test("prepacked convolution weights give the per-call results", arguments: prepackConvCases)
func prepackedConvIsIdentical(_ cs: ConvCase) throws {
    var rng = SeededRNG(UInt64(cs.input.reduce(5, &*) &+ cs.weight.reduce(9, &*)))
    let x = try randomTensor(cs.input, &rng), w = try randomTensor(cs.weight, &rng)
    let b = cs.bias ? try randomTensor([cs.weight[0]], &rng) : nil
    let ref = referenceConv2D(x.floats(), cs.input, w.floats(), cs.weight, b?.floats(), cs.params)
    let shape = try Conv2D.outputShape(input: cs.input, weight: cs.weight, params: cs.params)
    for isa in KernelISA.supported {
        for activation in [nil, ConvActivation.clamp(min: 0, max: 6)] {
            var expected: [UInt32]?
            for form: Int32 in [1, 2, 0] {
                for threads in [1, 2] {
                    var config = KernelConfig(isa: isa, threads: threads)
                    config.convForm = form
                    let label = "\(cs) \(isa) form \(form) threads \(threads) \(String(describing: activation))"
                    let unpacked = try Conv2D.run(x, weight: w, bias: b, params: cs.params, config: config, activation: activation)
                    if activation == nil { expectClose(unpacked, ref.out, shape: ref.shape, scale: ref.scale, label) }
                    if let expected { #expect(bits(unpacked) == expected, "\(label): differs from form 1, 1 thread") }
                    else { expected = bits(unpacked) }
                    // Packed for this configuration, and packed for the other form (ignored: packed per call).
                    var other = config
                    other.convForm = form == 2 ? 1 : 2
                    for packConfig in [config, other] {
                        let packed = try withExtendedLifetime(w) {
                            try #require(Conv2D.prepackWeight(w.unsafeView, input: cs.input, params: cs.params, config: packConfig))
                        }
                        #expect(packed.byteCount >= cs.weight.reduce(1, *) / cs.groups * 4)
                        var out = try Tensor(zeros: shape, dtype: .f32)
                        try withExtendedLifetime((x, w, b)) {
                            try out.withMutableView {
                                try Conv2D.run(input: x.unsafeView, weight: w.unsafeView, bias: b?.unsafeView, params: cs.params,
                                               output: $0, config: config, activation: activation, packed: packed)
                            }
                        }
                        #expect(bits(out) == expected, "\(label): packed (for form \(packConfig.convForm)) differs")
                    }
                }
            }
        }
    }
}

@Test func depthwiseWeightsAreNotPacked() throws {
    var rng = SeededRNG(3)
    let w = try randomTensor([8, 1, 3, 3], &rng)
    let params = Conv2DParams(padding: .init(1, 1), groups: 8)
    let packed = withExtendedLifetime(w) { Conv2D.prepackWeight(w.unsafeView, input: [1, 8, 10, 10], params: params) }
    #expect(packed == nil)
    // Shapes the convolution rejects are not packed either.
    let bad = withExtendedLifetime(w) { Conv2D.prepackWeight(w.unsafeView, input: [1, 7, 10, 10], params: Conv2DParams()) }
    #expect(bad == nil)
}

@Test(arguments: [([5, 37], [37, 70]), ([3, 2, 300], [300, 33]), ([1, 64], [64, 1000])])
func prepackedMatMulIsIdentical(_ ash: [Int], _ bsh: [Int]) throws {
    var rng = SeededRNG(UInt64(ash.reduce(1, *) &* 31 &+ bsh.reduce(1, *)))
    let a = try randomTensor(ash, &rng), b = try randomTensor(bsh, &rng)
    let shape = try MatMul.outputShape(ash, bsh)
    for isa in KernelISA.supported {
        for threads in [1, 2] {
            let config = KernelConfig(isa: isa, threads: threads)
            let expected = bits(try MatMul.run(a, b, config: config))
            // Packed for this variant, and for every other one (a mismatch is packed per call).
            for packISA in KernelISA.supported {
                let packed = try withExtendedLifetime(b) {
                    try #require(MatMul.prepackSecond(b.unsafeView, config: KernelConfig(isa: packISA, threads: 1)))
                }
                var out = try Tensor(zeros: shape, dtype: .f32)
                try withExtendedLifetime((a, b)) {
                    try out.withMutableView { try MatMul.run(a.unsafeView, b.unsafeView, output: $0, config: config, packedB: packed) }
                }
                #expect(bits(out) == expected, "\(ash)×\(bsh) \(isa) threads \(threads) packed for \(packISA)")
            }
        }
    }
}

@Test(arguments: [([32, 128], [128, 512], [512]), ([1, 64], [64, 10], [1, 10]), ([7, 300], [300, 33], [33])])
func rowBiasProductStartsFromTheBias(_ ash: [Int], _ bsh: [Int], _ biasShape: [Int]) throws {
    var rng = SeededRNG(UInt64(ash.reduce(1, *) &+ bsh.reduce(1, *)))
    let a = try randomTensor(ash, &rng), b = try randomTensor(bsh, &rng), bias = try randomTensor(biasShape, &rng)
    let (m, k, n) = (ash[0], ash[1], bsh[1])
    // Reference: Σ in f64, plus the bias; tolerance from the |terms|.
    let fa = a.floats(), fb = b.floats(), fbias = bias.floats()
    var ref = [Double](repeating: 0, count: m * n), scale = ref
    for i in 0..<m {
        for j in 0..<n {
            var s = Double(fbias[j]), t = abs(Double(fbias[j]))
            for p in 0..<k {
                s += Double(fa[i * k + p]) * Double(fb[p * n + j])
                t += abs(Double(fa[i * k + p]) * Double(fb[p * n + j]))
            }
            ref[i * n + j] = s
            scale[i * n + j] = t
        }
    }
    var results: [[UInt32]] = []
    for packed in [nil, withExtendedLifetime(b) { MatMul.prepackSecond(b.unsafeView) }] {
        var out = try Tensor(zeros: [m, n], dtype: .f32)
        try withExtendedLifetime((a, b, bias)) {
            try out.withMutableView {
                try MatMul.runWithRowBias(a.unsafeView, b.unsafeView, bias: bias.unsafeView, output: $0, packedB: packed)
            }
        }
        expectClose(out, ref, shape: [m, n], scale: scale, "\(ash)·\(bsh)+\(biasShape) packed \(packed != nil)")
        results.append(bits(out))
    }
    #expect(results[0] == results[1], "prepacked and per-call packing differ")
    // A bias that is not a row vector is refused, not misread.
    expectKernelError {
        var out = try Tensor(zeros: [m, n], dtype: .f32)
        try withExtendedLifetime((a, b)) {
            try out.withMutableView { try MatMul.runWithRowBias(a.unsafeView, b.unsafeView, bias: a.unsafeView, output: $0, packedB: nil) }
        }
    }
}
