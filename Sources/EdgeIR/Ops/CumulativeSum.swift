/// How importers express a cumulative sum (ONNX `CumSum`, `aten.cumsum`) with the op set: along a
/// dim of static size N, y[i] = Σⱼ x[j]·M[i, j] with the 0/1 matrix M below, computed as
/// `edge.sum` over j of `edge.mul(edge.unsqueeze(x, dim), M)`. Exact for integers (position ids
/// from a padding mask, the Hugging Face case); O(N²) work and memory, so N is bounded.
public enum CumulativeSum {
    /// The longest dim a cumulative sum is lowered for (M has N² elements).
    public static let maxLength = 4096

    /// M[i, j] in row-major order: j ≤ i (j < i when `exclusive`); mirrored (j ≥ i, j > i) when `reverse`.
    public static func mask(length n: Int, exclusive: Bool, reverse: Bool) -> [Double] {
        var m: [Double] = []
        m.reserveCapacity(n * n)
        for i in 0 ..< n {
            for j in 0 ..< n {
                let keep = reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i)
                m.append(keep ? 1 : 0)
            }
        }
        return m
    }

    /// The shape M is given for a sum along `dim` of a rank-`rank` operand: [N, N, 1, ...] so that
    /// it broadcasts against the operand unsqueezed at `dim` ([..., 1, N, trailing dims]).
    public static func maskShape(length n: Int, dim: Int, rank: Int) -> [Int] {
        [n, n] + Array(repeating: 1, count: rank - dim - 1)
    }
}
