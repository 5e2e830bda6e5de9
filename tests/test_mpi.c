/* nn_net_fit_mpi on 2 ranks (mpirun -np 2): one global step equals one
 * single-process step on the concatenated batch; a full fit ends with the
 * same parameters on every rank and the accuracy of a single-process fit;
 * unequal and empty shards, NaN and bad shards on one rank give the same
 * status on every rank, never a hang (ctest runs it under a timeout).
 *
 * Each test runs all its collectives before its first assertion, so that a
 * failed assertion on one rank does not leave the other waiting in a
 * collective of the same test. Links only the installed API (nn::mpi). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NN_EXPERIMENTAL
#include "nn.h"
#include "nn/mpi.h"

static int g_rank, g_size;

#define assert_status(s, want)                            \
    do {                                                  \
        nn_status s_ = (s);                               \
        assert_int_equal(s_, (want));                     \
        if ((want) != NN_OK)                              \
            assert_true(nn_last_error()[0] != '\0');      \
    } while (0)

/* ---- helpers ------------------------------------------------------------- */

static nn_net *make_net(size_t in, size_t out, nn_task task, uint64_t seed)
{
    static const size_t hidden[2] = {16, 8};
    static const nn_activation acts[2] = {NN_ACT_TANH, NN_ACT_RELU};
    nn_net_config c = {.n_inputs = in, .n_classes = out, .n_hidden_layers = 2,
                       .hidden = hidden, .activations = acts, .seed = seed, .task = task};
    nn_net *net = NULL;
    assert_int_equal(nn_net_create(&net, &c), NN_OK);
    return net;
}

/* Every parameter of the net, in layer order, into a new buffer. */
static double *params_of(nn_net *net, size_t *n)
{
    *n = nn_net_n_params(net);
    double *p = malloc(*n * sizeof *p), *q = p;
    for (size_t l = 0; l < nn_net_n_layers(net); l++)
        for (int part = 0; part < 2; part++) {
            nn_mat m = part ? nn_net_bias(net, l) : nn_net_weights(net, l);
            for (size_t i = 0; i < m.rows; i++)
                for (size_t j = 0; j < m.cols; j++)
                    *q++ = m.data[i * m.ld + j];
        }
    return p;
}

/* 1 when this rank's parameters are bit for bit rank 0's (collective). */
static int same_as_rank0(nn_net *net)
{
    size_t n;
    double *mine = params_of(net, &n), *r0 = malloc(n * sizeof *r0);
    memcpy(r0, mine, n * sizeof *r0);
    MPI_Bcast(r0, (int)(n * sizeof *r0), MPI_BYTE, 0, MPI_COMM_WORLD);
    int same = memcmp(mine, r0, n * sizeof *r0) == 0, all;
    MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    free(mine);
    free(r0);
    return all;
}

/* Largest |a - b| / max(1, |a|) over the parameters of two nets. */
static double max_rel_diff(nn_net *a, nn_net *b)
{
    size_t n, m;
    double *pa = params_of(a, &n), *pb = params_of(b, &m), worst = 0.0;
    assert_int_equal(n, m);
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(pa[i] - pb[i]) / fmax(1.0, fabs(pa[i])));
    free(pa);
    free(pb);
    return worst;
}

/* An empty shard of width d. */
static nn_dataset empty_shard(size_t d)
{
    nn_dataset e;
    memset(&e, 0, sizeof e);
    e.x.cols = e.x.ld = d;
    e.n_classes = 2;
    return e;
}

/* Accuracy over the union of every rank's d (collective). */
static double global_accuracy(nn_net *net, const nn_dataset *d)
{
    double acc = 0.0, v[2] = {0.0, (double)d->x.rows};
    if (d->x.rows > 0) {
        assert_int_equal(nn_net_evaluate(net, d, &acc, NULL), NN_OK);
        v[0] = acc * (double)d->x.rows;
    }
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return v[0] / v[1];
}

static int last_epoch(const nn_epoch_stats *s, void *user)
{
    *(nn_epoch_stats *)user = *s;
    return 0;
}

/* ---- one global step ------------------------------------------------------ */

/* Shards A (rank 0) and B (rank 1) of 6 rows, batch 6, one epoch: exactly
 * one step, which must equal one step of nn_net_fit on A+B with batch 12
 * from the same start. Rank 1 starts from other parameters: rank 0's must
 * be broadcast. */
