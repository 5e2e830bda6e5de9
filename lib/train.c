/* Minibatch training: nn_net_fit and nn_net_fit_distributed, two thin
 * drivers around one loop (fit_run).
 *
 * Everything a step needs is allocated in fit_begin, before the first step:
 * the net's workspace for a full batch, a shuffled copy of the training
 * rows (so every minibatch is a view of consecutive rows) standardized by
 * the net's scalers, optimizer state and two parameter snapshots; there
 * too the net plans which GEMM path each product of a step takes, and,
 * when NN_THREADS asks for it, starts a worker pool (pool.c) over which the
 * optimizer splits its passes over long runs. A step allocates nothing.
 * fit_end releases it all, on the loop's one exit.
 *
 * The loop talks to the other participants through a fit_comm: the
 * reductions of nn_fit_hooks, and whether the data is one shard of
 * several. nn_net_fit is a communicator of one, whose reductions leave
 * their buffer as it is. The step is the one seam where the two differ:
 *   local    (one process) lib/net/step.c's forward, loss gradient and a
 *            backward pass that updates each layer as soon as its gradient
 *            is complete (for SGD and momentum inside the weight GEMM);
 *   reduced  (shards) gradient -> reduce -> update: the forward and backward
 *            passes fill the flat gradient block, one allreduce sums it with
 *            the row count and loss over every participant, then one pass
 *            of the optimizer (optim.c) updates the flat parameter block.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env.h"
#include "net/net_internal.h"
#include "overlap.h"
#include "rng.h"

nn_train_options nn_train_defaults(void)
{
    return (nn_train_options){
        .epochs = 40,
        .batch_size = 32,
        .optimizer = NN_ADAM,
        .learning_rate = 0.003,
        .momentum = 0.9,
        .beta1 = 0.9,
        .beta2 = 0.999,
        .epsilon = 1e-8,
        .weight_decay = 0.0,
        .seed = 0,
    };
}

static nn_status check_options(const nn_train_options *o, const char *f)
{
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
    if (!(o->validation_fraction >= 0.0 && o->validation_fraction < 1.0))
        return nn__fail(NN_EINVAL, "%s: validation_fraction %g is not in [0, 1)", f,
                        o->validation_fraction);
    if (o->patience > 0 && !o->validation && o->validation_fraction == 0.0)
        return nn__fail(NN_EINVAL,
                        "%s: patience %zu needs a validation set (validation or "
                        "validation_fraction)", f, o->patience);
    return NN_OK;
}

/* ---- the participants ------------------------------------------------------ */

typedef struct fit_state fit_state;
typedef struct fit_comm fit_comm;

/* One step over rows rows starting at row i of the shuffled copy: returns
 * the step's summed loss through *loss and its row count (over every
 * participant) through *rows_out. */
typedef nn_status (*fit_step_fn)(nn_net *net, fit_state *st, const nn_train_options *o,
                                 const fit_comm *c, size_t i, size_t rows, double *loss,
                                 size_t *rows_out);

/* The loop's seam to the other participants of a fit. */
struct fit_comm {
    const char *func;  /* the public function called: every message names it */
    nn_fit_hooks h;    /* the reductions; one process: the identity, rank 0 */
    int sharded;       /* the data is one shard of several (see fit_run) */
    fit_step_fn step;  /* step_local or step_reduced */
};

/* Sum buf over every participant (for one process: nothing to do). */
static nn_status reduce_sum(const fit_comm *c, double *buf, size_t n)
{
    if (c->h.allreduce_sum(buf, n, c->h.ctx) != 0)
        return nn__fail(NN_EIO, "%s: an allreduce failed", c->func);
    return NN_OK;
}

/* Sum n elements of the net's type at buf (parameters or gradients): in
 * float for an F32 net, half the bytes of double. */
