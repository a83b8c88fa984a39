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
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, config: KernelConfig,
                      packedB: PackedOperand? = nil) {
        var cfg = config.c
        ek_sgemm_packed(&cfg, m, n, k, a, lda, transposeA ? 1 : 0, nil, b, ldb, transposeB ? 1 : 0, packedB?.pointer,
                        c, ldc, accumulate ? 1 : 0)
    }
}

/// A matrix operand (a GEMM's A or B, or a convolution's weight) packed once into the register
/// tile panels of one kernel variant, for a constant weight that every run reads: the calls that
/// take it skip packing. A call on another variant or blocking packs as usual; either way the
/// arithmetic, and so every result, is the same (packing only moves the operand's values).
public final class PackedOperand: @unchecked Sendable {
    let pointer: OpaquePointer

    init?(_ pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        self.pointer = pointer
    }

    deinit { ek_packed_free(pointer) }

    /// Bytes of the packed copy.
    public var byteCount: Int { ek_packed_bytes(pointer) }
}

