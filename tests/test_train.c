/* Training: no allocation per step, determinism, accuracy on the tutorial's
 * data for every optimizer, divergence, early stopping, callbacks, options.
 *
 * This binary is linked with -Wl,--wrap for the allocation functions, so
 * every allocation libnn's own code makes goes through the counters below
 * (OpenBLAS, a separate shared library, keeps its own buffer pool), and
 * pthread_create, to count the threads of a fit's pool. */
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- allocation counting ------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

static size_t n_allocs;
static size_t n_threads_created;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

/* Threads libnn starts (the fit's pool; OpenBLAS's own are not seen). */
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    n_threads_created++;
    return __real_pthread_create(t, a, fn, arg);
}

void *__wrap_malloc(size_t n)
{
    n_allocs++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    n_allocs++;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    n_allocs++;
    return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    n_allocs++;
    return __real_aligned_alloc(a, n);
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    n_allocs++;
    return __real_posix_memalign(p, a, n);
}

/* ---- fixtures ------------------------------------------------------------ */

typedef struct moons {
    nn_dataset all, train, test;
} moons;

static int setup(void **state)
{
    moons *m = calloc(1, sizeof *m);
    if (!m || nn_make_moons(&m->all, 5000, 0.1, 42) != NN_OK ||
        nn_train_test_split(&m->all, 0.25, 42, &m->train, &m->test) != NN_OK)
        return -1;
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    moons *m = *state;
    nn_dataset_free(&m->all);
    nn_dataset_free(&m->train);
    nn_dataset_free(&m->test);
    free(m);
    return 0;
}