static int reduce_block(const fit_comm *c, const nn_net *net, void *buf, size_t n)
{
    if (net->spec.dtype == NN_F32)
        return c->h.allreduce_sum_f32(buf, n, c->h.ctx);
    return c->h.allreduce_sum(buf, n, c->h.ctx);
}

static nn_status reduce_max(const fit_comm *c, double *buf, size_t n)
{
    if (c->h.allreduce_max(buf, n, c->h.ctx) != 0)
        return nn__fail(NN_EIO, "%s: an allreduce failed", c->func);
    return NN_OK;
}

/* The reduction over a communicator of one. */
static int reduce_one(double *buf, size_t n, void *ctx)
{
    (void)buf;
    (void)n;
    (void)ctx;
    return 0;
}

static int reduce_one_f32(float *buf, size_t n, void *ctx)
{
    (void)buf;
    (void)n;
    (void)ctx;
    return 0;
}

/* ---- the state of one fit ---------------------------------------------------- */

/* Buffers owned by one fit call; all NULL (zero) until fit_begin. */
struct fit_state {
    nn_dataset split_train, split_val; /* validation_fraction: the two parts */
    const nn_dataset *train, *val;  /* what is trained and validated on */
    double *src;      /* train's rows standardized by the net's scaler, or NULL */
    double *x;        /* shuffled copy of the (standardized) training rows, n x d */
    int32_t *y;       /* their labels (CLASSIFY) */
    double *t;        /* or their targets, n x C, standardized for REGRESS */
    size_t *perm;     /* n */
    void *m, *v;      /* optimizer state: velocity (momentum) or moments (Adam) */
    void *epoch_start; /* parameters at the start of the epoch (NaN recovery) */
    void *best;       /* parameters of the best validation loss */
    /* (these four have the parameter block's layout and element type) */
    nn__optim opt;    /* the optimizer, over m and v */
    nn__pool *pool;   /* workers for the optimizer's passes, or NULL */
};

static void fit_end(fit_state *st)
{
    nn_dataset_free(&st->split_train);
    nn_dataset_free(&st->split_val);
    free(st->src);
    free(st->x);
    free(st->y);
    free(st->t);
    free(st->perm);
    nn__free(st->m);
    nn__free(st->v);
    nn__free(st->epoch_start);
    nn__free(st->best);
    nn__pool_free(st->pool);
}

/* Hold out validation_fraction of train (stratified by class when it has
 * labels) with the shuffling seed, so the validation set never touches
 * whatever the caller keeps as a test set. */
static nn_status carve_validation(fit_state *st, const nn_dataset *train,
                                  const nn_train_options *o, const char *func)
{
    st->train = train;
    st->val = o->validation;
    if (o->validation || o->validation_fraction == 0.0 || train->x.rows == 0)
        return NN_OK;
    nn_status s = train->y ? nn_train_test_split_stratified(train, o->validation_fraction,
                                                            o->seed ^ 0x5eedu, &st->split_train,
                                                            &st->split_val)
                           : nn_train_test_split(train, o->validation_fraction, o->seed ^ 0x5eedu,
                                                 &st->split_train, &st->split_val);
    if (s != NN_OK) {
        /* The split's reason, without the name of the function that gave it
         * (copied: nn__fail rewrites the buffer nn_last_error points to). */
        char why[256];
        const char *e = nn_last_error(), *colon = strstr(e, ": ");
        snprintf(why, sizeof why, "%s", colon ? colon + 2 : e);
        return nn__fail(s, "%s: cannot hold out validation_fraction %g of %zu rows: %s", func,
                        o->validation_fraction, train->x.rows, why);
    }
    st->train = &st->split_train;
    st->val = &st->split_val;
    return NN_OK;
}

/* A worker pool for the fit's optimizer passes (pool.c) when it can help:
 * more than one thread to use and a weight matrix of NN__POOL_MIN_LEN
 * parameters or more (shorter runs are never split). Without one, or if
 * it cannot be started, the passes run on the caller as before. */
