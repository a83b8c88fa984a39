import EdgePasses
import Foundation

/// What calibration knows about one activation over all samples: its exact range and
/// element count (pass 1), and two histograms of ``TensorStatistics/bins`` bins (pass 2):
/// one of the values over `[min, max]`, one of the non-zero `|x|` over `[0, max|x|]`.
public struct TensorStatistics: Sendable {
    public var count = 0
    public var min = Double.infinity
    public var max = -Double.infinity
    /// NaN and ±inf elements seen (calibration stops on them, naming the tensor).
    public var nonFinite = 0
    /// Elements exactly 0 (pass 2; not in ``absHistogram``).
    public var zeros = 0
    public var bins: Int
    public var histogram: [Double]
    public var absHistogram: [Double]

    public init(bins: Int) {
        self.bins = bins
        histogram = Array(repeating: 0, count: bins)
        absHistogram = Array(repeating: 0, count: bins)
    }

    public var absMax: Double { Swift.max(abs(min), abs(max)) }
    var width: Double { (max - min) / Double(bins) }
    var absWidth: Double { absMax / Double(bins) }

    /// Pass 1: the range.
    public mutating func observeRange(_ values: [Float]) {
        for x in values {
            guard x.isFinite else { nonFinite += 1; continue }
            let d = Double(x)
            if d < min { min = d }
            if d > max { max = d }
        }
        count += values.count
    }

    /// Pass 2: the histograms over the range of pass 1.
    public mutating func observeHistogram(_ values: [Float]) {
        let w = width, aw = absWidth, n = bins
        for x in values where x.isFinite {
            let d = Double(x)
            let i = w > 0 ? Swift.min(n - 1, Swift.max(0, Int((d - min) / w))) : 0
            histogram[i] += 1
            // Exact zeros (a relu's half) are exact at any threshold: they say nothing about the
            // clipping point, and as a spike in the first bin they would pull entropy's
            // threshold down (smearing the spike over a level costs more when levels are wider).
            if d == 0 { zeros += 1; continue }
            let j = aw > 0 ? Swift.min(n - 1, Int(abs(d) / aw)) : 0
            absHistogram[j] += 1
        }
    }

    /// The value below which `fraction` of the elements lie (linear inside a bin).
    func quantile(_ fraction: Double) -> Double {
        let total = histogram.reduce(0, +)
        guard total > 0, width > 0 else { return min }
        let target = fraction * total
        var acc = 0.0
        for (i, c) in histogram.enumerated() {
            if acc + c >= target {
                let inside = c > 0 ? (target - acc) / c : 0
                return min + (Double(i) + inside) * width
            }
            acc += c
        }
        return max
    }

    /// The quantization error of INT8 parameters for `range` on the calibration data, as the
    /// histogram holds it (each bin at its centre): mean squared error, and the fraction of
    /// elements outside the representable range (saturated).
    public func error(of range: ClosedRange<Double>) -> (mse: Double, clipped: Double) {
        let p = ActivationParameters(range: range.lowerBound, range.upperBound)
        let s = p.scale, z = Double(p.zeroPoint)
        var err = 0.0, clipped = 0.0, total = 0.0
        let w = width
        for (i, c) in histogram.enumerated() where c > 0 {
            let x = min + (Double(i) + 0.5) * w
            let r = (x / s).rounded(.toNearestOrEven) + z
            if r < -128 || r > 127 { clipped += c }
            let q = Swift.min(127, Swift.max(-128, r))
            let d = s * (q - z) - x
            err += c * d * d
            total += c
        }
        return total > 0 ? (err / total, clipped / total) : (0, 0)
    }
}

/// Settings the observers share.
public struct ObserverSettings: Sendable {
    /// `--percentile`: the share of elements (in %) the percentile observer keeps inside.
    public var percentile = 99.99
    public init(percentile: Double = 99.99) { self.percentile = percentile }
}

/// One way to turn a tensor's statistics into the range its INT8 parameters cover.
/// ``Observers/all`` holds every one; `--observer`'s help and docs derive from it.
public struct Observer: Sendable {
    public let name: String
    public let summary: String
    public let range: @Sendable (TensorStatistics, ObserverSettings) -> ClosedRange<Double>
}

public enum Observers {
    /// Histogram bins of every activation (both histograms).
    public static let bins = 2048

    public static let minmax = Observer(
        name: "minmax", summary: "the exact minimum and maximum over all samples (never clips)"
    ) { s, _ in s.min...s.max }

    public static let percentile = Observer(
        name: "percentile", summary: "clips the (100-p)/2 % lowest and highest values (--percentile p, default 99.99)"
    ) { s, settings in
        let tail = (1 - settings.percentile / 100) / 2
        let lo = s.min < 0 ? s.quantile(tail) : s.min
        return lo...Swift.max(lo, s.quantile(1 - tail))
    }