static void one_step(nn_task task, nn_optimizer optimizer)
{
    const size_t n = 12, out = task == NN_TASK_CLASSIFY ? 3 : 2;
    nn_dataset all;
    assert_int_equal(nn_make_moons(&all, n, 0.3, 5), NN_OK);
    if (task == NN_TASK_CLASSIFY) {
        all.n_classes = 3;
        for (size_t i = 0; i < n; i++)
            all.y[i] = (int32_t)(i % 3);
    } else {
        free(all.y);
        all.y = NULL;
        all.n_classes = out;
        assert_int_equal(nn_mat_alloc(&all.t, n, out), NN_OK);
        for (size_t i = 0; i < n; i++) {
            const double *x = all.x.data + i * all.x.ld;
            all.t.data[i * all.t.ld] = 3.0 * x[0] - x[1];
            all.t.data[i * all.t.ld + 1] = x[0] * x[1] + 0.5;
        }
    }
    nn_dataset shard;
    assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);

    nn_train_options o = nn_train_defaults();
    o.optimizer = optimizer;
    o.learning_rate = 0.05;
    o.epochs = 1;
    o.batch_size = 6;
    o.weight_decay = 1e-3;
    nn_epoch_stats dist, single;
    o.on_epoch = last_epoch;
    o.user = &dist;
    nn_net *net = make_net(2, out, task, 7 + 100 * (uint64_t)g_rank);
    nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    int same = same_as_rank0(net);

    o.batch_size = 12;
    o.user = &single;
    nn_net *ref = make_net(2, out, task, 7);
    assert_status(nn_net_fit(ref, &all, &o), NN_OK);
    assert_status(s, NN_OK);
    assert_true(same);
    assert_true(max_rel_diff(ref, net) <= 1e-12);
    assert_true(fabs(dist.train_loss - single.train_loss) <= 1e-12 * fabs(single.train_loss));
    nn_net_free(ref);
    nn_net_free(net);
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
}

static void one_step_classify_sgd(void **state)
{
    (void)state;
    one_step(NN_TASK_CLASSIFY, NN_SGD);
}

static void one_step_classify_adam(void **state)
{
    (void)state;
    one_step(NN_TASK_CLASSIFY, NN_ADAM);
}

static void one_step_regress_sgd(void **state)
{
    (void)state;
    one_step(NN_TASK_REGRESS, NN_SGD);
}

/* ---- single precision -------------------------------------------------------- */

/* An F32 net's parameters as doubles (its float views), in layer order. */
static double *params_f32_of(nn_net *net, size_t *n)
{
    *n = nn_net_n_params(net);
    double *p = malloc(*n * sizeof *p), *q = p;
    for (size_t l = 0; l < nn_net_n_layers(net); l++)
        for (int part = 0; part < 2; part++) {
            nn_matf m = part ? nn_net_bias_f32(net, l) : nn_net_weights_f32(net, l);
            for (size_t i = 0; i < m.rows * m.cols; i++)
                *q++ = (double)m.data[i];
        }
    return p;
}

static nn_net *make_f32(size_t in, size_t out, nn_task task, uint64_t seed)
{
    nn_net *f64 = make_net(in, out, task, seed), *net = NULL;
    assert_int_equal(nn_net_convert(&net, f64, NN_F32), NN_OK);
    nn_net_free(f64);
    return net;
}

/* F32 nets reduce float gradients: 2 ranks of 6 rows, one step, equal
 * the single-process F32 step on the 12 rows to float rounding (the sums
 * are in another order), with bit-equal parameters on both ranks. */