static nn__pool *fit_pool(const nn_net *net, size_t threads)
{
    size_t largest = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        size_t len = net->units[l] * net->units[l + 1];
        largest = len > largest ? len : largest;
    }
    if (threads < 2 || largest < NN__POOL_MIN_LEN)
        return NULL;
    return nn__pool_create(threads - 1);
}

static nn_status fit_begin(fit_state *st, nn_net *net, const nn_dataset *train,
                           const nn_train_options *o, const char *func)
{
    nn__env env; /* NN_THREADS, read at each fit */
    NN_TRY(nn__env_read(&env, NN__ENV_THREADS));
    NN_TRY(carve_validation(st, train, o, func));
    train = st->train;
    size_t n = train->x.rows, d = train->x.cols;
    size_t C = net->units[net->n_layers];
    int ok = 1;
    if (n > 0) {
        ok = (st->x = malloc(n * d * sizeof *st->x)) && (st->perm = malloc(n * sizeof *st->perm));
        if (ok && train->y)
            ok = (st->y = malloc(n * sizeof *st->y)) != NULL;
        if (ok && train->t.data)
            ok = (st->t = malloc(n * C * sizeof *st->t)) != NULL;
        if (ok && net->scaler.mean && (ok = (st->src = malloc(n * d * sizeof *st->src)) != NULL))
            nn__scale_rows(&net->scaler, train->x.data, train->x.ld, n, st->src, d);
    }
    /* Blocks of the parameters' bytes, zeroed (as doubles, rounded up). */
    const size_t P_dbl = nn__net_param_bytes(net) / sizeof(double) + 1;
    ok = ok && (st->epoch_start = nn__alloc_doubles(P_dbl));
    if (ok && o->optimizer != NN_SGD)
        ok = (st->m = nn__alloc_doubles(P_dbl)) != NULL;
    if (ok && o->optimizer == NN_ADAM)
        ok = (st->v = nn__alloc_doubles(P_dbl)) != NULL;
    if (ok && (st->val || o->validation || o->validation_fraction > 0.0))
        ok = (st->best = nn__alloc_doubles(P_dbl)) != NULL;
    size_t batch = o->batch_size < n ? o->batch_size : n;
    if (!ok || nn__net_reserve(net, batch ? batch : 1) != NN_OK ||
        (st->val && nn__net_reserve(net, nn__net_chunk_rows(st->val->x.rows)) != NN_OK))
        return nn__fail(NN_ENOMEM, "%s: cannot allocate training buffers", func);
    /* The GEMM path of each product of a step, for the full batch and the
     * last, partial one: timed here (auto), before the first step, so that
     * steps stay free of allocation and of timing. */
    size_t plan_rows[2] = {batch, batch ? n % batch : 0};
    nn__net_plan_gemms(net, plan_rows, 2);
    st->pool = fit_pool(net, env.threads);
    st->opt = (nn__optim){.kind = o->optimizer,
                          .lr = o->learning_rate,
                          .mu = o->momentum,
                          .b1 = o->beta1,
                          .b2 = o->beta2,
                          .eps = o->epsilon,
                          .m = st->m,
                          .v = st->v,
                          .beta1_t = 1.0,
                          .beta2_t = 1.0,
                          .c1 = 0.0,
                          .c2 = 0.0,
                          .pool = st->pool};
    return NN_OK;
}

/* ---- the step ----------------------------------------------------------------- */

/* The targets of rows [i, i + rows) of the shuffled copy. */
static nn__targets step_targets(const nn_net *net, const fit_state *st, size_t i)
{
    const size_t C = net->units[net->n_layers];
    return (nn__targets){.y = st->y ? st->y + i : NULL, .t = st->t ? st->t + i * C : NULL,
                         .ldt = C};
}

