// Shared test utilities: a seeded RNG, tensor builders and tolerance checks.
import Testing
@testable import EdgeKernels

/// SplitMix64: tiny deterministic generator so every run sees the same data.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomFloats(_ n: Int, _ rng: inout SeededRNG, _ range: ClosedRange<Float> = -1...1) -> [Float] {
    (0..<n).map { _ in Float.random(in: range, using: &rng) }
}

func randomTensor(_ shape: [Int], _ rng: inout SeededRNG, _ range: ClosedRange<Float> = -1...1) throws -> Tensor {
    try Tensor(randomFloats(shape.reduce(1, *), &rng, range), shape: shape)
}

/// Checks |a - e| <= atol + rtol * max(|e|, scale) elementwise, where `scale` (e.g. the sum of
/// |terms| of a dot product) bounds the rounding error of long f32 sums.
func expectClose(_ actual: [Float], _ expected: [Double], scale: [Double]? = nil, rtol: Double = 1e-5,
                 atol: Double = 1e-5, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): count \(actual.count) != expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var bad = 0
    for i in 0..<actual.count {
        let a = Double(actual[i]), e = expected[i]
        if a.isNaN && e.isNaN { continue }
        if a == e { continue }  // also matches infinities
        let tol = atol + rtol * Swift.max(abs(e), scale?[i] ?? 0)
        if !(abs(a - e) <= tol) {
            if bad == 0 {
                Issue.record("\(what): element \(i): got \(a), expected \(e) (tol \(tol))", sourceLocation: sourceLocation)
            }
            bad += 1
        }
    }
    if bad > 1 { Issue.record("\(what): \(bad) mismatching elements", sourceLocation: sourceLocation) }
}

func expectClose(_ actual: Tensor, _ expected: [Double], shape: [Int], scale: [Double]? = nil, rtol: Double = 1e-5,
                 atol: Double = 1e-5, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == shape, "\(what): shape", sourceLocation: sourceLocation)
    expectClose(actual.floats(), expected, scale: scale, rtol: rtol, atol: atol, what, sourceLocation: sourceLocation)
}

/// Expects `body` to throw a `KernelError` (not crash, not succeed).
func expectKernelError(_ what: String = "", sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("\(what): expected a KernelError", sourceLocation: sourceLocation)
    } catch is KernelError {
        // expected
    } catch {
        Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Row-major strides.
func stridesOf(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}

/// Multi-index of flat index `i` in `shape`.
func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
    var r = i
    var idx = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        idx[d] = r % shape[d]
        r /= shape[d]
    }
    return idx
}