static void one_step_f32(void **state)
{
    (void)state;
    nn_dataset all, shard;
    assert_int_equal(nn_make_moons(&all, 12, 0.3, 5), NN_OK);
    assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);
    const nn_optimizer opts[] = {NN_SGD, NN_ADAM};
    for (int k = 0; k < 2; k++) {
        nn_train_options o = nn_train_defaults();
        o.optimizer = opts[k];
        o.learning_rate = 0.05;
        o.epochs = 1;
        o.batch_size = 6;
        nn_net *net = make_f32(2, 2, NN_TASK_CLASSIFY, 7 + 100 * (uint64_t)g_rank);
        nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
        size_t n, m;
        double *mine = params_f32_of(net, &n), *r0 = malloc(n * sizeof *r0);
        memcpy(r0, mine, n * sizeof *r0);
        MPI_Bcast(r0, (int)(n * sizeof *r0), MPI_BYTE, 0, MPI_COMM_WORLD);
        o.batch_size = 12;
        nn_net *ref = make_f32(2, 2, NN_TASK_CLASSIFY, 7);
        assert_status(nn_net_fit(ref, &all, &o), NN_OK);
        assert_status(s, NN_OK);
        assert_int_equal(nn_net_dtype(net), NN_F32);
        assert_memory_equal(mine, r0, n * sizeof *r0);
        double *want = params_f32_of(ref, &m), worst = 0.0;
        assert_int_equal(n, m);
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(mine[i] - want[i]) / fmax(1.0, fabs(want[i])));
        assert_true(worst <= 1e-5);
        free(mine);
        free(r0);
        free(want);
        nn_net_free(ref);
        nn_net_free(net);
    }
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
}

/* ---- the overlapped reduction ------------------------------------------------ */

/* Blocking hooks over MPI_COMM_WORLD, without the reduce_* hooks: the
 * reduction then runs once after the backward pass. */