/* One process: each layer is updated as soon as its gradient is complete
 * (lib/net/step.c), on the mean's gradient (scaled inside the fused output
 * kernel). rows > 0 here: steps cover only real rows. */
static nn_status step_local(nn_net *net, fit_state *st, const nn_train_options *o,
                            const fit_comm *c, size_t i, size_t rows, double *loss,
                            size_t *rows_out)
{
    (void)c;
    const size_t d = net->units[0];
    *rows_out = rows;
    *loss = nn__net_step_update(net, st->x + i * d, d, rows, step_targets(net, st, i),
                                nn__net_mean_scale(net, rows), &st->opt, o->weight_decay);
    return NN_OK;
}

/* Shards: gradient -> reduce -> update, on the sum's gradient. One
 * allreduce over [gradients, rows, loss] (the P+2 doubles of the gradient
 * block) gives every participant the sums over the whole step, which are
 * then scaled to the mean over all its rows; a participant whose shard is
 * used up contributes rows = 0 and zero gradients. NN_EIO if the reduction
 * fails. */
static nn_status step_reduced(nn_net *net, fit_state *st, const nn_train_options *o,
                              const fit_comm *c, size_t i, size_t rows, double *loss,
                              size_t *rows_out)
{
    const size_t d = net->units[0], P = net->n_params;
    const int f32 = net->spec.dtype == NN_F32;
    if (c->h.reduce_start && nn__overlap_pays(net)) {
        /* Each layer's reduction starts as the backward pass produces it. */
        if (nn__overlap_step(net, &c->h, st->x + i * d, d, rows, step_targets(net, st, i),
                             loss) != 0)
            return nn__fail(NN_EIO, "%s: the gradient allreduce failed", c->func);
    } else {
        *loss = 0.0;
        if (rows > 0)
            *loss = nn__net_step_grads(net, st->x + i * d, d, rows, step_targets(net, st, i),
                                       1.0);
        else
            memset(nn__net_grads(net), 0, nn__net_param_bytes(net));
        /* The two spare elements after the gradients carry the rows and the
         * loss (in float for an F32 net: exact for rows below 2^24 a step). */
        if (f32) {
            net->grads_f32[P] = (float)rows;
            net->grads_f32[P + 1] = (float)*loss;
        } else {
            net->grads[P] = (double)rows;
            net->grads[P + 1] = *loss;
        }
        if (reduce_block(c, net, nn__net_grads(net), P + 2) != 0)
            return nn__fail(NN_EIO, "%s: the gradient allreduce failed", c->func);
    }
    *rows_out = f32 ? (size_t)net->grads_f32[P] : (size_t)net->grads[P];
    *loss = f32 ? (double)net->grads_f32[P + 1] : net->grads[P + 1];
    if (*rows_out == 0)
        return NN_OK;
    if (isfinite(*loss))
        nn__net_update_all(net, &st->opt, o->weight_decay, nn__net_mean_scale(net, *rows_out));
    return NN_OK;
}

/* ---- the epoch loop ------------------------------------------------------ */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Copy the training rows into the order of a fresh permutation, so that each
 * minibatch is a run of consecutive rows (a view, no gather per step).
 * Rows come standardized (from st->src) when the net has a scaler, and
 * REGRESS targets through the target scaler. */
static void shuffle_rows(fit_state *st, nn__rng *r, const nn_net *net)
{
    const nn_dataset *train = st->train;
    size_t n = train->x.rows, d = train->x.cols, C = net->units[net->n_layers];
    nn__rng_permutation(r, st->perm, n);
    /* A plain loop: rows are often a handful of doubles, where a memcpy
     * call per row would cost more than the copy. */
    const double *x = st->src ? st->src : train->x.data;
    const size_t ld = st->src ? d : train->x.ld;
    for (size_t i = 0; i < n; i++) {
        const double *restrict src = x + st->perm[i] * ld;
        double *restrict dst = st->x + i * d;
        for (size_t k = 0; k < d; k++)
            dst[k] = src[k];
    }
    if (st->y)
        for (size_t i = 0; i < n; i++)
            st->y[i] = train->y[st->perm[i]];
    if (st->t) {
        const nn_scaler *ts = net->target_scaler.mean ? &net->target_scaler : NULL;
        for (size_t i = 0; i < n; i++) {
            const double *src = train->t.data + st->perm[i] * train->t.ld;
            if (ts)
                nn__scale_rows(ts, src, train->t.ld, 1, st->t + i * C, C);
            else
                memcpy(st->t + i * C, src, C * sizeof(double));
        }
    }
}

