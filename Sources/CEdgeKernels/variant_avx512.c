// AVX-512F variant (32 vector registers: a 12×32 register tile); only called when CPUID reports
// AVX512F and the OS saves the ZMM state (dispatch.c). Multiply-adds are fused (one rounding).
#include "internal.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#pragma clang fp contract(off)
#define EK_VARIANT ek_variant_avx512
#define VW 16
#define MR 12
#define NV 2
#define MC 144
#define KC 256
#define NC 2048
#define EK_FUSED 1
#define MR_T 7
#define NV_T 4
#define MC_T 140
#include "kernels.inc"
#pragma clang attribute pop
#endif