static int blocking_sum(double *buf, size_t n, void *ctx)
{
    (void)ctx;
    return MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static int blocking_max(double *buf, size_t n, void *ctx)
{
    (void)ctx;
    return MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

static int blocking_sum_f32(float *buf, size_t n, void *ctx)
{
    (void)ctx;
    return MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/* The overlapped hooks, as libnn_mpi implements them (it uses them when
 * the ranks span several nodes): an MPI_Iallreduce per bucket. */
static MPI_Request g_req[64];
static int g_n_req;

static int start_sum(void *buf, size_t n, nn_dtype dtype, void *ctx)
{
    (void)ctx;
    if (g_n_req == 64)
        return 1;
    return MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, dtype == NN_F32 ? MPI_FLOAT : MPI_DOUBLE,
                          MPI_SUM, MPI_COMM_WORLD, &g_req[g_n_req++]);
}

static int progress_sums(void *ctx)
{
    (void)ctx;
    int done;
    return MPI_Testall(g_n_req, g_req, &done, MPI_STATUSES_IGNORE);
}

static int finish_sums(void *ctx)
{
    (void)ctx;
    int rc = MPI_Waitall(g_n_req, g_req, MPI_STATUSES_IGNORE);
    g_n_req = 0;
    return rc;
}

/* With the overlapped hooks, a step reduces each bucket of layers while
 * the backward pass goes on; with blocking hooks it reduces after it. For every optimizer and task (and an F32 net), 3 epochs on unequal
 * shards with a last partial batch: the parameters agree to 1e-12. The
 * net is wide enough (2-64-256-out) to make several buckets. */
static void overlap_equals_blocking(void **state)
{
    (void)state;
    const nn_task tasks[] = {NN_TASK_CLASSIFY, NN_TASK_MULTILABEL, NN_TASK_REGRESS};
    const nn_optimizer opts[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    nn_dataset all;
    assert_int_equal(nn_make_moons(&all, 203, 0.2, 9), NN_OK);
    nn_mat t;
    assert_int_equal(nn_one_hot(all.y, all.x.rows, 2, &t), NN_OK);
    for (int k = 0; k < 4; k++)
        for (int q = 0; q < 3; q++) {
            nn_task task = tasks[k % 3];
            nn_dataset d = all;
            if (task != NN_TASK_CLASSIFY) {
                d.y = NULL;
                d.t = t;
            }
            nn_dataset shard;
            assert_int_equal(nn_dataset_shard(&d, (size_t)g_rank, 2, &shard), NN_OK);
            static const size_t hidden[2] = {64, 256};
            nn_net_config c = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 2,
                               .hidden = hidden, .seed = 5, .task = task,
                               .dtype = k == 3 ? NN_F32 : NN_F64};
            nn_net *a = NULL, *b = NULL;
            assert_int_equal(nn_net_create(&a, &c), NN_OK);
            assert_int_equal(nn_net_create(&b, &c), NN_OK);
            /* One GEMM path for both (auto's timing may pick another). */
            assert_int_equal(nn_net_set_gemm_path(a, NN_GEMM_PATH_BLAS), NN_OK);
            assert_int_equal(nn_net_set_gemm_path(b, NN_GEMM_PATH_BLAS), NN_OK);
            nn_train_options o = nn_train_defaults();
            o.optimizer = opts[q];
            o.learning_rate = 0.01;
            o.weight_decay = 1e-3;
            o.batch_size = 16;
            o.epochs = 3;
            nn_fit_hooks h = {.allreduce_sum = blocking_sum, .allreduce_max = blocking_max,
                              .rank = g_rank, .allreduce_sum_f32 = blocking_sum_f32};
            nn_fit_hooks ho = h;
            ho.reduce_start = start_sum;
            ho.reduce_progress = progress_sums;
            ho.reduce_finish = finish_sums;
            nn_status sa = nn_net_fit_distributed(a, &shard, &o, &ho);
            nn_status sb = nn_net_fit_distributed(b, &shard, &o, &h);
            assert_status(sa, NN_OK);
            assert_status(sb, NN_OK);
            size_t n, m;
            double *pa = k == 3 ? params_f32_of(a, &n) : params_of(a, &n);
            double *pb = k == 3 ? params_f32_of(b, &m) : params_of(b, &m);
            assert_int_equal(n, m);
            double worst = 0.0;
            for (size_t i = 0; i < n; i++)
                worst = fmax(worst, fabs(pa[i] - pb[i]) / fmax(1.0, fabs(pb[i])));
            if (worst > 1e-12)
                print_error("task %d optimizer %d dtype %d: %g\n", k % 3, q, k == 3, worst);
            assert_true(worst <= 1e-12);
            free(pa);
            free(pb);
            nn_net_free(a);
            nn_net_free(b);
            nn_dataset_free(&shard);
        }
    nn_mat_free(&t);
    nn_dataset_free(&all);
}

/* ---- a full fit ------------------------------------------------------------ */

/* Moons, 2 ranks with batch 16 each against one process with batch 32:
 * identical parameters on both ranks, test accuracy within 0.5 point. */
static void full_fit_matches_single_process(void **state)
{
    (void)state;
    nn_dataset all, train, test, shard;
    assert_int_equal(nn_make_moons(&all, 2000, 0.1, 11), NN_OK);
    assert_int_equal(nn_train_test_split(&all, 0.25, 42, &train, &test), NN_OK);
    assert_int_equal(nn_dataset_shard(&train, (size_t)g_rank, 2, &shard), NN_OK);
    nn_train_options o = nn_train_defaults();
    o.epochs = 20;
    o.batch_size = 16;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 3);
    nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    int same = same_as_rank0(net);

    o.batch_size = 32;
    nn_net *ref = make_net(2, 2, NN_TASK_CLASSIFY, 3);
    assert_status(nn_net_fit(ref, &train, &o), NN_OK);
    double acc, acc_ref;
    assert_status(s, NN_OK);
    assert_true(same);
    assert_status(nn_net_evaluate(net, &test, &acc, NULL), NN_OK);
    assert_status(nn_net_evaluate(ref, &test, &acc_ref, NULL), NN_OK);
    if (g_rank == 0)
        print_message("moons test accuracy: 2 ranks %.4f, one process %.4f\n", acc, acc_ref);
    assert_true(fabs(acc - acc_ref) <= 0.005);
    assert_true(acc >= 0.97);
    nn_net_free(ref);
    nn_net_free(net);
    nn_dataset_free(&shard);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_dataset_free(&all);
}

/* validation_fraction of each shard and early stopping: every rank sees the
 * same validation statistics, stops in the same epoch, restores the same
 * best parameters. */
static void early_stopping_agrees(void **state)
{
    (void)state;
    nn_dataset all, shard;
    assert_int_equal(nn_make_moons(&all, 600, 0.3, 21), NN_OK);
    assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);
    nn_train_options o = nn_train_defaults();
    o.epochs = 200;
    o.validation_fraction = 0.2;
    o.patience = 3;
    nn_epoch_stats last;
    o.on_epoch = last_epoch;
    o.user = &last;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 5);
    nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    int same = same_as_rank0(net);
    double v[3] = {(double)last.epoch, last.val_loss, last.val_accuracy}, v0[3];
    memcpy(v0, v, sizeof v);
    MPI_Bcast(v0, 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    assert_status(s, NN_OK);
    assert_true(same);
    assert_memory_equal(v, v0, sizeof v);
    assert_true(last.epoch < 200 && isfinite(last.val_loss));
    nn_net_free(net);
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
}