static nn_net *net_2h2(size_t h, nn_init init, uint64_t seed)
{
    size_t hidden[1] = {h};
    nn_net_config cfg = {.n_inputs = 2,
                         .n_classes = 2,
                         .n_hidden_layers = 1,
                         .hidden = hidden,
                         .init = init,
                         .seed = seed};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

static double test_accuracy(nn_net *net, const nn_dataset *test)
{
    double acc;
    ts_ok(nn_net_evaluate(net, test, &acc, NULL));
    return acc;
}

/* ---- tests --------------------------------------------------------------- */

typedef struct alloc_probe {
    size_t at_epoch[8];
    double loss[8];
} alloc_probe;

static int record_allocs(const nn_epoch_stats *s, void *user)
{
    alloc_probe *p = user;
    if (s->epoch < 8) {
        p->at_epoch[s->epoch] = n_allocs;
        p->loss[s->epoch] = s->train_loss;
    }
    return 0;
}

/* Fit net on moons for 4 epochs with optimizer o, batch rows and GEMM path
 * path, validating on the test rows; between the end of epoch 1 and the end
 * of epoch 4 (three full epochs: shuffles, every step, validation scoring)
 * there must not be one allocation. */
static void fit_without_allocation(nn_net *net, const moons *m, nn_optimizer o, size_t batch,
                                   nn_gemm_path path)
{
    ts_ok(nn_net_set_gemm_path(net, path));
    alloc_probe probe;
    memset(&probe, 0, sizeof probe);
    nn_train_options opt = nn_train_defaults();
    opt.optimizer = o;
    opt.learning_rate = 0.01;
    opt.batch_size = batch;
    opt.epochs = 4;
    opt.validation = &m->test;
    opt.on_epoch = record_allocs;
    opt.user = &probe;
    ts_ok(nn_net_fit(net, &m->train, &opt));
    assert_int_equal(probe.at_epoch[4], probe.at_epoch[1]);
}

/* Not one allocation per step, on every GEMM path (auto plans, with its
 * scratch, before the first step). */
static void test_no_allocation_per_step(void **state)
{
    moons *m = *state;
    const nn_optimizer opts[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    const size_t batches[] = {1, 10, 33, 4000};
    for (size_t o = 0; o < 3; o++)
        for (size_t b = 0; b < 4; b++) {
            nn_net *net = net_2h2(16, NN_INIT_HE, 1);
            fit_without_allocation(net, m, opts[o], batches[b], (nn_gemm_path)((o + b) % 3));
            nn_net_free(net);
        }
    /* nn_net_gradients on a batch no larger than the workspace: none. */
    nn_net *net = net_2h2(16, NN_INIT_HE, 1);
    nn_mat x = nn_mat_rows(m->train.x, 0, 50);
    ts_ok(nn_net_gradients(net, x, m->train.y, NULL));
    size_t before = n_allocs;
    for (int i = 0; i < 5; i++)
        ts_ok(nn_net_gradients(net, x, m->train.y, NULL));
    assert_int_equal(n_allocs, before);
    nn_net_free(net);
}

static void assert_same_params(nn_net *a, nn_net *b)
{
    for (size_t l = 0; l < nn_net_n_layers(a); l++) {
        nn_mat wa = nn_net_weights(a, l), wb = nn_net_weights(b, l);
        assert_memory_equal(wa.data, wb.data, wa.rows * wa.cols * sizeof(double));
        assert_memory_equal(nn_net_bias(a, l).data, nn_net_bias(b, l).data,
                            wa.cols * sizeof(double));
    }
}

/* Fits with a worker pool (NN_THREADS=3: two workers beside the caller)
 * on a net whose hidden-to-hidden weights (300 x 256) are long enough to
 * be split: two threads are started per fit (and none with NN_THREADS=1,
 * when not asked, nor for a net too small to split), epochs allocate
 * nothing, and the parameters equal bit for bit those of the same fit on
 * one thread, for every optimizer with weight decay. A bad NN_THREADS
 * fails the fit. */
static void test_fit_with_pool(void **state)
{
    moons *m = *state;
    const char *saved = getenv("NN_THREADS");
    nn_dataset sub = m->train;
    sub.x = nn_mat_rows(m->train.x, 0, 600);
    size_t hidden[2] = {300, 256};
    nn_net_config cfg = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 2,
                         .hidden = hidden, .init = NN_INIT_HE, .seed = 4};
    const nn_optimizer opts[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    for (size_t o = 0; o < 3; o++) {
        nn_net *net[2];
        for (int q = 0; q < 2; q++) {
            ts_ok(nn_net_create(&net[q], &cfg));
            ts_ok(nn_net_set_gemm_path(net[q], NN_GEMM_PATH_BLAS));
            assert_int_equal(setenv("NN_THREADS", q ? "3" : "1", 1), 0);
            alloc_probe probe;
            memset(&probe, 0, sizeof probe);
            nn_train_options opt = nn_train_defaults();
            opt.optimizer = opts[o];
            opt.learning_rate = 0.01;
            opt.weight_decay = 1e-3;
            opt.batch_size = 64;
            opt.epochs = 4;
            opt.on_epoch = record_allocs;
            opt.user = &probe;
            size_t threads = n_threads_created;
            ts_ok(nn_net_fit(net[q], &sub, &opt));
            assert_int_equal(n_threads_created - threads, q ? 2 : 0);
            assert_int_equal(probe.at_epoch[4], probe.at_epoch[1]);
        }
        assert_same_params(net[0], net[1]);
        nn_net_free(net[0]);
        nn_net_free(net[1]);
    }
    /* No pool unless asked: NN_THREADS unset, or auto with the one BLAS
     * thread ctest sets. */
    nn_net *big;
    ts_ok(nn_net_create(&big, &cfg));
    nn_train_options one = nn_train_defaults();
    one.epochs = 1;
    const char *unasked[] = {NULL, "auto"};
    for (int u = 0; u < 2; u++) {
        if (unasked[u])
            assert_int_equal(setenv("NN_THREADS", unasked[u], 1), 0);
        else
            assert_int_equal(unsetenv("NN_THREADS"), 0);
        size_t before = n_threads_created;
        ts_ok(nn_net_fit(big, &sub, &one));
        assert_int_equal(n_threads_created, before);
    }
    nn_net_free(big);
    assert_int_equal(setenv("NN_THREADS", "3", 1), 0);
    /* A net whose layers are all short: no pool, whatever NN_THREADS says. */
    nn_net *small = net_2h2(16, NN_INIT_HE, 1);
    nn_train_options opt = nn_train_defaults();
    opt.epochs = 1;
    size_t threads = n_threads_created;
    ts_ok(nn_net_fit(small, &sub, &opt));
    assert_int_equal(n_threads_created, threads);
    assert_int_equal(setenv("NN_THREADS", "two", 1), 0);
    ts_assert_status(nn_net_fit(small, &sub, &opt), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "NN_THREADS"));
    nn_net_free(small);
    if (saved)
        setenv("NN_THREADS", saved, 1);
    else
        unsetenv("NN_THREADS");
}

/* Same seeds, same weights, bit for bit (one BLAS thread, set by ctest), on
 * each forced GEMM path: under auto two nets may time their way to
 * different paths on a close call, which changes the rounding. */
static void test_deterministic(void **state)
{
    moons *m = *state;
    const nn_gemm_path paths[] = {NN_GEMM_PATH_SMALL, NN_GEMM_PATH_BLAS};
    for (int p = 0; p < 2; p++) {
        nn_net *a = net_2h2(32, NN_INIT_HE, 7), *b = net_2h2(32, NN_INIT_HE, 7);
        ts_ok(nn_net_set_gemm_path(a, paths[p]));
        ts_ok(nn_net_set_gemm_path(b, paths[p]));
        nn_train_options opt = nn_train_defaults();
        opt.epochs = 3;
        opt.seed = 99;
        ts_ok(nn_net_fit(a, &m->train, &opt));
        ts_ok(nn_net_fit(b, &m->train, &opt));
        assert_same_params(a, b);
        /* A different shuffle seed gives different weights. */
        nn_net *c = net_2h2(32, NN_INIT_HE, 7);
        ts_ok(nn_net_set_gemm_path(c, paths[p]));
        opt.seed = 100;
        ts_ok(nn_net_fit(c, &m->train, &opt));
        assert_true(memcmp(nn_net_weights(a, 0).data, nn_net_weights(c, 0).data,
                           64 * sizeof(double)) != 0);
        nn_net_free(a);
        nn_net_free(b);
        nn_net_free(c);
    }
}

/* Under auto, a net keeps its GEMM plan: a clone of a net that has been
 * fit (the plan comes along) and the net itself, fit again with the same
 * batch size, end bit for bit equal, and neither times anything again. A
 * fit with another batch size plans anew. */
static void test_auto_plan_reused(void **state)
{
    moons *m = *state;
    const size_t batches[] = {10, 32, 128};
    for (size_t k = 0; k < 3; k++) {
        nn_net *a = net_2h2(64, NN_INIT_HE, 8), *b;
        ts_ok(nn_net_set_gemm_path(a, NN_GEMM_PATH_AUTO));
        nn_train_options opt = nn_train_defaults();
        opt.epochs = 1;
        opt.batch_size = batches[k];
        ts_ok(nn_net_fit(a, &m->train, &opt));
        nn_gemm_plan_info first, again;
        ts_ok(nn_net_gemm_plan_info(a, &first));
        assert_int_equal(first.n_small + first.n_blas, 3750 % batches[k] ? 10 : 5);
        ts_ok(nn_net_clone(&b, a));
        opt.epochs = 2;
        ts_ok(nn_net_fit(a, &m->train, &opt));
        ts_ok(nn_net_fit(b, &m->train, &opt));
        assert_same_params(a, b);
        ts_ok(nn_net_gemm_plan_info(b, &again));
        assert_int_equal(again.n_timed, 0);
        assert_int_equal(again.n_small, first.n_small);
        assert_int_equal(again.n_blas, first.n_blas);
        opt.batch_size = 7; /* 3750 = 535 * 7 + 5 */
        opt.epochs = 1;
        ts_ok(nn_net_fit(b, &m->train, &opt));
        ts_ok(nn_net_gemm_plan_info(b, &again));
        assert_int_equal(again.n_small + again.n_blas, 10);
        nn_net_free(a);
        nn_net_free(b);
    }
}

/* The defaults with He init reach >= 99.5 % test accuracy, for every seed
 * tried. */
static void test_defaults_accuracy(void **state)
{
    moons *m = *state;
    for (uint64_t seed = 1; seed <= ts_repeats(20); seed++) {
        nn_net *net = net_2h2(64, NN_INIT_HE, seed);
        nn_train_options opt = nn_train_defaults();
        opt.seed = seed;
        ts_ok(nn_net_fit(net, &m->train, &opt));
        double acc = test_accuracy(net, &m->test);
        if (acc < 0.995)
            print_error("seed %llu: accuracy %.4f\n", (unsigned long long)seed, acc);
        assert_true(acc >= 0.995);
        nn_net_free(net);
    }
}

/* The tutorial's setup: N(0,1) init, SGD, batch 10, 10 epochs, lr 1e-3 on
 * the mean gradient. Its mean test accuracy over fresh nets must land where
 * the tutorial's does (0.945 +- 0.02): we accept 0.91 .. 0.975 over 20. */
static void test_tutorial_replication(void **state)
{
    moons *m = *state;
    double sum = 0;
    const int runs = ts_repeats(20) == 20 ? 20 : 3;
    for (int r = 0; r < runs; r++) {
        nn_net *net = net_2h2(64, NN_INIT_NORMAL, 1000 + (uint64_t)r);
        nn_train_options opt = nn_train_defaults();
        opt.optimizer = NN_SGD;
        opt.batch_size = 10;
        opt.epochs = 10;
        opt.learning_rate = 1e-3;
        opt.seed = 5000 + (uint64_t)r;
        ts_ok(nn_net_fit(net, &m->train, &opt));
        sum += test_accuracy(net, &m->test);
        nn_net_free(net);
    }
    double mean = sum / runs;
    print_message("tutorial replication: mean accuracy %.4f over %d runs\n", mean, runs);
    if (runs == 20)
        assert_true(mean >= 0.91 && mean <= 0.975);
    else /* NN_TEST_QUICK: three runs spread too widely for the tutorial's band */
        assert_true(mean >= 0.85 && mean <= 0.99);
}

static void test_optimizers_accuracy(void **state)
{
    moons *m = *state;
    const nn_optimizer opts[] = {NN_ADAM, NN_MOMENTUM};
    const double lrs[] = {0.01, 0.05};
    for (int o = 0; o < 2; o++) {
        nn_net *net = net_2h2(64, NN_INIT_HE, 3);
        nn_train_options opt = nn_train_defaults();
        opt.optimizer = opts[o];
        opt.learning_rate = lrs[o];
        ts_ok(nn_net_fit(net, &m->train, &opt));
        assert_true(test_accuracy(net, &m->test) >= 0.99);
        nn_net_free(net);
    }
    /* Plain SGD with a sensible rate also learns; and the loss falls. */
    nn_net *net = net_2h2(64, NN_INIT_HE, 3);
    alloc_probe probe;
    memset(&probe, 0, sizeof probe);
    nn_train_options opt = nn_train_defaults();
    opt.optimizer = NN_SGD;
    opt.learning_rate = 0.1;
    opt.on_epoch = record_allocs;
    opt.user = &probe;
    ts_ok(nn_net_fit(net, &m->train, &opt));
    assert_true(probe.loss[7] < probe.loss[1]);
    assert_true(test_accuracy(net, &m->test) >= 0.99);
    nn_net_free(net);
}

/* Weight decay shrinks the weights. */
static void test_weight_decay(void **state)
{
    moons *m = *state;
    double norms[2];
    for (int i = 0; i < 2; i++) {
        nn_net *net = net_2h2(32, NN_INIT_HE, 4);
        nn_train_options opt = nn_train_defaults();
        opt.epochs = 5;
        opt.weight_decay = i ? 0.1 : 0.0;
        ts_ok(nn_net_fit(net, &m->train, &opt));
        nn_mat w = nn_net_weights(net, 1);
        norms[i] = 0;
        for (size_t j = 0; j < w.rows * w.cols; j++)
            norms[i] += w.data[j] * w.data[j];
        nn_net_free(net);
    }
    assert_true(norms[1] < 0.8 * norms[0]);
}

/* A learning rate of 1e12 diverges: NN_ENUMERIC, and the net keeps the
 * finite weights it had at the end of the last finite epoch. */
static void test_divergence(void **state)
{
    moons *m = *state;
    nn_net *net = net_2h2(64, NN_INIT_HE, 5);
    nn_train_options opt = nn_train_defaults();
    opt.optimizer = NN_SGD;
    opt.learning_rate = 1e12;
    ts_assert_status(nn_net_fit(net, &m->train, &opt), NN_ENUMERIC);
    for (size_t l = 0; l < 2; l++) {
        nn_mat w = nn_net_weights(net, l);
        for (size_t j = 0; j < w.rows * w.cols; j++)
            assert_true(isfinite(w.data[j]));
    }
    nn_net_free(net);
}

/* At the end of the last epoch, weights that are finite but overflow the
 * forward pass (as a huge learning rate leaves them). */
static int overflow_weights(const nn_epoch_stats *s, void *user)
{
    if (s->epoch == 2)
        for (size_t l = 0; l < 2; l++) {
            nn_mat w = nn_net_weights(user, l);
            for (size_t j = 0; j < w.rows * w.cols; j++)
                w.data[j] = 1e300;
        }
    return 0;
}

/* A fit whose trained net gives non-finite outputs fails, with the weights
 * of the start of the last epoch, finite and usable. */
static void test_non_finite_outputs_fail(void **state)
{
    moons *m = *state;
    nn_net *net = net_2h2(16, NN_INIT_HE, 5);
    nn_train_options opt = nn_train_defaults();
    opt.epochs = 2;
    opt.on_epoch = overflow_weights;
    opt.user = net;
    ts_assert_status(nn_net_fit(net, &m->train, &opt), NN_ENUMERIC);
    assert_non_null(
        strstr(nn_last_error(), "nn_net_fit: the trained net's outputs are not finite"));
    for (size_t l = 0; l < 2; l++) {
        nn_mat w = nn_net_weights(net, l);
        for (size_t j = 0; j < w.rows * w.cols; j++)
            assert_true(isfinite(w.data[j]) && w.data[j] != 1e300);
    }
    double acc;
    ts_ok(nn_net_evaluate(net, &m->test, &acc, NULL));
    assert_true(acc > 0.5);
    nn_net_free(net);
}

static int stop_at_two(const nn_epoch_stats *s, void *user)
{
    *(size_t *)user = s->epoch;
    return s->epoch >= 2;
}

typedef struct val_trace {
    size_t epochs;
    double best;
} val_trace;

static int trace_val(const nn_epoch_stats *s, void *user)
{
    val_trace *t = user;
    t->epochs = s->epoch;
    if (s->val_loss < t->best)
        t->best = s->val_loss;
    assert_true(s->val_accuracy >= 0 && s->val_accuracy <= 1);
    assert_true(s->seconds >= 0);
    return 0;
}

static void test_callback_and_early_stopping(void **state)
{
    moons *m = *state;
    nn_net *net = net_2h2(16, NN_INIT_HE, 6);
    nn_train_options opt = nn_train_defaults();
    size_t last = 0;
    opt.on_epoch = stop_at_two;
    opt.user = &last;
    ts_ok(nn_net_fit(net, &m->train, &opt));
    assert_int_equal(last, 2);

    /* Early stopping: a large rate makes the validation loss bounce; fit
     * stops before 200 epochs and restores the best weights, whose
     * validation loss equals the best one seen. */
    val_trace t = {0, INFINITY};
    opt = nn_train_defaults();
    opt.learning_rate = 0.05;
    opt.epochs = 200;
    opt.validation = &m->test;
    opt.patience = 3;
    opt.on_epoch = trace_val;
    opt.user = &t;
    ts_ok(nn_net_fit(net, &m->train, &opt));
    assert_true(t.epochs < 200);
    double loss;
    ts_ok(nn_net_evaluate(net, &m->test, NULL, &loss));
    assert_true(ts_close(loss, t.best, 0, 1e-12));
    nn_net_free(net);
}

/* Bad options and data are refused before any weight changes. */
static void test_fit_rejects_bad_input(void **state)
{
    moons *m = *state;
    nn_net *net = net_2h2(8, NN_INIT_HE, 8);
    nn_mat w = nn_net_weights(net, 0);
    double before[16];
    memcpy(before, w.data, sizeof before);
    nn_train_options good = nn_train_defaults(), o;
#define BAD(field, value, want)                                                                    \
    do {                                                                                           \
        o = good;                                                                                  \
        o.field = value;                                                                           \
        ts_assert_status(nn_net_fit(net, &m->train, &o), want);                                    \
    } while (0)
    BAD(epochs, 0, NN_EINVAL);
    BAD(batch_size, 0, NN_EINVAL);
    BAD(learning_rate, 0.0, NN_EINVAL);
    BAD(learning_rate, -1.0, NN_EINVAL);
    BAD(learning_rate, NAN, NN_EINVAL);
    BAD(learning_rate, INFINITY, NN_EINVAL);
    BAD(weight_decay, -0.1, NN_EINVAL);
    BAD(optimizer, (nn_optimizer)7, NN_EINVAL);
    BAD(beta1, 1.0, NN_EINVAL);
    BAD(beta2, -0.5, NN_EINVAL);
    BAD(epsilon, 0.0, NN_EINVAL);
    BAD(patience, 3, NN_EINVAL); /* without a validation set */
    o = good;
    o.optimizer = NN_MOMENTUM;
    o.momentum = 1.0;
    ts_assert_status(nn_net_fit(net, &m->train, &o), NN_EINVAL);
#undef BAD
    ts_assert_status(nn_net_fit(NULL, &m->train, &good), NN_EINVAL);
    ts_assert_status(nn_net_fit(net, NULL, &good), NN_EINVAL);
    ts_assert_status(nn_net_fit(net, &m->train, NULL), NN_EINVAL);
    /* A label outside the net's classes, and a feature count mismatch. */
    nn_dataset bad = m->train;
    int32_t *y = malloc(bad.x.rows * sizeof *y);
    memcpy(y, m->train.y, bad.x.rows * sizeof *y);
    y[100] = 2;
    bad.y = y;
    ts_assert_status(nn_net_fit(net, &bad, &good), NN_EINVAL);
    bad = m->train;
    bad.x.cols = 1;
    ts_assert_status(nn_net_fit(net, &bad, &good), NN_ESHAPE);
    o = good;
    o.validation = &bad;
    ts_assert_status(nn_net_fit(net, &m->train, &o), NN_ESHAPE);
    free(y);
    assert_memory_equal(before, w.data, sizeof before);
    nn_net_free(net);
}


/* ---- v2: other tasks and activations -------------------------------------- */

static nn_net *make_v2(size_t in, size_t h, nn_activation act, size_t out, nn_task task,
                       uint64_t seed)
{
    size_t hidden[2] = {h, h};
    nn_activation acts[2] = {act, act};
    nn_net_config cfg = {.n_inputs = in,
                         .n_classes = out,
                         .n_hidden_layers = 2,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = seed,
                         .activations = acts,
                         .task = task};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

/* y = sin(2 x0) + sin(3 x1) + x2 / 2 + N(0, 0.1^2), x uniform in [-1.5, 1.5]^3:
 * the noise caps R^2 near 0.99. */
static void sines(nn_dataset *d, size_t n, uint64_t seed)
{
    nn__rng r;
    nn__rng_seed(&r, seed);
    memset(d, 0, sizeof *d);
    ts_ok(nn_mat_alloc(&d->x, n, 3));
    ts_ok(nn_mat_alloc(&d->t, n, 1));
    d->n_classes = 1;
    ts_fill_uniform(&r, d->x, -1.5, 1.5, 0);
    for (size_t i = 0; i < n; i++) {
        const double *x = d->x.data + 3 * i;
        d->t.data[i] = 100.0 + 20.0 * (sin(2 * x[0]) + sin(3 * x[1]) + 0.5 * x[2] +
                                       0.1 * nn__rng_normal(&r));
    }
}

/* A noisy sum of sines, targets offset to 100 and scaled by 20 (the target
 * scaler handles it): test R^2 >= 0.95 for each hidden activation. */
static void test_regression_learns(void **state)
{
    (void)state;
    nn_dataset all, train, test;
    sines(&all, 2000, 3);
    ts_ok(nn_train_test_split(&all, 0.25, 1, &train, &test));
    const nn_activation acts[] = {NN_ACT_RELU, NN_ACT_TANH, NN_ACT_GELU, NN_ACT_SIGMOID};
    for (size_t a = 0; a < ts_repeats(4); a++) {
        nn_net *net = make_v2(3, 32, acts[a], 1, NN_TASK_REGRESS, 1);
        nn_scaler ts;
        ts_ok(nn_scaler_fit(&ts, train.t));
        ts_ok(nn_net_set_target_scaler(net, &ts));
        nn_scaler_free(&ts);
        nn_train_options opt = nn_train_defaults();
        opt.epochs = 60;
        ts_ok(nn_net_fit(net, &train, &opt));
        double r2, mse;
        ts_ok(nn_net_evaluate(net, &test, &r2, &mse));
        print_message("regression, %s: test R^2 %.4f\n", nn_activation_name(acts[a]), r2);
        assert_true(r2 >= 0.95);
        nn_net_free(net);
    }
    nn_dataset_free(&all);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
}

/* Four labels, label j = [w_j . x > 0] for fixed random directions w_j,
 * each flipped with probability 0.05, 12000 rows. The best possible rule is
 * the clean one, whose expected subset accuracy is 0.95^4 = 0.8145; the net must get
 * within 0.03 of what that rule scores on the same test rows. */
static void test_multilabel_learns(void **state)
{
    (void)state;
    const size_t n = 12000, D = 5, C = 4;
    nn__rng r;
    nn__rng_seed(&r, 8);
    double w[4][5];
    for (size_t j = 0; j < C; j++)
        for (size_t k = 0; k < D; k++)
            w[j][k] = nn__rng_normal(&r);
    nn_dataset all, train, test;
    memset(&all, 0, sizeof all);
    ts_ok(nn_mat_alloc(&all.x, n, D));
    ts_ok(nn_mat_alloc(&all.t, n, C));
    all.n_classes = C;
    ts_fill_uniform(&r, all.x, -1, 1, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < C; j++) {
            double s = 0;
            for (size_t k = 0; k < D; k++)
                s += w[j][k] * all.x.data[i * D + k];
            int lab = s > 0;
            if (nn__rng_uniform(&r) < 0.05)
                lab = !lab;
            all.t.data[i * C + j] = lab;
        }
    ts_ok(nn_train_test_split(&all, 0.25, 2, &train, &test));
    size_t clean_hits = 0;
    for (size_t i = 0; i < test.x.rows; i++) {
        int all_ok = 1;
        for (size_t j = 0; j < C; j++) {
            double s = 0;
            for (size_t k = 0; k < D; k++)
                s += w[j][k] * test.x.data[i * D + k];
            all_ok &= (s > 0) == (test.t.data[i * C + j] == 1.0);
        }
        clean_hits += (size_t)all_ok;
    }
    double best = (double)clean_hits / (double)test.x.rows;
    nn_net *net = make_v2(D, 32, NN_ACT_RELU, C, NN_TASK_MULTILABEL, 4);
    nn_train_options opt = nn_train_defaults();
    opt.epochs = 100;
    opt.validation_fraction = 0.2;
    opt.patience = 10;
    ts_ok(nn_net_fit(net, &train, &opt));
    double acc, bce;
    ts_ok(nn_net_evaluate(net, &test, &acc, &bce));
    print_message("multilabel: subset accuracy %.4f, the clean rule %.4f\n", acc, best);
    assert_true(acc >= best - 0.03);
    nn_mat out01;
    ts_ok(nn_mat_alloc(&out01, test.x.rows, C));
    ts_ok(nn_net_predict_multilabel(net, test.x, out01));
    size_t hits = 0;
    for (size_t i = 0; i < test.x.rows; i++)
        hits += memcmp(out01.data + i * C, test.t.data + i * C, C * sizeof(double)) == 0;
    assert_true(fabs((double)hits / (double)test.x.rows - acc) < 1e-12);
    nn_mat_free(&out01);
    nn_net_free(net);
    nn_dataset_free(&all);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
}

/* tanh, sigmoid, GELU and leaky ReLU nets learn the moons. */
static void test_activations_learn_moons(void **state)
{
    moons *m = *state;
    const nn_activation acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_GELU, NN_ACT_LEAKY_RELU};
    for (size_t a = 0; a < ts_repeats(4); a++) {
        nn_net *net = make_v2(2, 32, acts[a], 2, NN_TASK_CLASSIFY, 5);
        nn_train_options opt = nn_train_defaults();
        opt.epochs = 60;
        opt.learning_rate = 0.01;
        ts_ok(nn_net_fit(net, &m->train, &opt));
        double acc = test_accuracy(net, &m->test);
        print_message("moons, %s: test accuracy %.4f\n", nn_activation_name(acts[a]), acc);
        assert_true(acc >= 0.97);
        nn_net_free(net);
    }
}

/* No allocation per step for the other tasks either, with scalers, GELU
 * (which keeps pre-activations) and a carved validation set. */
static void test_no_allocation_other_tasks(void **state)
{
    (void)state;
    nn_dataset d;
    sines(&d, 500, 1);
    nn_net *net = make_v2(3, 16, NN_ACT_GELU, 1, NN_TASK_REGRESS, 1);
    nn_scaler s;
    ts_ok(nn_scaler_fit(&s, d.x));
    ts_ok(nn_net_set_scaler(net, &s));
    nn_scaler_free(&s);
    ts_ok(nn_scaler_fit(&s, d.t));
    ts_ok(nn_net_set_target_scaler(net, &s));
    nn_scaler_free(&s);
    alloc_probe probe;
    memset(&probe, 0, sizeof probe);
    nn_train_options opt = nn_train_defaults();
    opt.epochs = 4;
    opt.batch_size = 7;
    opt.validation_fraction = 0.2;
    opt.on_epoch = record_allocs;
    opt.user = &probe;
    ts_ok(nn_net_fit(net, &d, &opt));
    assert_int_equal(probe.at_epoch[4], probe.at_epoch[1]);
    assert_true(probe.loss[4] < probe.loss[1]);
    nn_net_free(net);
    nn_dataset_free(&d);
}

/* An F32 net's fit allocates nothing per step either: every optimizer,
 * GEMM path and batch size, with scalers (the float workspace takes the
 * converted rows). */
static void test_no_allocation_f32(void **state)
{
    moons *m = *state;
    const nn_optimizer opts[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    const size_t batches[] = {1, 33, 4000};
    for (size_t o = 0; o < 3; o++)
        for (size_t b = 0; b < 3; b++) {
            nn_net *f64 = net_2h2(16, NN_INIT_HE, 1), *net = NULL;
            ts_ok(nn_net_convert(&net, f64, NN_F32));
            nn_net_free(f64);
            nn_scaler sc;
            ts_ok(nn_scaler_fit(&sc, m->train.x));
            ts_ok(nn_net_set_scaler(net, &sc));
            nn_scaler_free(&sc);
            fit_without_allocation(net, m, opts[o], batches[b], (nn_gemm_path)((o + b) % 3));
            nn_net_free(net);
        }
}

/* validation_fraction holds out a share of train, never more: the epoch
 * statistics carry a validation score, and a bad fraction is refused, as is
 * one that the rows cannot give. */
static void test_validation_fraction(void **state)
{
    moons *m = *state;
    nn_net *net = net_2h2(16, NN_INIT_HE, 1);
    nn_train_options opt = nn_train_defaults();
    opt.epochs = 2;
    opt.validation_fraction = 0.25;
    alloc_probe probe;
    memset(&probe, 0, sizeof probe);
    opt.on_epoch = record_allocs;
    opt.user = &probe;
    ts_ok(nn_net_fit(net, &m->train, &opt));
    opt.validation_fraction = 1.0;
    ts_assert_status(nn_net_fit(net, &m->train, &opt), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "validation_fraction"));
    /* A fraction that one row cannot give: one sentence that names
     * nn_net_fit once and gives the split's reason. */
    nn_dataset one = m->train;
    one.x.rows = 1;
    opt.validation_fraction = 0.5;
    ts_assert_status(nn_net_fit(net, &one, &opt), NN_EINVAL);
    assert_string_equal(nn_last_error(), "nn_net_fit: cannot hold out validation_fraction 0.5 "
                                         "of 1 rows: 1 rows cannot be split");
    opt.validation_fraction = 0.0;
    opt.patience = 2;
    ts_assert_status(nn_net_fit(net, &m->train, &opt), NN_EINVAL);
    /* Data the net cannot take: targets for a classifier, NaN features. */
    nn_dataset bad = m->train;
    bad.y = NULL;
    opt.patience = 0;
    ts_assert_status(nn_net_fit(net, &bad, &opt), NN_EINVAL);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_per_step),
        cmocka_unit_test(test_fit_with_pool),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_auto_plan_reused),
        cmocka_unit_test(test_defaults_accuracy),
        cmocka_unit_test(test_tutorial_replication),
        cmocka_unit_test(test_optimizers_accuracy),
        cmocka_unit_test(test_weight_decay),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_non_finite_outputs_fail),
        cmocka_unit_test(test_callback_and_early_stopping),
        cmocka_unit_test(test_fit_rejects_bad_input),
        cmocka_unit_test(test_regression_learns),
        cmocka_unit_test(test_multilabel_learns),
        cmocka_unit_test(test_activations_learn_moons),
        cmocka_unit_test(test_no_allocation_other_tasks),
        cmocka_unit_test(test_no_allocation_f32),
        cmocka_unit_test(test_validation_fraction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
