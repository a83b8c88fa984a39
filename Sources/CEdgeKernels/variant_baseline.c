// Baseline variant: the architecture's default instruction set (x86-64: SSE2, no FMA, so
// multiply and add round separately; arm64: NEON with fused multiply-add).
#include "internal.h"

#pragma clang fp contract(off)
#define EK_VARIANT ek_variant_baseline
#define VW 4
#if defined(__aarch64__)
#define MR 8
#define NV 3
#define MC 128
#define EK_FUSED 1
#else
#define MR 6
#define NV 2
#define MC 120
#define EK_FUSED 0
#endif
#define KC 256
#define NC 2040
#include "kernels.inc"
