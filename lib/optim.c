/* The optimizers' update rules: SGD, momentum and Adam over a run of
 * parameters and their gradient.
 *
 * Two callers apply them. A fit on one process updates each layer as soon
 * as its gradient is complete (lib/net/step.c), and for SGD and momentum folds the
 * weight update into the weight-gradient GEMM (nn__optim_gemm_*), so that
 * no pass over the weights is left for a GEMM to have done. Data-parallel
 * training (nn_net_fit_distributed) reduces the whole gradient block first
 * and then updates every parameter in one pass (train.c). Both follow the
 * formulas below, so the two differ only in rounding.
 *
 *   SGD       p -= lr (g + wd p)
 *   momentum  v = mu v - lr (g + wd p);  p += v
 *   Adam      m = b1 m + (1-b1) g',  v = b2 v + (1-b2) g'^2,  g' = g + wd p,
 *             p -= lr (m c1) / (sqrt(v c2) + eps),  c1 = 1/(1-b1^t), c2 = 1/(1-b2^t)
 *
 * wd (weight decay, L2) applies to weight matrices only, never to biases.
 *
 * Every pass here is memory-bound, and a fit may give its optimizer a
 * worker pool (pool.c; train.c sizes it from NN_THREADS, env.c): runs
 * of NN__POOL_MIN_LEN parameters or more are split over it, with the same
 * results bit for bit, since the passes are elementwise.
 */
#include <math.h>

#include "optim.h"

void nn__optim_begin_step(nn__optim *o)
{
    if (o->kind != NN_ADAM)
        return;
    o->beta1_t *= o->b1;
    o->beta2_t *= o->b2;
    o->c1 = 1.0 / (1.0 - o->beta1_t);
    o->c2 = 1.0 / (1.0 - o->beta2_t);
}

/* ---- the passes, over a range of a run ------------------------------------ */

/* Each pass below is elementwise: element i of the result depends on
 * element i of the inputs only. A run split over the fit's pool
 * (nn__pool_run) therefore writes the same bits as the run on one thread,
 * whatever the cuts. */

/* The arguments of one pass, for nn__pool_run's workers. */
typedef struct pass {
    const nn__optim *o;
    double *p;       /* parameters (W for the momentum passes) */
    const double *g; /* gradient (nn__optim_apply) */
    size_t off;      /* offset of p in the parameter block */
    double decay;
} pass;

static void apply_range(void *ctx, size_t begin, size_t end)
{
    const pass *a = ctx;
    const nn__optim *o = a->o;
    const size_t len = end - begin;
    double *restrict p = a->p + begin;
    const double *restrict g = a->g + begin;
    const size_t off = a->off + begin;
    const double lr = o->lr, decay = a->decay;
    switch (o->kind) {
    case NN_SGD:
        for (size_t i = 0; i < len; i++)
            p[i] -= lr * (g[i] + decay * p[i]);
        break;
    case NN_MOMENTUM: {
        double *restrict v = o->m + off;
        const double mu = o->mu;
        for (size_t i = 0; i < len; i++) {
            v[i] = mu * v[i] - lr * (g[i] + decay * p[i]);
            p[i] += v[i];
        }
        break;
    }
    case NN_ADAM: {
        double *restrict m = o->m + off, *restrict v = o->v + off;
        const double b1 = o->b1, b2 = o->b2, eps = o->eps, c1 = o->c1, c2 = o->c2;
        for (size_t i = 0; i < len; i++) {
            double gi = g[i] + decay * p[i];
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            p[i] -= lr * (m[i] * c1) / (sqrt(v[i] * c2) + eps);
        }
        break;
    }
    }
}

/* Momentum with weight decay, before the GEMM: v = mu v - lr wd W. */
static void decay_velocity_range(void *ctx, size_t begin, size_t end)
{
    const pass *a = ctx;
    const nn__optim *o = a->o;
    const size_t len = end - begin;
    const double *restrict w = a->p + begin;
    double *restrict v = o->m + a->off + begin;
    const double k = o->lr * a->decay, mu = o->mu;
    for (size_t i = 0; i < len; i++)
        v[i] = mu * v[i] - k * w[i];
}

/* Momentum after the GEMM: W += v. */
static void add_velocity_range(void *ctx, size_t begin, size_t end)
{
    const pass *a = ctx;
    const size_t len = end - begin;
    double *restrict w = a->p + begin;
    const double *restrict v = a->o->m + a->off + begin;
    for (size_t i = 0; i < len; i++)
        w[i] += v[i];
}

/* Run a pass over len elements: on the fit's pool when the run is long
 * enough to pay for waking it, else on the caller. */
static void run_pass(const nn__optim *o, nn__pool_fn fn, pass *a, size_t len)
{
    if (len >= NN__POOL_MIN_LEN && o->pool)
        nn__pool_run(o->pool, fn, a, len);
    else if (len > 0)
        fn(a, 0, len);
}

/* ---- the rules --------------------------------------------------------------- */

void nn__optim_apply(const nn__optim *o, double *p, const double *g, size_t off, size_t len,
                     double decay)
{
    pass a = {.o = o, .p = p, .g = g, .off = off, .decay = decay};
    run_pass(o, apply_range, &a, len);
}

/* What the weight-gradient GEMM accumulates into, and with which alpha and
 * beta, so that C = beta C + alpha Aᵀ dZ is the update:
 *   SGD       C = W:  W = (1 - lr wd) W - lr dW
 *   momentum  C = v:  v = mu v - lr dW, after v -= lr wd W when wd > 0 */
double *nn__optim_gemm_begin(const nn__optim *o, double *w, size_t off, size_t len,
                             double decay, double *alpha, double *beta)
{
    *alpha = -o->lr;
    if (o->kind == NN_SGD) {
        *beta = 1.0 - o->lr * decay;
        return w;
    }
    *beta = o->mu;
    if (decay != 0.0) {
        pass a = {.o = o, .p = w, .g = NULL, .off = off, .decay = decay};
        run_pass(o, decay_velocity_range, &a, len);
        *beta = 1.0;
    }
    return o->m + off;
}

void nn__optim_gemm_end(const nn__optim *o, double *w, size_t off, size_t len)
{
    if (o->kind != NN_MOMENTUM)
        return;
    pass a = {.o = o, .p = w, .g = NULL, .off = off, .decay = 0.0};
    run_pass(o, add_velocity_range, &a, len);
}
