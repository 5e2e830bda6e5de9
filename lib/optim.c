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

#include "real.h"

void nn__optim_begin_step(nn__optim *o)
{
    if (o->kind != NN_ADAM)
        return;
    o->beta1_t *= o->b1;
    o->beta2_t *= o->b2;
    o->c1 = 1.0 / (1.0 - o->beta1_t);
    o->c2 = 1.0 / (1.0 - o->beta2_t);
}

#include "optim_passes.inc"
