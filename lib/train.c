/* Minibatch training: nn_net_fit and the optimizers.
 *
 * Everything a step needs is allocated in fit_begin, before the first step:
 * the net's workspace for a full batch, a shuffled copy of the training
 * rows (so every minibatch is a view of consecutive rows), optimizer state
 * and two parameter snapshots. A step then runs the forward and backward
 * passes (net.c) and one pass of the optimizer over the flat parameter
 * block, and allocates nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net_internal.h"

nn_train_options nn_train_defaults(void)
{
    nn_train_options o;
    memset(&o, 0, sizeof o);
    o.epochs = 40;
    o.batch_size = 32;
    o.optimizer = NN_ADAM;
    o.learning_rate = 0.003;
    o.momentum = 0.9;
    o.beta1 = 0.9;
    o.beta2 = 0.999;
    o.epsilon = 1e-8;
    o.weight_decay = 0.0;
    o.seed = 0;
    return o;
}

static nn_status check_options(const nn_train_options *o)
{
    const char *f = "nn_net_fit";
    if (o->epochs == 0)
        return nn__fail(NN_EINVAL, "%s: epochs is 0", f);
    if (o->batch_size == 0 || o->batch_size > INT32_MAX)
        return nn__fail(NN_EINVAL, "%s: batch_size %zu is not in [1, %ld]", f, o->batch_size,
                        (long)INT32_MAX);
    if ((unsigned)o->optimizer > (unsigned)NN_ADAM)
        return nn__fail(NN_EINVAL, "%s: unknown optimizer %d", f, (int)o->optimizer);
    if (!(o->learning_rate > 0.0) || !isfinite(o->learning_rate))
        return nn__fail(NN_EINVAL, "%s: learning_rate %g must be positive and finite", f,
                        o->learning_rate);
    if (!(o->weight_decay >= 0.0) || !isfinite(o->weight_decay))
        return nn__fail(NN_EINVAL, "%s: weight_decay %g must be >= 0 and finite", f,
                        o->weight_decay);
    if (o->optimizer == NN_MOMENTUM && !(o->momentum >= 0.0 && o->momentum < 1.0))
        return nn__fail(NN_EINVAL, "%s: momentum %g is not in [0, 1)", f, o->momentum);
    if (o->optimizer == NN_ADAM) {
        if (!(o->beta1 >= 0.0 && o->beta1 < 1.0) || !(o->beta2 >= 0.0 && o->beta2 < 1.0))
            return nn__fail(NN_EINVAL, "%s: beta1 %g and beta2 %g must be in [0, 1)", f,
                            o->beta1, o->beta2);
        if (!(o->epsilon > 0.0) || !isfinite(o->epsilon))
            return nn__fail(NN_EINVAL, "%s: epsilon %g must be positive and finite", f,
                            o->epsilon);
    }
    if (o->patience > 0 && !o->validation)
        return nn__fail(NN_EINVAL, "%s: patience %zu needs a validation set", f, o->patience);
    return NN_OK;
}

/* ---- optimizers ---------------------------------------------------------- */

/* Buffers owned by one fit call. */
typedef struct fit_state {
    double *x;        /* shuffled copy of the training rows, n x d */
    int32_t *y;       /* their labels */
    size_t *perm;     /* n */
    double *m, *v;    /* optimizer state: velocity (momentum) or moments (Adam) */
    double *epoch_start; /* parameters at the start of the epoch (NaN recovery) */
    double *best;     /* parameters of the best validation loss */
    unsigned long long t; /* optimizer steps taken */
    double beta1_t, beta2_t; /* beta1^t, beta2^t for Adam's bias correction */
} fit_state;

static void fit_end(fit_state *st)
{
    free(st->x);
    free(st->y);
    free(st->perm);
    nn__free(st->m);
    nn__free(st->v);
    nn__free(st->epoch_start);
    nn__free(st->best);
}

static nn_status fit_begin(fit_state *st, nn_net *net, const nn_dataset *train,
                           const nn_train_options *o)
{
    size_t n = train->x.rows, d = train->x.cols, P = net->n_params;
    memset(st, 0, sizeof *st);
    st->x = malloc(n * d * sizeof *st->x);
    st->y = malloc(n * sizeof *st->y);
    st->perm = malloc(n * sizeof *st->perm);
    st->epoch_start = nn__alloc_doubles(P);
    int ok = st->x && st->y && st->perm && st->epoch_start;
    if (o->optimizer != NN_SGD) {
        st->m = nn__alloc_doubles(P);
        ok = ok && st->m;
    }
    if (o->optimizer == NN_ADAM) {
        st->v = nn__alloc_doubles(P);
        ok = ok && st->v;
    }
    if (o->validation) {
        st->best = nn__alloc_doubles(P);
        ok = ok && st->best;
    }
    size_t batch = o->batch_size < n ? o->batch_size : n;
    if (!ok || nn__net_reserve(net, batch) != NN_OK) {
        fit_end(st);
        return nn__fail(NN_ENOMEM, "nn_net_fit: cannot allocate training buffers");
    }
    st->beta1_t = st->beta2_t = 1.0;
    return NN_OK;
}

/* One update of every parameter from the gradient block. Weight decay (L2)
 * adds wd * W to the gradient of each weight matrix, never to a bias. */