/* Shards agree on whether to start, before anything changes, with one
 * max over [status, rows, has validation, -has validation]: if any failed,
 * all fail with the largest status (the failing participant's own when only
 * one failed: NN_ENUMERIC for a NaN in its shard, NN_EINVAL for a bad one);
 * all fail with NN_EINVAL when every shard is empty or when some but not all
 * have a validation set (they would disagree on the reductions to come).
 * s is this participant's status so far; st is live only when s is NN_OK. */
static nn_status agree_to_start(const fit_comm *c, nn_status s, const fit_state *st,
                                const nn_train_options *opt)
{
    const char *func = c->func;
    double has_val = opt && (opt->validation || opt->validation_fraction > 0.0);
    double a[4] = {(double)s, s == NN_OK ? (double)st->train->x.rows : 0.0, has_val, -has_val};
    nn_status r = NN_OK;
    if (c->h.allreduce_max(a, 4, c->h.ctx) != 0)
        r = nn__fail(NN_EIO, "%s: the start-up allreduce failed", func);
    else if (a[0] > (double)s)
        r = nn__fail((nn_status)a[0], "%s: another participant could not start: %s", func,
                     nn_status_str((nn_status)a[0]));
    else if (s == NN_OK && a[1] == 0.0)
        r = nn__fail(NN_EINVAL, "%s: every shard is empty", func);
    else if (s == NN_OK && a[2] != -a[3])
        r = nn__fail(NN_EINVAL, "%s: some participants have a validation set and some do not",
                     func);
    return s != NN_OK && r == NN_OK ? s : r;
}

/* The checks and set-up of a fit: NN_OK with st ready to train. A shard may
 * be empty (of the net's width); shards then agree on whether to start, so
 * that, with hooks, even a NULL argument goes through the agreement and
 * the other participants are not left waiting. */
static nn_status fit_start(nn_net *net, const nn_dataset *train, const nn_train_options *opt,
                           const fit_comm *c, fit_state *st)
{
    const char *func = c->func;
    nn_status s = NN_OK;
    if (!net || !train || !opt)
        s = nn__fail(NN_EINVAL, "%s: %s is NULL", func, !net ? "net" : !train ? "train" : "opt");
    if (s == NN_OK)
        s = check_options(opt, func);
    if (s == NN_OK && !(c->sharded && train->x.rows == 0 && train->x.cols == net->units[0]))
        s = nn__net_check_data(net, train, func, "train");
    if (s == NN_OK && opt->validation)
        s = nn__net_check_data(net, opt->validation, func, "validation");
    if (s == NN_OK)
        s = fit_begin(st, net, train, opt, func);
    return c->sharded ? agree_to_start(c, s, st, opt) : s;
}

/* The epochs of a fit that has started; st is released by the caller. */
/* Finite weights can still overflow the forward pass: a huge learning rate
 * leaves weights near 1e300, whose products are infinite. Score the first
 * rows of the training data (as many as the workspace holds) with the
 * trained weights; a loss that is not finite on any participant fails the
 * fit on all of them, with the weights of the start of the last epoch. */
