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
    double *m, *v;
    double beta1_t, beta2_t; /* Adam: b1^t and b2^t after step t (1 before the first) */
    double c1, c2;           /* Adam: 1/(1-b1^t), 1/(1-b2^t) for the current step */
    nn__pool *pool;          /* splits the passes over runs of NN__POOL_MIN_LEN or
                                more (the fit's pool); NULL = all on the caller */
} nn__optim;

/* Advance the step count (Adam's bias corrections); once per step. */
void nn__optim_begin_step(nn__optim *o);
/* Update len parameters p at offset off of the block from their gradient
 * g, with weight decay decay (0 for biases). */
void nn__optim_apply(const nn__optim *o, double *p, const double *g, size_t off, size_t len,
                     double decay);
/* Whether the update is linear in the gradient (SGD, momentum), so that the
 * weight-gradient GEMM can apply it: C = beta C + alpha Aᵀ dZ on the C that
 * nn__optim_gemm_begin returns (W or its velocity; it may first update the
 * velocity for weight decay), followed by nn__optim_gemm_end. */
static inline int nn__optim_folds_into_gemm(const nn__optim *o)
{
    return o->kind == NN_SGD || o->kind == NN_MOMENTUM;
}
double *nn__optim_gemm_begin(const nn__optim *o, double *w, size_t off, size_t len, double decay,
                             double *alpha, double *beta);
void nn__optim_gemm_end(const nn__optim *o, double *w, size_t off, size_t len);

#endif /* NN_LIB_OPTIM_H */
