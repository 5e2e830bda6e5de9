/* The optimizers' update rules: SGD, momentum and Adam over a run of
 * parameters and their gradient.
 *
 * Two callers apply them. A fit on one process updates each layer as soon
 * as its gradient is complete (step.c), and for SGD and momentum folds the
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
 */
#include <math.h>

#include "net_internal.h"

void nn__optim_begin_step(nn__optim *o)
{
    if (o->kind != NN_ADAM)
        return;
    o->beta1_t *= o->b1;
    o->beta2_t *= o->b2;
    o->c1 = 1.0 / (1.0 - o->beta1_t);
    o->c2 = 1.0 / (1.0 - o->beta2_t);
}

void nn__optim_apply(const nn__optim *o, double *restrict p, const double *restrict g,
                     size_t off, size_t len, double decay)
{
    const double lr = o->lr;
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

int nn__optim_folds_into_gemm(const nn__optim *o)
{
    return o->kind == NN_SGD || o->kind == NN_MOMENTUM;
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
    double *restrict v = o->m + off;
    *beta = o->mu;
    if (decay != 0.0) {
        const double k = o->lr * decay, mu = o->mu;
        for (size_t i = 0; i < len; i++)
            v[i] = mu * v[i] - k * w[i];
        *beta = 1.0;
    }
    return v;
}

void nn__optim_gemm_end(const nn__optim *o, double *restrict w, size_t off, size_t len)
{
    if (o->kind != NN_MOMENTUM)
        return;
    const double *restrict v = o->m + off;
    for (size_t i = 0; i < len; i++)
        w[i] += v[i];
}