static nn_status check_outputs(nn_net *net, const fit_comm *c, fit_state *st)
{
    const nn_dataset *d = st->train;
    size_t k = d->x.rows < net->ws.cap ? d->x.rows : net->ws.cap;
    double bad = 0.0;
    if (k > 0) {
        nn_dataset head = *d;
        head.x = nn_mat_rows(d->x, 0, k);
        if (d->t.data)
            head.t = nn_mat_rows(d->t, 0, k);
        double score, loss;
        nn__net_score(net, &net->ws, &head, &score, &loss);
        bad = isfinite(loss) ? 0.0 : 1.0;
    }
    NN_TRY(reduce_max(c, &bad, 1));
    if (bad == 0.0)
        return NN_OK;
    memcpy(nn__net_params(net), st->epoch_start, nn__net_param_bytes(net));
    return nn__fail(NN_ENUMERIC, "%s: the trained net's outputs are not finite (its weights "
                    "overflow the forward pass; is the learning rate too large?); weights "
                    "restored to the start of the last epoch", c->func);
}

static nn_status fit_epochs(nn_net *net, const nn_train_options *opt, const fit_comm *c,
                            fit_state *st)
{
    const char *func = c->func;
    const nn_dataset *val = st->val;
    /* Every shard joins the validation reduction, also one that was too
     * small to hold anything out. */
    const int validate =
        val || (c->sharded && (opt->validation || opt->validation_fraction > 0.0));
    const size_t n = st->train->x.rows, P = net->n_params;
    const size_t batch = opt->batch_size;
    /* Rank 0's parameters everywhere: every other rank contributes 0. */
    if (c->h.rank != 0)
        memset(nn__net_params(net), 0, nn__net_param_bytes(net));
    if (reduce_block(c, net, nn__net_params(net), P) != 0)
        return nn__fail(NN_EIO, "%s: an allreduce failed", c->func);
    /* Steps per epoch from the largest shard (max); rows of all (sum). */
    double cnt[2] = {(double)((n + batch - 1) / batch), (double)n};
    NN_TRY(reduce_max(c, cnt, 1));
    NN_TRY(reduce_sum(c, cnt + 1, 1));
    const size_t steps = (size_t)cnt[0];
    const double n_all = cnt[1];
    /* Each shard shuffles with a stream of its own. */
    nn__rng rng;
    nn__rng_seed(&rng, opt->seed ^ (c->sharded ? 0x9e3779b97f4a7c15u * ((uint64_t)c->h.rank + 1u)
                                               : 0u));
    double best_val = INFINITY;
    size_t since_best = 0;
    int have_best = 0;

    for (size_t epoch = 1; epoch <= opt->epochs; epoch++) {
        double t0 = now_seconds();
        memcpy(st->epoch_start, nn__net_params(net), nn__net_param_bytes(net));
        if (n > 0)
            shuffle_rows(st, &rng, net);
        double loss_sum = 0.0;
        for (size_t step = 0; step < steps; step++) {
            size_t i = step * batch < n ? step * batch : n;
            size_t rows = n - i < batch ? n - i : batch, total;
            double loss;
            NN_TRY(c->step(net, st, opt, c, i, rows, &loss, &total));
            if (!isfinite(loss)) {
                memcpy(nn__net_params(net), st->epoch_start, nn__net_param_bytes(net));
                return nn__fail(NN_ENUMERIC,
                                "%s: the loss became %s in epoch %zu (step %zu of %zu);"
                                " weights restored to the end of epoch %zu",
                                func, isnan(loss) ? "NaN" : "infinite", epoch, step + 1, steps,
                                epoch - 1);
            }
            loss_sum += loss;
        }
        /* The last update of an epoch can overflow the weights without any
         * loss having seen it; catch that here, before it is snapshotted. */
        if (!nn__net_params_finite(net)) {
            memcpy(nn__net_params(net), st->epoch_start, nn__net_param_bytes(net));
            return nn__fail(NN_ENUMERIC,
                            "%s: a weight became non-finite in epoch %zu; weights"
                            " restored to the end of epoch %zu",
                            func, epoch, epoch - 1);
        }
        nn_epoch_stats es = {.epoch = epoch,
                             .train_loss = loss_sum * nn__net_mean_scale(net, 1) / n_all,
                             .val_loss = NAN,
                             .val_accuracy = NAN,
                             .seconds = now_seconds() - t0};
        int stop = 0;
        if (validate) {
            /* Participants weigh their validation scores by their rows. */
            double v[3] = {0.0, 0.0, val ? (double)val->x.rows : 0.0};
            if (v[2] > 0.0) {
                nn__net_score(net, &net->ws, val, &v[1], &v[0]);
                v[0] *= v[2];
                v[1] *= v[2];
            }
            NN_TRY(reduce_sum(c, v, 3));
            es.val_loss = v[0] / v[2];
            es.val_accuracy = v[1] / v[2];
            if (es.val_loss < best_val) {
                best_val = es.val_loss;
                since_best = 0;
                have_best = st->best != NULL;
                if (st->best)
                    memcpy(st->best, nn__net_params(net), nn__net_param_bytes(net));
            } else if (opt->patience > 0 && ++since_best >= opt->patience) {
                stop = 1;
            }
        }
        if (opt->on_epoch && opt->on_epoch(&es, opt->user) != 0)
            stop = 1;
        /* Stop when any participant stops. */
        double any = stop;
        NN_TRY(reduce_sum(c, &any, 1));
        if (any > 0.0)
            break;
    }
    if (opt->patience > 0 && have_best)
        memcpy(nn__net_params(net), st->best, nn__net_param_bytes(net));
    return check_outputs(net, c, st);
}

