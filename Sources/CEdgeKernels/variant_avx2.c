// AVX2 + FMA variant (x86-64-v3: Intel since Haswell, AMD since Zen); only called when CPUID
// reports both (dispatch.c). Multiply-adds are fused (one rounding).
#include "internal.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#pragma clang fp contract(off)
#define EK_VARIANT ek_variant_avx2
#define VW 8
#define MR 6
#define NV 2
#define MC 120
#define KC 256
#define NC 2048
#define EK_FUSED 1
#include "kernels.inc"
#pragma clang attribute pop
#endif
