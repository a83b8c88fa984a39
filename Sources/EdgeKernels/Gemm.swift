// Single-precision GEMM: a blocked GotoBLAS-style algorithm (packing + SIMD register micro-kernel)
// implemented per instruction set in CEdgeKernels and chosen at run time (Dispatch.swift).
// Shared by matmul, linear and conv2d (which packs its im2col matrix straight into B panels).
import CEdgeKernels

/// Single-precision matrix multiply on row-major matrices.
public enum Gemm {
    /// `C = op(A)·op(B)` (or `C += ...` when `accumulate`) with `op(A)` m×k and `op(B)` k×n.
    /// `transposeA` means A is stored k×m; `transposeB` means B is stored n×k (e.g. `x·Wᵀ`).
    /// Leading dimensions are row strides in elements. C must not alias A or B.
    public static func sgemm(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                             c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
              c: c, ldc: ldc, accumulate: accumulate, config: .standard)
    }

    static func sgemm(m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                      b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, config: KernelConfig) {
        var cfg = config.c
        ek_sgemm_with(&cfg, m, n, k, a, lda, transposeA ? 1 : 0, b, ldb, transposeB ? 1 : 0, c, ldc, accumulate ? 1 : 0)
    }
}