/* ---- shards of unequal size -------------------------------------------------- */

/* 3 rows against 1000: ceil(1000/32) steps per epoch, rank 0 contributes
 * rows only to the first; training still fits the union. */
static void unequal_shards(void **state)
{
    (void)state;
    nn_dataset all, shard;
    assert_int_equal(nn_make_moons(&all, 1003, 0.1, 8), NN_OK);
    shard = all;
    if (g_rank == 0) {
        shard.x.rows = 3;
    } else {
        shard.x.data += 3 * all.x.ld;
        shard.x.rows = 1000;
        shard.y += 3;
    }
    nn_train_options o = nn_train_defaults();
    o.epochs = 30;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 9);
    nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    int same = same_as_rank0(net);
    double acc = global_accuracy(net, &shard);
    assert_status(s, NN_OK);
    assert_true(same);
    assert_true(acc >= 0.95);
    nn_net_free(net);
    nn_dataset_free(&all);
}

/* Rank 1 has no rows: rank 0 trains alone, both end identical. Every shard
 * empty: NN_EINVAL everywhere. */
static void empty_shard_on_one_rank(void **state)
{
    (void)state;
    nn_dataset all, none = empty_shard(2);
    assert_int_equal(nn_make_moons(&all, 500, 0.1, 4), NN_OK);
    nn_train_options o = nn_train_defaults();
    o.epochs = 40;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 2);
    nn_status s = nn_net_fit_mpi(net, g_rank == 0 ? &all : &none, &o, MPI_COMM_WORLD);
    int same = same_as_rank0(net);
    double acc = global_accuracy(net, g_rank == 0 ? &all : &none);
    nn_status s_all_empty = nn_net_fit_mpi(net, &none, &o, MPI_COMM_WORLD);
    assert_status(s, NN_OK);
    assert_true(same);
    assert_true(acc >= 0.95);
    assert_status(s_all_empty, NN_EINVAL);
    nn_net_free(net);
    nn_dataset_free(&all);
}

/* ---- failures on one rank ----------------------------------------------------- */

/* A NaN in rank 1's shard: NN_ENUMERIC on both ranks, no parameter changed. */
static void nan_on_one_rank(void **state)
{
    (void)state;
    nn_dataset all;
    assert_int_equal(nn_make_moons(&all, 100, 0.1, 4), NN_OK);
    if (g_rank == 1)
        all.x.data[37 * all.x.ld + 1] = NAN;
    nn_train_options o = nn_train_defaults();
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 2 + (uint64_t)g_rank);
    size_t n;
    double *before = params_of(net, &n);
    nn_status s = nn_net_fit_mpi(net, &all, &o, MPI_COMM_WORLD);
    double *after = params_of(net, &n);
    assert_status(s, NN_ENUMERIC);
    assert_memory_equal(before, after, n * sizeof *after);
    free(before);
    free(after);
    nn_net_free(net);
    nn_dataset_free(&all);
}

/* The loss diverges (a huge learning rate): every rank sees the same summed
 * loss, so every rank returns NN_ENUMERIC with the same restored weights. */
static void divergence_agrees(void **state)
{
    (void)state;
    nn_dataset all, shard;
    assert_int_equal(nn_make_moons(&all, 200, 0.1, 4), NN_OK);
    assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);
    nn_train_options o = nn_train_defaults();
    o.optimizer = NN_SGD;
    o.learning_rate = 1e200;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 2);
    nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    char err[200];
    snprintf(err, sizeof err, "%s", nn_last_error());
    int same = same_as_rank0(net);
    assert_status(s, NN_ENUMERIC);
    assert_true(same);
    /* The message names the function the caller called. */
    assert_true(strncmp(err, "nn_net_fit_mpi: ", 16) == 0);
    nn_net_free(net);
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
}

/* A label out of range, a NULL shard, or a shard of the wrong width on rank
 * 1 only: the same status on both ranks (the largest when statuses differ:
 * the wrong width is NN_ESHAPE). */
