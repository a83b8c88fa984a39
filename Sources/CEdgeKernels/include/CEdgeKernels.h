// Run-time dispatched f32 kernels of EdgeKernels (GEMM, im2col/pointwise/depthwise convolution)
// and the fixed worker pool they split independent outputs over. One binary carries a variant
// per instruction set (x86-64: baseline SSE2, AVX2+FMA, AVX-512F; arm64: NEON); the best one the
// CPU supports is chosen once at start-up from CPUID, or forced with EDGEC_ISA.
#ifndef CEDGEKERNELS_H
#define CEDGEKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set variants (ids are stable; not every id exists on every architecture).
enum {
    EK_ISA_BASELINE = 0,
    EK_ISA_AVX2 = 1,
    EK_ISA_AVX512 = 2,
    EK_ISA_COUNT = 3
};

/// "baseline", "avx2" or "avx512" (NULL for an unknown id).
const char *ek_isa_name(int isa);
/// 1 when the variant is compiled into this binary and the CPU can run it.
int ek_isa_supported(int isa);
/// The variant the kernels use now (chosen on first use: EDGEC_ISA if set and supported, else the best).
int ek_isa_active(void);
/// Forces a variant (tests); returns 0 and changes nothing when it is not supported.
int ek_isa_force(int isa);
/// When EDGEC_ISA named an unknown or unsupported variant: a message saying so (else NULL).
const char *ek_isa_environment_problem(void);
/// Register tile (rows, columns) of the active variant's GEMM micro-kernel.
int ek_gemm_tile_rows(void);
int ek_gemm_tile_cols(void);

/// Threads used inside kernels (default: EDGEC_THREADS if set, else 1 — everything on the caller's
/// thread). The pool's threads are created once, on the first request for more than it has.
void ek_set_threads(int threads);
/// CPU cores online.
int ek_cpu_count(void);
int ek_threads(void);
/// Runs fn(ctx, i) for i in 0..<count on the pool (the caller takes part); returns when all ran.
/// A call from inside a task runs serially on that thread.
typedef void (*ek_task_fn)(void *ctx, ptrdiff_t index);
void ek_parallel_for(ptrdiff_t count, ek_task_fn fn, void *ctx);
/// The same on at most `threads` threads (0: ek_threads()).
void ek_parallel_for_threads(ptrdiff_t count, int threads, ek_task_fn fn, void *ctx);

/// Per-call overrides, for tests that run every variant side by side; zero fields (isa -1)
/// take the defaults: the active variant, ek_threads() and the variant's cache blocking.
typedef struct {
    int isa;
    int threads;
    ptrdiff_t mc, kc, nc;
    /// Convolutions: 0 the variant's choice of GEMM form (by geometry), 1 always C = W·im2col,
    /// 2 the transposed form C' = im2colᵀ·Wᵀ where the variant has it (tests; results are identical).
    int conv_form;
} ek_config;

/// C = op(A)·op(B) (C += when accumulate), op(A) m×k, op(B) k×n, row-major with row strides.
void ek_sgemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
              const float *a, ptrdiff_t lda, int transpose_a,
              const float *b, ptrdiff_t ldb, int transpose_b,
              float *c, ptrdiff_t ldc, int accumulate);
void ek_sgemm_with(const ek_config *config, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                   const float *a, ptrdiff_t lda, int transpose_a,
                   const float *b, ptrdiff_t ldb, int transpose_b,
                   float *c, ptrdiff_t ldc, int accumulate);

/// An operand packed once into the micro-kernel's panels (for a constant weight that many calls
/// read), for the variant and depth blocking its config resolved to. A call whose variant or
/// blocking differs, or whose sizes do not match, packs as usual: packing changes where the
/// operand's values are read from, never the arithmetic, so results are identical either way.
typedef struct ek_packed ek_packed;
/// op(A), m×k (NULL when there is nothing to pack or memory ran out).
ek_packed *ek_pack_gemm_a(const ek_config *config, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda,
                          int transpose_a);