static void optimizer_step(nn_net *net, fit_state *st, const nn_train_options *o)
{
    const double lr = o->learning_rate, wd = o->weight_decay;
    st->t++;
    if (o->optimizer == NN_ADAM) {
        st->beta1_t *= o->beta1;
        st->beta2_t *= o->beta2;
    }
    /* Adam with bias correction folded into the step size:
     *   m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g²,
     *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps). */
    const double b1 = o->beta1, b2 = o->beta2, eps = o->epsilon;
    const double c1 = 1.0 / (1.0 - st->beta1_t), c2 = 1.0 / (1.0 - st->beta2_t);
    const double mu = o->momentum;
    for (size_t l = 0; l < net->n_layers; l++) {
        for (int part = 0; part < 2; part++) {
            nn_mat pm = part ? net->b[l] : net->W[l];
            nn_mat gm = part ? net->db[l] : net->dW[l];
            size_t off = (size_t)(pm.data - net->params);
            size_t len = pm.rows * pm.cols;
            double *restrict p = pm.data;
            const double *restrict g = gm.data;
            double decay = part ? 0.0 : wd;
            switch (o->optimizer) {
            case NN_SGD:
                for (size_t i = 0; i < len; i++)
                    p[i] -= lr * (g[i] + decay * p[i]);
                break;
            case NN_MOMENTUM: {
                double *restrict v = st->m + off;
                for (size_t i = 0; i < len; i++) {
                    v[i] = mu * v[i] - lr * (g[i] + decay * p[i]);
                    p[i] += v[i];
                }
                break;
            }
            case NN_ADAM: {
                double *restrict m = st->m + off, *restrict v = st->v + off;
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
    }
}

/* ---- the epoch loop ------------------------------------------------------ */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Copy the training rows into the order of a fresh permutation, so that each
 * minibatch is a run of consecutive rows (a view, no gather per step). */
static void shuffle_rows(fit_state *st, nn__rng *r, const nn_dataset *train)
{
    size_t n = train->x.rows, d = train->x.cols;
    nn__rng_permutation(r, st->perm, n);
    /* A plain loop: rows are often a handful of doubles, where a memcpy
     * call per row would cost more than the copy. */
    const double *x = train->x.data;
    const size_t ld = train->x.ld;
    for (size_t i = 0; i < n; i++) {
        const double *restrict src = x + st->perm[i] * ld;
        double *restrict dst = st->x + i * d;
        for (size_t k = 0; k < d; k++)
            dst[k] = src[k];
        st->y[i] = train->y[st->perm[i]];
    }
}

nn_status nn_net_fit(nn_net *net, const nn_dataset *train, const nn_train_options *opt)
{
    if (!net || !train || !opt)
        return nn__fail(NN_EINVAL, "nn_net_fit: %s is NULL",
                        !net ? "net" : !train ? "train" : "opt");
    nn_status s = check_options(opt);
    if (s != NN_OK)
        return s;
    if ((s = nn__net_check_batch(net, train->x, train->y, "nn_net_fit", "train")) != NN_OK)
        return s;
    const nn_dataset *val = opt->validation;
    if (val && (s = nn__net_check_batch(net, val->x, val->y, "nn_net_fit", "validation")) !=
                   NN_OK)
        return s;

    fit_state st;
    if ((s = fit_begin(&st, net, train, opt)) != NN_OK)
        return s;
    const size_t n = train->x.rows, d = train->x.cols, P = net->n_params;
    const size_t batch = opt->batch_size < n ? opt->batch_size : n;
    nn__rng rng;
    nn__rng_seed(&rng, opt->seed);
    double best_val = INFINITY;
    size_t since_best = 0;
    int have_best = 0;

    for (size_t epoch = 1; epoch <= opt->epochs; epoch++) {
        double t0 = now_seconds();
        memcpy(st.epoch_start, net->params, P * sizeof(double));
        shuffle_rows(&st, &rng, train);
        double loss_sum = 0.0;
        for (size_t i = 0; i < n; i += batch) {
            size_t rows = n - i < batch ? n - i : batch;
            double loss = nn__net_step_grads(net, st.x + i * d, d, rows, st.y + i);
            if (!isfinite(loss)) {
                memcpy(net->params, st.epoch_start, P * sizeof(double));
                fit_end(&st);
                return nn__fail(NN_ENUMERIC,
                                "nn_net_fit: the loss became %s in epoch %zu (step at row %zu);"
                                " weights restored to the end of epoch %zu",
                                isnan(loss) ? "NaN" : "infinite", epoch, i, epoch - 1);
            }
            loss_sum += loss;
            optimizer_step(net, &st, opt);
        }
        /* The last update of an epoch can overflow the weights without any
         * loss having seen it; catch that here, before it is snapshotted. */
        for (size_t j = 0; j < P; j++)
            if (!isfinite(net->params[j])) {
                memcpy(net->params, st.epoch_start, P * sizeof(double));
                fit_end(&st);
                return nn__fail(NN_ENUMERIC,
                                "nn_net_fit: a weight became non-finite in epoch %zu; weights"
                                " restored to the end of epoch %zu",
                                epoch, epoch - 1);
            }
        nn_epoch_stats es = {epoch, loss_sum / (double)n, NAN, NAN, now_seconds() - t0};
        int stop = 0;
        if (val) {
            nn__net_score(net, val, &es.val_accuracy, &es.val_loss);
            if (es.val_loss < best_val) {
                best_val = es.val_loss;
                since_best = 0;
                have_best = 1;
                memcpy(st.best, net->params, P * sizeof(double));
            } else if (opt->patience > 0 && ++since_best >= opt->patience) {
                stop = 1;
            }
        }
        if (opt->on_epoch && opt->on_epoch(&es, opt->user) != 0)
            stop = 1;
        if (stop)
            break;
    }
    if (opt->patience > 0 && have_best)
        memcpy(net->params, st.best, P * sizeof(double));
    fit_end(&st);
    return NN_OK;
}