static void bad_shard_on_one_rank(void **state)
{
    (void)state;
    nn_dataset all, wide;
    assert_int_equal(nn_make_moons(&all, 100, 0.1, 4), NN_OK);
    nn_train_options o = nn_train_defaults();
    o.epochs = 2;
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 2);
    if (g_rank == 1)
        all.y[50] = 5;
    nn_status s_label = nn_net_fit_mpi(net, &all, &o, MPI_COMM_WORLD);
    all.y[50] = 0;
    nn_status s_null = nn_net_fit_mpi(net, g_rank == 1 ? NULL : &all, &o, MPI_COMM_WORLD);
    wide = all;
    wide.x.cols = 1; /* a view of the first column only */
    nn_status s_shape = nn_net_fit_mpi(net, g_rank == 1 ? &wide : &all, &o, MPI_COMM_WORLD);
    nn_train_options v = o;
    v.validation = g_rank == 0 ? &all : NULL;
    nn_status s_val = nn_net_fit_mpi(net, &all, &v, MPI_COMM_WORLD);
    int same = same_as_rank0(net);
    assert_status(s_label, NN_EINVAL);
    assert_status(s_null, NN_EINVAL);
    assert_status(s_shape, NN_ESHAPE);
    assert_status(s_val, NN_EINVAL);
    assert_true(same);
    nn_net_free(net);
    nn_dataset_free(&all);
}

/* ---- agreement on the data ------------------------------------------------------ */

/* A data set of 4 rows of width d with string labels names[0..n). */
static nn_dataset named(size_t d, const char *const *names, size_t n)
{
    nn_dataset t;
    memset(&t, 0, sizeof t);
    assert_int_equal(nn_mat_alloc(&t.x, 4, d), NN_OK);
    t.y = calloc(4, sizeof *t.y);
    t.n_classes = n;
    t.class_names = calloc(n, sizeof *t.class_names);
    for (size_t k = 0; k < n; k++)
        t.class_names[k] = strdup(names[k]);
    for (size_t i = 0; i < 4; i++)
        t.y[i] = (int32_t)(i % n);
    return t;
}

/* Each disagreement fails both ranks with rank 1's message; an empty shard
 * and integer labels of different ranges agree (n_classes: the largest). */
static void data_agreement(void **state)
{
    (void)state;
    static const char *const ab[] = {"a", "b"}, *const ac[] = {"a", "c"},
                             *const abc[] = {"a", "b", "c"};
    nn_dataset d2 = named(2, ab, 2), d3 = named(3, ab, 2), dac = named(2, ac, 2),
               dabc = named(2, abc, 3), ints = named(2, ab, 2), none = empty_shard(2);
    char err[4][200];
    nn_status same = nn_dataset_agree_mpi(&d2, MPI_COMM_WORLD);
    nn_status width = nn_dataset_agree_mpi(g_rank == 1 ? &d3 : &d2, MPI_COMM_WORLD);
    snprintf(err[0], sizeof err[0], "%s", nn_last_error());
    nn_status names = nn_dataset_agree_mpi(g_rank == 1 ? &dac : &d2, MPI_COMM_WORLD);
    snprintf(err[1], sizeof err[1], "%s", nn_last_error());
    nn_status count = nn_dataset_agree_mpi(g_rank == 1 ? &dabc : &d2, MPI_COMM_WORLD);
    snprintf(err[2], sizeof err[2], "%s", nn_last_error());
    none.class_names = dac.class_names; /* an empty shard keeps its file's names */
    nn_status empty = nn_dataset_agree_mpi(g_rank == 1 ? &none : &dac, MPI_COMM_WORLD);
    none.class_names = NULL;
    for (size_t k = 0; k < 2; k++)
        free(ints.class_names[k]);
    free(ints.class_names);
    ints.class_names = NULL;
    ints.n_classes = g_rank == 1 ? 7 : 3;
    nn_status integers = nn_dataset_agree_mpi(&ints, MPI_COMM_WORLD);
    nn_status kinds = nn_dataset_agree_mpi(g_rank == 1 ? &ints : &d2, MPI_COMM_WORLD);
    nn_status null = nn_dataset_agree_mpi(g_rank == 1 ? NULL : &d2, MPI_COMM_WORLD);
    snprintf(err[3], sizeof err[3], "%s", nn_last_error());
    assert_status(same, NN_OK);
    assert_status(width, NN_ESHAPE);
    assert_non_null(strstr(err[0], "rank 1's data has 3 features, rank 0's has 2"));
    assert_status(names, NN_EFORMAT);
    assert_non_null(strstr(err[1], "rank 1's class 1 is 'c', rank 0's is 'b'"));
    assert_status(count, NN_EFORMAT);
    assert_non_null(strstr(err[2], "rank 1's data has 3 classes, rank 0's has 2"));
    assert_status(empty, NN_OK);
    assert_status(integers, NN_OK);
    assert_int_equal(ints.n_classes, 7);
    assert_status(kinds, NN_EFORMAT);
    assert_status(null, NN_EINVAL);
    assert_non_null(strstr(err[3], "rank 1's shard is NULL"));
    nn_dataset *all[] = {&d2, &d3, &dac, &dabc, &ints};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        nn_dataset_free(all[k]);
}

