#ifndef NN_LIB_OPTIM_H
#define NN_LIB_OPTIM_H

/* For the training step (lib/net/step.c), the fit (train.c) and optim.c:
 * the optimizers' settings, state and update passes. */

#include <stddef.h>

#include "internal.h"
#include "pool.h"

/* An optimizer's settings and state for one fit; the state blocks m and v
 * (momentum: velocity in m; Adam: moments) have the layout of the
 * parameter block, and off below is an offset into them. */
typedef struct nn__optim {
    nn_optimizer kind;
    double lr, mu, b1, b2, eps;
    void *m, *v;             /* of the net's element type */
    double beta1_t, beta2_t; /* Adam: b1^t and b2^t after step t (1 before the first) */
    double c1, c2;           /* Adam: 1/(1-b1^t), 1/(1-b2^t) for the current step */
    nn__pool *pool;          /* splits the passes over runs of NN__POOL_MIN_LEN or
                                more (the fit's pool); NULL = all on the caller */
} nn__optim;

/* Advance the step count (Adam's bias corrections); once per step. */
void nn__optim_begin_step(nn__optim *o);
/* The passes, once per element type (optim_passes.inc; _f32 for float,
 * whose state blocks are float):
 *   apply      update len parameters p at offset off of the block from
 *              their gradient g, with weight decay decay (0 for biases);
 *   gemm_begin when the update is linear in the gradient (SGD, momentum;
 *              nn__optim_folds_into_gemm), the weight-gradient GEMM applies
 *              it: C = beta C + alpha Aᵀ dZ on the C returned (W or its
 *              velocity; it may first update the velocity for weight
 *              decay), followed by gemm_end. */
#define NN__OPTIM_DECLS(real, S)                                                           \
    void nn__optim_apply##S(const nn__optim *o, real *p, const real *g, size_t off,        \
                            size_t len, double decay);                                     \
    real *nn__optim_gemm_begin##S(const nn__optim *o, real *w, size_t off, size_t len,     \
                                  double decay, double *alpha, double *beta);              \
    void nn__optim_gemm_end##S(const nn__optim *o, real *w, size_t off, size_t len);
NN__OPTIM_DECLS(double, )
NN__OPTIM_DECLS(float, _f32)
#undef NN__OPTIM_DECLS

static inline int nn__optim_folds_into_gemm(const nn__optim *o)
{
    return o->kind == NN_SGD || o->kind == NN_MOMENTUM;
}

#endif /* NN_LIB_OPTIM_H */
