// Shared between the dispatcher (dispatch.c) and the per-ISA variant files (variant_*.c).
#ifndef CEDGEKERNELS_INTERNAL_H
#define CEDGEKERNELS_INTERNAL_H

#include "CEdgeKernels.h"

/// One GEMM call: op(B) is either a dense matrix or, with `conv`, the im2col matrix of `b`
/// (one image and group: `b` points at its first input channel; k = cg·kh·kw, n = oh·ow).
typedef struct {
    ptrdiff_t m, n, k;
    const float *a;
    ptrdiff_t lda;
    int trans_a;
    const float *b;
    ptrdiff_t ldb;
    int trans_b;
    const ek_conv2d_geometry *conv;
    float *c;
    ptrdiff_t ldc;
    int accumulate;
    ptrdiff_t mc, kc, nc;  // cache blocking (mc multiple of mr, nc multiple of nr)
    const float *bias;     // without accumulate: one value per row of C added to the product (or NULL)
    ek_activation act;     // applied to each finished element of C
    // Operands packed ahead of the call (ek_pack_*; NULL: packed here, block by block). Depth
    // block pc's panels start at packed + pc·pad (pad: rows or columns rounded up to the tile),
    // the panel of row (column) i at + i·klen.
    const float *packed_a, *packed_b;
    ptrdiff_t packed_a_pad, packed_b_pad;
} ek_gemm_job;

/// The kernels of one instruction-set variant.
typedef struct {
    int mr, nr;
    ptrdiff_t mc, kc, nc;  // default cache blocking
    /// Rows i0..<i1, columns j0..<j1 of C (i0 multiple of mr, j0 multiple of nr): the blocked
    /// algorithm with the variant's packers and micro-kernel. Each C element's arithmetic does
    /// not depend on the range (so any split over threads gives identical results).
    void (*gemm_range)(const ek_gemm_job *job, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0, ptrdiff_t j1);
    /// Rows i0..<i0+rows, depth p0..<p0+klen of op(A) as mr-row panels (k-major, zero-padded).
    void (*pack_a)(const ek_gemm_job *job, ptrdiff_t i0, ptrdiff_t rows, ptrdiff_t p0, ptrdiff_t klen, float *d);
    /// Depth p0..<p0+klen, columns j0..<j0+cols of a dense op(B) as nr-column panels (zero-padded).
    void (*pack_b)(const ek_gemm_job *job, ptrdiff_t p0, ptrdiff_t klen, ptrdiff_t j0, ptrdiff_t cols, float *d);
    /// The transposed convolution GEMM (NULL when the variant has none): rows s0..<s1, columns
    /// n0..<n1 of C'[spatial × oc] = im2colᵀ·Wᵀ into job->c, tile mr_t × nr_t, spatial blocks of mc_t.
    int mr_t, nr_t;
    ptrdiff_t mc_t;
    void (*gemm_t_range)(const ek_gemm_job *job, ptrdiff_t s0, ptrdiff_t s1, ptrdiff_t n0, ptrdiff_t n1);
    /// pack_b with nr_t-column panels (Wᵀ for gemm_t_range).
    void (*pack_b_t)(const ek_gemm_job *job, ptrdiff_t p0, ptrdiff_t klen, ptrdiff_t j0, ptrdiff_t cols, float *d);
    /// c[j0..<j1] (+)= x·B for one row x (stride xs) and row-major B (k rows, stride ldb).
    void (*row_times_matrix)(const float *x, ptrdiff_t xs, const float *b, ptrdiff_t ldb, ptrdiff_t k,
                             ptrdiff_t j0, ptrdiff_t j1, float *c, int accumulate);
    /// Σ x[i·xs]·y[i] over i < n.
    float (*dot)(const float *x, ptrdiff_t xs, const float *y, ptrdiff_t n);
    /// Depthwise convolution of one input channel plane into `mult` output planes
    /// (weights mult×kh×kw, bias mult values or NULL, act NULL or applied to each output); `call` is unique per ek_conv2d call
    /// (the per-thread padded plane is zeroed once per call).
    void (*depthwise_channel)(const ek_conv2d_geometry *g, const float *src, const float *weight,
                              const float *bias, const ek_activation *act, ptrdiff_t mult, float *dst,
                              unsigned long call);
    /// y[i] = f(x[i]), f one of EK_UNARY_* (validated by the caller).
    void (*unary)(int op, const float *x, float *y, ptrdiff_t n);
} ek_variant;

extern const ek_variant ek_variant_baseline;
#if defined(__x86_64__)
extern const ek_variant ek_variant_avx2;
extern const ek_variant ek_variant_avx512;
#endif

/// The active variant (read once per kernel call).
const ek_variant *ek_active_variant(void);

/// Thread-local scratch of at least `floats` floats, 64-byte aligned; slot 0..3 are distinct buffers.
float *ek_scratch(int slot, size_t floats);

#endif