/* ---- scores over every rank ------------------------------------------------------ */

/* nn_net_evaluate_mpi over the shards equals nn_net_evaluate on the whole
 * set, for each task, with rank 1's shard empty or not; every shard empty
 * or a bad shard on one rank: one status everywhere. */
static void evaluate_matches_single_process(void **state)
{
    (void)state;
    static const nn_task tasks[] = {NN_TASK_CLASSIFY, NN_TASK_MULTILABEL, NN_TASK_REGRESS};
    double got[3][2][2], want[3][2];
    nn_status s[3][2];
    for (size_t k = 0; k < 3; k++) {
        nn_dataset all;
        assert_int_equal(nn_make_moons(&all, 101, 0.2, 9), NN_OK);
        if (tasks[k] != NN_TASK_CLASSIFY) { /* two targets from the features */
            assert_int_equal(nn_mat_alloc(&all.t, 101, 2), NN_OK);
            for (size_t i = 0; i < 101; i++) {
                double a = all.x.data[i * all.x.ld], b = all.x.data[i * all.x.ld + 1];
                all.t.data[i * 2] = tasks[k] == NN_TASK_REGRESS ? 3.0 * a + 100.0 : a > 0.5;
                all.t.data[i * 2 + 1] = tasks[k] == NN_TASK_REGRESS ? a * b : b > 0.2;
            }
            free(all.y);
            all.y = NULL;
            all.n_classes = 2;
        }
        nn_net *net = make_net(2, 2, tasks[k], 5);
        assert_int_equal(nn_net_evaluate(net, &all, &want[k][0], &want[k][1]), NN_OK);
        nn_dataset shard, none = empty_shard(2);
        assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);
        s[k][0] = nn_net_evaluate_mpi(net, &shard, &got[k][0][0], &got[k][0][1],
                                      MPI_COMM_WORLD);
        s[k][1] = nn_net_evaluate_mpi(net, g_rank == 0 ? &all : &none, &got[k][1][0],
                                      &got[k][1][1], MPI_COMM_WORLD);
        nn_net_free(net);
        nn_dataset_free(&shard);
        nn_dataset_free(&all);
    }
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 5);
    nn_dataset none = empty_shard(2);
    nn_status s_empty = nn_net_evaluate_mpi(net, &none, NULL, NULL, MPI_COMM_WORLD);
    nn_dataset all;
    assert_int_equal(nn_make_moons(&all, 10, 0.1, 4), NN_OK);
    if (g_rank == 1)
        all.y[3] = 9; /* a label out of range on rank 1 */
    nn_status s_bad = nn_net_evaluate_mpi(net, &all, NULL, NULL, MPI_COMM_WORLD);
    char err[200];
    snprintf(err, sizeof err, "%s", nn_last_error());
    for (size_t k = 0; k < 3; k++)
        for (size_t e = 0; e < 2; e++) {
            assert_status(s[k][e], NN_OK);
            assert_true(fabs(got[k][e][0] - want[k][0]) <= 1e-12);
            assert_true(fabs(got[k][e][1] - want[k][1]) <= 1e-12 * fabs(want[k][1]));
        }
    assert_status(s_empty, NN_EINVAL);
    assert_status(s_bad, NN_EINVAL);
    assert_non_null(strstr(err, "label"));
    nn_net_free(net);
    nn_dataset_free(&all);
}