/// op(B), k×n.
ek_packed *ek_pack_gemm_b(const ek_config *config, ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb,
                          int transpose_b);
/// Bytes the packed copy holds.
size_t ek_packed_bytes(const ek_packed *p);
void ek_packed_free(ek_packed *p);
/// ek_sgemm_with with either operand prepacked (pa / pb may be NULL; a and b are still required).
void ek_sgemm_packed(const ek_config *config, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                     const float *a, ptrdiff_t lda, int transpose_a, const ek_packed *pa,
                     const float *b, ptrdiff_t ldb, int transpose_b, const ek_packed *pb,
                     float *c, ptrdiff_t ldc, int accumulate);

/// Resolved sizes of one NCHW convolution (OIHW weights); validated by the caller.
typedef struct {
    ptrdiff_t n, c, h, w, oc, kh, kw, oh, ow;
    ptrdiff_t sh, sw, dh, dw, pt, pl, groups;
} ek_conv2d_geometry;

/// An activation applied to each output as it is stored (the conv's epilogue), instead of a
/// separate pass; the results equal the separate op's (clamp compares as ATen's clamp / relu,
/// sigmoid and silu are ek_unary_f32's).
enum {
    EK_ACT_NONE = 0,
    EK_ACT_CLAMP = 1,    // min(max(x, lo), hi): relu is [0, inf], relu6 [0, 6]
    EK_ACT_SIGMOID = 2,
    EK_ACT_SILU = 3      // x·sigmoid(x)
};
typedef struct {
    int kind;
    float lo, hi;
} ek_activation;

/// output[N, OC, OH, OW] = conv(input, weight) + bias (bias may be NULL).
void ek_conv2d(const ek_conv2d_geometry *g, const float *input, const float *weight,
               const float *bias, float *output);
void ek_conv2d_with(const ek_config *config, const ek_conv2d_geometry *g, const float *input,
                    const float *weight, const float *bias, float *output);
/// The same with an activation applied to each output (act NULL or kind EK_ACT_NONE: none).
void ek_conv2d_act(const ek_config *config, const ek_conv2d_geometry *g, const float *input,
                   const float *weight, const float *bias, const ek_activation *act, float *output);

/// The weight of a grouped or dense convolution packed for ek_conv2d_packed (NULL for a
/// depthwise convolution, which reads its weights directly).
ek_packed *ek_pack_conv2d_weight(const ek_config *config, const ek_conv2d_geometry *g, const float *weight);
/// ek_conv2d_act with the weight prepacked by ek_pack_conv2d_weight (pw may be NULL).
void ek_conv2d_packed(const ek_config *config, const ek_conv2d_geometry *g, const float *input,
                      const float *weight, const ek_packed *pw, const float *bias, const ek_activation *act,
                      float *output);

/// Elementwise f32 functions (ek_unary_f32): vectorized range reduction + polynomial, with
/// their largest errors stated in kernels.inc ("elementwise functions") and checked by tests.
enum {
    EK_UNARY_EXP = 0,
    EK_UNARY_SIGMOID = 1,
    EK_UNARY_SILU = 2,       // x·sigmoid(x)
    EK_UNARY_TANH = 3,
    EK_UNARY_ERF = 4,
    EK_UNARY_GELU = 5,       // x·Φ(x) = x/2·(1 + erf(x/√2))
    EK_UNARY_GELU_TANH = 6,  // x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))
    EK_UNARY_COUNT = 7
};
/// y[i] = f(x[i]) for i < n (y may equal x). Each element's result depends only on its value
/// and the variant, never on n, alignment or the thread count. An unknown op writes nothing.
void ek_unary_f32(int op, const float *x, float *y, ptrdiff_t n);
void ek_unary_f32_with(const ek_config *config, int op, const float *x, float *y, ptrdiff_t n);

#ifdef __cplusplus
}
#endif
#endif