    public static let entropy = Observer(
        name: "entropy", summary: "the |x| threshold minimizing the KL divergence between the 2048-bin histogram and its INT8 quantization (TensorRT's method)"
    ) { s, _ in
        let t = klThreshold(s)
        return Swift.max(s.min, -t)...Swift.min(s.max, t)
    }

    public static let mse = Observer(
        name: "mse", summary: "the clipping range minimizing the quantization mean squared error over the histogram (grid search)"
    ) { s, _ in mseRange(s) }

    /// Every observer, in the order `--help` lists them.
    public static let all: [Observer] = [minmax, percentile, entropy, mse]

    /// The name that picks, per tensor, the observer with the lowest error.
    public static let auto = "auto"
    /// `auto` never takes a range that saturates more than this share of the elements.
    public static let autoClipLimit = 0.001

    public static func named(_ name: String) -> Observer? { all.first { $0.name == name } }

    /// Every name `--observer` accepts.
    public static var names: [String] { all.map(\.name) + [auto] }

    /// The per-tensor choice of `auto`: among the observers whose range saturates at most
    /// ``autoClipLimit`` of the elements, the one with the lowest quantization MSE (minmax,
    /// which never clips, is always a candidate).
    public static func chooseAuto(_ s: TensorStatistics, _ settings: ObserverSettings) -> (Observer, ClosedRange<Double>) {
        var best: (Observer, ClosedRange<Double>, Double)?
        for o in all {
            let r = o.range(s, settings)
            let e = s.error(of: r)
            guard o.name == minmax.name || e.clipped <= autoClipLimit else { continue }
            if best == nil || e.mse < best!.2 { best = (o, r, e.mse) }
        }
        return (best!.0, best!.1)
    }

    /// TensorRT's entropy calibration on the |x| histogram: for each candidate threshold
    /// (every 16th bin from the number of levels on), the reference distribution P (values
    /// beyond folded into the last bin) against Q (P merged into the INT8 levels and spread back
    /// over its non-empty bins); the threshold with the lowest KL(P‖Q). Levels: 128 for a
    /// tensor with negative values (one side of the signed range), 256 otherwise.
    static func klThreshold(_ s: TensorStatistics) -> Double {
        let h = s.absHistogram, n = h.count
        let levels = s.min < 0 ? 128 : 256
        guard s.absWidth > 0, n > levels else { return s.absMax }
        var best = (kl: Double.infinity, i: n)
        var suffix = Array(repeating: 0.0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + h[i] }
        for i in stride(from: levels, through: n, by: 16) {
            var p = Array(h[0..<i])
            p[i - 1] += suffix[i]
            var q = Array(repeating: 0.0, count: i)
            for j in 0..<levels {
                let start = j * i / levels, end = (j + 1) * i / levels
                guard end > start else { continue }
                var total = 0.0, nonzero = 0
                for k in start..<end where h[k] > 0 { total += h[k]; nonzero += 1 }
                guard nonzero > 0 else { continue }
                for k in start..<end where h[k] > 0 { q[k] = total / Double(nonzero) }
            }
            let ps = p.reduce(0, +), qs = q.reduce(0, +)
            guard ps > 0, qs > 0 else { continue }
            var kl = 0.0
            for k in 0..<i where p[k] > 0 {
                let pk = p[k] / ps
                let qk = Swift.max(q[k] / qs, 1e-12)
                kl += pk * log(pk / qk)
            }
            if kl < best.kl { best = (kl, i) }
        }
        return Double(best.i) * s.absWidth
    }

    /// Grid search of the range minimizing ``TensorStatistics/error(of:)``: both ends shrunk
    /// together by 1…100 % (100 steps), then each end alone with the other fixed.
    static func mseRange(_ s: TensorStatistics) -> ClosedRange<Double> {
        guard s.max > s.min else { return s.min...s.max }
        let steps = 100
        var best = (mse: s.error(of: s.min...s.max).mse, lo: s.min, hi: s.max)
        func consider(_ lo: Double, _ hi: Double) {
            guard hi >= lo else { return }
            let e = s.error(of: lo...hi).mse
            if e < best.mse { best = (e, lo, hi) }
        }
        for k in 1...steps { let a = Double(k) / Double(steps); consider(s.min * a, s.max * a) }
        let (lo0, hi0) = (best.lo, best.hi)
        for k in 1...steps { consider(lo0, hi0 * Double(k) / Double(steps)) }
        let hi1 = best.hi
        for k in 1...steps { consider(lo0 * Double(k) / Double(steps), hi1) }
        return best.lo...best.hi
    }
}