/* nn_scaler_fit_mpi over the shards equals nn_scaler_fit on the whole set,
 * with rank 1's shard empty or not; other widths or a NaN on rank 1 fail
 * both ranks. */
static void scaler_matches_single_process(void **state)
{
    (void)state;
    nn_dataset all, shard, none = empty_shard(2);
    assert_int_equal(nn_make_moons(&all, 101, 0.2, 9), NN_OK);
    for (size_t i = 0; i < 101; i++)
        all.x.data[i * all.x.ld] = 1000.0 + 3.0 * all.x.data[i * all.x.ld];
    assert_int_equal(nn_dataset_shard(&all, (size_t)g_rank, 2, &shard), NN_OK);
    nn_scaler want, got[2], bad;
    assert_int_equal(nn_scaler_fit(&want, all.x), NN_OK);
    nn_status s0 = nn_scaler_fit_mpi(&got[0], shard.x, MPI_COMM_WORLD);
    nn_status s1 = nn_scaler_fit_mpi(&got[1], g_rank == 0 ? all.x : none.x, MPI_COMM_WORLD);
    nn_mat narrow = all.x;
    narrow.cols = 1;
    nn_status s_width = nn_scaler_fit_mpi(&bad, g_rank == 1 ? narrow : all.x, MPI_COMM_WORLD);
    if (g_rank == 1)
        all.x.data[7] = NAN;
    nn_status s_nan = nn_scaler_fit_mpi(&bad, all.x, MPI_COMM_WORLD);
    nn_status s_none = nn_scaler_fit_mpi(&bad, none.x, MPI_COMM_WORLD);
    for (int k = 0; k < 2; k++) {
        assert_status(k ? s1 : s0, NN_OK);
        for (size_t j = 0; j < 2; j++) {
            assert_true(fabs(got[k].mean[j] - want.mean[j]) <= 1e-12 * fabs(want.mean[j]));
            assert_true(fabs(got[k].scale[j] - want.scale[j]) <= 1e-12 * want.scale[j]);
        }
        nn_scaler_free(&got[k]);
    }
    assert_status(s_width, NN_ESHAPE);
    assert_status(s_nan, NN_EINVAL);
    assert_status(s_none, NN_EINVAL);
    nn_scaler_free(&want);
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
}

/* Refused by each rank alone, before any communication; comm's error
 * handler is the caller's again afterwards. */
static void bad_communicator(void **state)
{
    (void)state;
    nn_dataset all;
    assert_int_equal(nn_make_moons(&all, 10, 0.1, 4), NN_OK);
    nn_train_options o = nn_train_defaults();
    nn_net *net = make_net(2, 2, NN_TASK_CLASSIFY, 2);
    assert_status(nn_net_fit_mpi(net, &all, &o, MPI_COMM_NULL), NN_EINVAL);
    o.epochs = 1;
    assert_status(nn_net_fit_mpi(net, &all, &o, MPI_COMM_WORLD), NN_OK);
    MPI_Errhandler h;
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &h);
    assert_true(h == MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&h);
    nn_net_free(net);
    nn_dataset_free(&all);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    int rc = 1;
    if (g_size != 2) {
        if (g_rank == 0)
            print_error("test_mpi needs exactly 2 ranks (mpirun -np 2), not %d\n", g_size);
    } else {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(one_step_classify_sgd),
            cmocka_unit_test(one_step_classify_adam),
            cmocka_unit_test(one_step_regress_sgd),
            cmocka_unit_test(one_step_f32),
            cmocka_unit_test(overlap_equals_blocking),
            cmocka_unit_test(full_fit_matches_single_process),
            cmocka_unit_test(early_stopping_agrees),
            cmocka_unit_test(unequal_shards),
            cmocka_unit_test(empty_shard_on_one_rank),
            cmocka_unit_test(nan_on_one_rank),
            cmocka_unit_test(divergence_agrees),
            cmocka_unit_test(bad_shard_on_one_rank),
            cmocka_unit_test(bad_communicator),
            cmocka_unit_test(data_agreement),
            cmocka_unit_test(evaluate_matches_single_process),
            cmocka_unit_test(scaler_matches_single_process),
        };
        rc = cmocka_run_group_tests(tests, NULL, NULL);
    }
    /* Fail if any rank failed. */
    int any = rc != 0;
    MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any;
}
