import EdgeKernels
import Foundation

/// The closeness test for float outputs, as `numpy.testing.assert_allclose`:
/// `|actual - expected| <= atol + rtol * |expected|`.
public struct Tolerance: Sendable, Equatable, Codable {
    public var rtol: Double
    public var atol: Double
    public init(rtol: Double, atol: Double) {
        self.rtol = rtol
        self.atol = atol
    }

    /// onnx's defaults for backend node tests (`TestCase.rtol` / `atol`), used when a case
    /// has no manifest entry.
    public static let onnxDefault = Tolerance(rtol: 1e-3, atol: 1e-7)
}

/// How an output differs from its reference.
public struct Mismatch: Sendable, Equatable {
    /// `dtype`, `shape` or `values`.
    public var kind: String
    public var message: String
    /// For value mismatches: the number of elements outside the tolerance and the largest errors.
    public var badCount = 0
    public var maxAbsError = 0.0
    public var maxRelError = 0.0
}

/// Dtype-aware comparison of an output with its reference. Shapes and dtypes must be equal;
/// integers and bools must be equal exactly; floats must be close (NaN matches NaN, infinities
/// match only the same infinity).
public enum TensorComparison {
    public static func compare(expected: Tensor, actual: Tensor, tolerance: Tolerance) -> Mismatch? {
        guard expected.dtype == actual.dtype else {
            return Mismatch(kind: "dtype", message: "dtype \(actual.dtype), expected \(expected.dtype)")
        }
        guard expected.shape == actual.shape else {
            return Mismatch(kind: "shape", message: "shape \(actual.shape), expected \(expected.shape)")
        }
        guard expected.count > 0 else { return nil }
        if expected.dtype.isFloatingPoint {
            return compareFloats(expected.doubles(), actual.doubles(), shape: expected.shape, tolerance)
        }
        if expected.dtype == .bool {
            return compareExact(expected.bools().map { $0 ? 1 : 0 }, actual.bools().map { $0 ? 1 : 0 }, shape: expected.shape)
        }
        if expected.dtype == .u64 {  // above Int64.max: compared and shown as unsigned values
            return compareExact(expected.uint64s(), actual.uint64s(), shape: expected.shape)
        }
        return compareExact(expected.int64s(), actual.int64s(), shape: expected.shape)
    }

    static func compareFloats(_ e: [Double], _ a: [Double], shape: [Int], _ tol: Tolerance) -> Mismatch? {
        var bad = 0, first = -1, maxAbs = 0.0, maxRel = 0.0
        for i in e.indices {
            let x = a[i], y = e[i]
            let ok: Bool
            if x.isNaN || y.isNaN { ok = x.isNaN && y.isNaN }
            else if x.isInfinite || y.isInfinite { ok = x == y }
            else {
                let d = abs(x - y)
                ok = d <= tol.atol + tol.rtol * abs(y)
                if !ok {
                    maxAbs = max(maxAbs, d)
                    if y != 0 { maxRel = max(maxRel, d / abs(y)) }
                }
            }
            if !ok {
                bad += 1
                if first < 0 { first = i }
            }
        }
        guard bad > 0 else { return nil }
        var m = Mismatch(kind: "values", message: "")
        m.badCount = bad
        m.maxAbsError = maxAbs
        m.maxRelError = maxRel
        m.message = "\(bad) of \(e.count) values differ (max abs error \(fmt(maxAbs)), max rel error \(fmt(maxRel)); "
            + "rtol \(fmt(tol.rtol)), atol \(fmt(tol.atol))); first at \(index(first, shape)): \(a[first]), expected \(e[first])"
        return m
    }

    static func compareExact<I: FixedWidthInteger>(_ e: [I], _ a: [I], shape: [Int]) -> Mismatch? {
        var bad = 0, first = -1, maxAbs = 0.0
        for i in e.indices where e[i] != a[i] {
            bad += 1
            if first < 0 { first = i }
            maxAbs = max(maxAbs, abs(Double(e[i]) - Double(a[i])))
        }
        guard bad > 0 else { return nil }
        var m = Mismatch(kind: "values", message: "\(bad) of \(e.count) values differ (exact comparison); first at \(index(first, shape)): \(a[first]), expected \(e[first])")
        m.badCount = bad
        m.maxAbsError = maxAbs
        return m
    }

    /// The multi-index of flat element `flat` in `shape`, as `[i, j, k]`.
    static func index(_ flat: Int, _ shape: [Int]) -> String {
        var rest = flat, idx = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() where shape[d] > 0 {
            idx[d] = rest % shape[d]
            rest /= shape[d]
        }
        return "[" + idx.map(String.init).joined(separator: ", ") + "]"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
}
