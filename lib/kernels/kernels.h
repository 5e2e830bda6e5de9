#ifndef NN_LIB_KERNELS_H
#define NN_LIB_KERNELS_H

/* For any file under lib/ that runs a kernel or a small gemm: the kernel
 * table of a path (one per instruction set, each in its own file), its
 * dispatch, and the small gemm's types. lib/kernels/ref.h has the
 * references and the per-ISA pieces. */

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- small gemm (kernels/gemm_small*.c) --------------------------------- */

/* Elements of the caller's scratch the small gemm may use (table.inc). */
#define NN__GEMM_SCRATCH 2048

typedef enum nn__epi_kind {
    NN__EPI_BIAS_ACT = 0,
    NN__EPI_ACT_GRAD,
    NN__EPI_SGD,
    NN__EPI_MOMENTUM
} nn__epi_kind;

/* The small-gemm tiles of a kernel path: portable loops, or the blocked
 * SIMD tiles of kernels/gemm_blocked.inc at a vector width. Only SIMD tiles
 * beat cblas_dgemm without a measured plan (see lib/net/gemm_plan.c). */
typedef enum nn__gemm_tiles {
    NN__TILES_PORTABLE = 0,
    NN__TILES_AVX2,   /* 4-double vectors */
    NN__TILES_AVX512  /* 8-double vectors */
} nn__gemm_tiles;

#define NN__N_ACT 6 /* nn_activation values */

#define NN__EACH_REAL "kernels/table.inc"
#include "each_real.h"

/* The path chosen for this process: from CPUID, overridden by NN_SIMD. The
 * choice is made once (thread-safe) and never changes afterwards. */
const nn__kernels *nn__kernels_get(void);

/* A specific path by name ("scalar", "avx2", "avx512"), or NULL when this CPU
 * or build cannot run it. For tests and benches. */
const nn__kernels *nn__kernels_by_name(const char *name);

extern const nn__kernels nn__kernels_scalar; /* kernels/ref.c: the reference */
extern const nn__kernels_f32 nn__kernels_scalar_f32; /* kernels/ref_f32.c */

/* The float table of the path whose double table is k (every path has
 * both; a path without float SIMD kernels yet has the float references). */
const nn__kernels_f32 *nn__kernels_f32_of(const nn__kernels *k);

/* ---- activations (activation.c) ----------------------------------------- */

/* True for the activations whose backward needs the pre-activation z
 * (GELU: its derivative is not a function of its output). */
int nn__act_needs_pre(nn_activation a);

/* Scalar formulas shared by the references and by loss.c (kernels/ref.c). */
double nn__bce_logit(double z, double t);     /* max(z,0) - z t + log1p(exp(-|z|)) */
double nn__sigmoid(double z);                 /* 1 / (1 + exp(-z)), no overflow */

#endif /* NN_LIB_KERNELS_H */