/* The one training loop. What the data being one shard of several
 * (c->sharded) changes: a shard may be empty; shards agree before starting;
 * the step is step_reduced; each shard shuffles with its own stream; every
 * shard joins the validation reduction. The reductions themselves are the
 * identity for one process. */
static nn_status fit_run(nn_net *net, const nn_dataset *train, const nn_train_options *opt,
                         const fit_comm *c)
{
    fit_state st;
    memset(&st, 0, sizeof st);
    nn_status s = fit_start(net, train, opt, c, &st);
    if (s == NN_OK)
        s = fit_epochs(net, opt, c, &st);
    fit_end(&st);
    return s;
}

nn_status nn_net_fit(nn_net *net, const nn_dataset *train, const nn_train_options *opt)
{
    const fit_comm one = {.func = "nn_net_fit",
                          .h = {.allreduce_sum = reduce_one,
                                .allreduce_max = reduce_one,
                                .allreduce_sum_f32 = reduce_one_f32,
                                .ctx = NULL,
                                .rank = 0},
                          .sharded = 0,
                          .step = step_local};
    return fit_run(net, train, opt, &one);
}

nn_status nn_net_fit_distributed(nn_net *net, const nn_dataset *shard,
                                 const nn_train_options *opt, const nn_fit_hooks *hooks)
{
    if (!hooks || !hooks->allreduce_sum || !hooks->allreduce_max)
        return nn__fail(NN_EINVAL, "nn_net_fit_distributed: %s", !hooks ? "hooks is NULL"
                        : "hooks need allreduce_sum and allreduce_max");
    if (!hooks->reduce_start != !hooks->reduce_finish)
        return nn__fail(NN_EINVAL, "nn_net_fit_distributed: hooks need both reduce_start and "
                        "reduce_finish, or neither");
    if (net && net->spec.dtype == NN_F32 && !hooks->allreduce_sum_f32)
        return nn__fail(NN_EINVAL, "nn_net_fit_distributed: an F32 net's hooks need "
                        "allreduce_sum_f32");
    const fit_comm shards = {
        .func = "nn_net_fit_distributed", .h = *hooks, .sharded = 1, .step = step_reduced};
    return fit_run(net, shard, opt, &shards);
}
