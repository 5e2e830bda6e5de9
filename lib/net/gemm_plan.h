#ifndef NN_LIB_GEMM_PLAN_H
#define NN_LIB_GEMM_PLAN_H

/* For lib/net/ only, through net/net_internal.h (which fixes NN__MAX_LAYERS
 * first), and the GEMM tests: the path of each product of a training step,
 * its rule and its calibration (gemm_plan.c). */

#include <stddef.h>

#include "kernels/kernels.h"

#ifndef NN__MAX_LAYERS
#error "include net/net_internal.h, not net/gemm_plan.h"
#endif

/* Without a measured plan, GEMMs with m*n and m*n*k at or below this go to
 * the small gemm instead of cblas_dgemm on a path with SIMD tiles (the rule;
 * bench/epoch_bench measures it). */
#define NN__SMALL_GEMM_MAX 2048
/* The largest product (m*n*k) the small gemm takes at all: NN_GEMM=small
 * sends everything up to it there, and auto times everything up to it (the
 * small gemm has no cache blocking). */
#define NN__GEMM_SMALL_LIMIT ((size_t)1 << 20)
/* Wall-time cap of one calibration (nn__net_plan_gemms), in nanoseconds. */
#define NN__GEMM_CALIB_BUDGET_NS 4000000.0
/* Row counts a plan covers: a fit's batch and its last, partial batch. */
#define NN__GEMM_PLAN_ROWS 2

/* The three products of a training step for layer l with n rows. */
enum { NN__GEMM_FWD = 0, /* Z = A_prev W:       n x out x in           */
       NN__GEMM_DW,      /* dW = A_prevᵀ dZ:    in x out x n, trans_a  */
       NN__GEMM_DA,      /* dA = dZ Wᵀ:         n x in x out, trans_b  */
       NN__GEMM_KINDS };

/* Which path each product of a training step takes, for the row counts of
 * the current fit. A product of layer l, kind q, with n rows is looked up
 * as small[s][l][q] where rows[s] == n (the layer and kind fix the rest of
 * the shape); a product with any other row count follows the path's rule
 * (small_by_rule in gemm_plan.c). Filled by nn__net_plan_gemms: under
 * NN_GEMM_PATH_AUTO by timing both paths on each shape, else by the forced
 * path's rule. */
typedef struct nn__gemm_plan {
    size_t rows[NN__GEMM_PLAN_ROWS]; /* 0 = unused slot */
    unsigned char small[NN__GEMM_PLAN_ROWS][NN__MAX_LAYERS][NN__GEMM_KINDS];
    size_t n_small, n_blas; /* distinct shapes (trans_a, trans_b, m, n, k) on each path */
    size_t n_timed;         /* of those, decided by timing in this plan (0 for a
                               forced path, or when every row count was kept) */
    double seconds;         /* wall time of making this plan */
} nn__gemm_plan;

/* The shape of product kind q of layer l with n rows (row-major, beta 0):
 *   forward   Z  = A_prev · W        (n x in)(in x out)
 *   weights   dW = A_prevᵀ · dZ      (in x n)(n x out), A_prev stored n x in
 *   inputs    dA = dZ · Wᵀ           (n x out)(out x in), W stored in x out
 * (nn__net_gemm_shape in net/net_internal.h). */
typedef struct nn__gemm_shape {
    int ta, tb;
    size_t m, n, k;
} nn__gemm_shape;

/* The path's rule for a product that no plan covers. */
int nn__net_gemm_by_rule(const nn_net *net, size_t l, int q, size_t n);
/* Plan the GEMM path of every product of a training step with each of the
 * n_rows row counts in rows (zeros and repeats are skipped; at most
 * NN__GEMM_PLAN_ROWS), replacing the plan of other row counts; row counts
 * already planned keep their decisions. Under NN_GEMM_PATH_AUTO each new
 * shape within NN__GEMM_SMALL_LIMIT whose row count fits the reserved
 * workspace (cap) is timed on both paths, in the net's own buffers: the
 * workspace and the gradient block are overwritten (a step overwrites them
 * anyway). Smallest shapes first, until NN__GEMM_CALIB_BUDGET_NS is spent;
 * the rest follow the rule. Never fails: without memory for its
 * bookkeeping, every product follows the rule. */
void nn__net_plan_gemms(nn_net *net, const size_t *rows, size_t n_rows);

#endif /* NN_LIB_GEMM_PLAN_H */
