import EdgePasses
import Foundation
import Testing
@testable import EdgeQuantization

/// Deterministic samples of known distributions (a 64-bit LCG and Box–Muller).
struct Distribution {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    mutating func gaussian() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
    mutating func gaussians(_ n: Int) -> [Float] { (0..<n).map { _ in Float(gaussian()) } }
}

/// Both calibration passes over one tensor's values.
func statistics(_ values: [Float], bins: Int = Observers.bins) -> TensorStatistics {
    var s = TensorStatistics(bins: bins)
    s.observeRange(values)
    s.observeHistogram(values)
    return s
}

@Suite struct ObserverTests {
    @Test func minmaxIsTheExactRange() {
        var d = Distribution(seed: 1)
        let values = (0..<10_000).map { _ in Float(-1 + 4 * d.uniform()) } + [-1.5, 3.25]
        let r = Observers.minmax.range(statistics(values), ObserverSettings())
        #expect(r == -1.5...3.25)
    }

    @Test func percentileOfAGaussianIsItsQuantile() {
        var d = Distribution(seed: 2)
        let s = statistics(d.gaussians(400_000))
        // 99.9 % inside: 0.05 % in each tail, z = 3.2905.
        let r = Observers.percentile.range(s, ObserverSettings(percentile: 99.9))
        #expect(abs(r.upperBound - 3.2905) < 0.08, "\(r)")
        #expect(abs(r.lowerBound + 3.2905) < 0.08, "\(r)")
        // 99 %: z = 2.5758.
        let r99 = Observers.percentile.range(s, ObserverSettings(percentile: 99))
        #expect(abs(r99.upperBound - 2.5758) < 0.05, "\(r99)")
    }

    @Test func entropyIgnoresRareOutliers() {
        var d = Distribution(seed: 3)
        let values = d.gaussians(200_000) + Array(repeating: 60, count: 5) + Array(repeating: -60, count: 5)
        let r = Observers.entropy.range(statistics(values), ObserverSettings())
        // Far inside the outliers, but not inside the bulk of the Gaussian.
        #expect(r.upperBound > 2.5 && r.upperBound < 15, "\(r)")
        #expect(r.lowerBound < -2.5 && r.lowerBound > -15, "\(r)")
    }

    @Test func mseKeepsAUniformRangeAndClipsOutliers() {
        var d = Distribution(seed: 4)
        let uniform = (0..<100_000).map { _ in Float(-1 + 2 * d.uniform()) }
        let ru = Observers.mse.range(statistics(uniform), ObserverSettings())
        #expect(ru.upperBound > 0.95 && ru.lowerBound < -0.95, "\(ru)")
        // A long tail (g³ of a Gaussian g): the error is lower with the thin tail clipped (MSE
        // weighs outliers by their square, so it clips far less than entropy or percentile).
        let heavy = d.gaussians(100_000).map { $0 * $0 * $0 }
        let s = statistics(heavy)
        let rh = Observers.mse.range(s, ObserverSettings())
        #expect(rh.upperBound < 0.95 * s.max && rh.lowerBound > 0.95 * s.min, "\(rh) of \(s.min)...\(s.max)")
        #expect(s.error(of: rh).mse < s.error(of: s.min...s.max).mse)
        // It is the best of the grid: never worse than minmax.
        #expect(s.error(of: rh).mse <= s.error(of: s.min...s.max).mse)
    }

    @Test func theBinCountIsHonoured() {
        var d = Distribution(seed: 5)
        let values = d.gaussians(10_000)
        for bins in [128, 512, 2048] {
            let s = statistics(values, bins: bins)
            #expect(s.histogram.count == bins && s.absHistogram.count == bins)
            #expect(s.histogram.reduce(0, +) == 10_000 && s.absHistogram.reduce(0, +) + Double(s.zeros) == 10_000)
        }
        // A coarser histogram changes the entropy threshold (the setting is used).
        let coarse = Observers.entropy.range(statistics(values + [40], bins: 256), ObserverSettings())
        let fine = Observers.entropy.range(statistics(values + [40], bins: 2048), ObserverSettings())
        #expect(coarse != fine)
    }

    /// A relu output (half exact zeros, half |N(0,1)|): the zeros do not drag entropy's
    /// threshold into the bulk of the values.
    @Test func entropyOfAReluOutputKeepsTheBulk() {
        var d = Distribution(seed: 8)
        let values = d.gaussians(200_000).map { max(0, $0) }
        let s = statistics(values)
        let r = Observers.entropy.range(s, ObserverSettings())
        #expect(s.error(of: r).clipped < 0.005, "\(r) clips \(s.error(of: r).clipped)")
    }

    /// A tensor whose values sit in two clusters (58 % near 0, 42 % near 10): a histogram
    /// method may clip the upper cluster; `auto` never saturates more than its limit.
    @Test func autoAvoidsHeavySaturation() {
        var d = Distribution(seed: 6)
        let values = (0..<58_000).map { _ in Float(d.gaussian() * 0.05) } + (0..<42_000).map { _ in Float(10 + d.gaussian() * 0.05) }
        let s = statistics(values)
        let (_, r) = Observers.chooseAuto(s, ObserverSettings())
        #expect(s.error(of: r).clipped <= Observers.autoClipLimit, "\(r)")
        #expect(r.upperBound >= 9.9)
    }

    @Test func activationParameters() {
        let a = ActivationParameters(range: -1, 1)
        // -1 / scale is -127.4999… in f32 scale, so zp = -128 + 127 = -1.
        #expect(a.scale == Double(Float(2.0 / 255)) && a.zeroPoint == -1)
        let relu = ActivationParameters(range: 0, 6)
        #expect(relu.zeroPoint == -128 && relu.representable.lowerBound == 0)
        // A positive-only range is widened to contain 0; a zero range gets scale 1.
        #expect(ActivationParameters(range: 2, 4).zeroPoint == -128)
        #expect(ActivationParameters(range: 0, 0).scale == 1)
    }

    @Test func globs() {
        #expect(Glob.matches("conv*", "conv1"))
        #expect(Glob.matches("*Conv_?", "/layer/Conv_3"))
        #expect(!Glob.matches("conv*", "relu"))
        #expect(Glob.matches("*", ""))
    }

    @Test func observerOptions() throws {
        var o = QuantizationOptions()
        try o.addObserver("entropy")
        try o.addObserver("conv*=mse")
        #expect(o.observerName(for: ["conv1"]) == "mse")
        #expect(o.observerName(for: ["fc"]) == "entropy")
        #expect(throws: QuantizationError.self) { try o.addObserver("conv*=kl") }
    }
}
