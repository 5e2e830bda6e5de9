/* Distinct nets from distinct threads at once: four threads each train and
 * score their own net (one per task, with scalers, names and GELU/tanh
 * layers) while the others do; every result must equal, bit for bit, the
 * same work done alone on one thread (on a forced GEMM path). And
 * nn_last_error is per thread. */
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define N_JOBS 4

typedef struct job {
    int id;
    double params[4096];
    size_t n_params;
    double score, loss;
    nn_status status;
    char error[256];
} job;

/* Data for job id: moons for the classifiers, a sum of sines for the
 * regression, two thresholds for the multi-label net. */
static nn_status job_data(int id, nn_dataset *d)
{
    nn_status s = nn_make_moons(d, 600, 0.15, 10 + (uint64_t)id);
    if (s != NN_OK || id < 2)
        return s;
    if ((s = nn_mat_alloc(&d->t, d->x.rows, id == 2 ? 1 : 2)) != NN_OK)
        return s;
    for (size_t i = 0; i < d->x.rows; i++) {
        const double *x = d->x.data + i * d->x.ld;
        if (id == 2)
            d->t.data[i] = 50.0 + sin(3 * x[0]) + x[1];
        else {
            d->t.data[2 * i] = x[0] > 0.5;
            d->t.data[2 * i + 1] = x[1] > 0.25;
        }
    }
    free(d->y);
    d->y = NULL;
    d->n_classes = d->t.cols;
    return NN_OK;
}

/* The net's parameters, layer by layer (W then b), into out. */
static void copy_params(nn_net *net, double *out)
{
    for (size_t l = 0; l < nn_net_n_layers(net); l++) {
        nn_mat w = nn_net_weights(net, l), b = nn_net_bias(net, l);
        memcpy(out, w.data, w.rows * w.cols * sizeof(double));
        out += w.rows * w.cols;
        memcpy(out, b.data, b.cols * sizeof(double));
        out += b.cols;
    }
}

/* fn on each of n jobs (size bytes apart), each in a thread of its own, at
 * once. */
static void run_concurrently(void *(*fn)(void *), void *jobs, size_t size, int n)
{
    pthread_t th[N_JOBS];
    assert_true(n <= N_JOBS);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&th[i], NULL, fn, (char *)jobs + (size_t)i * size), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
}

static void *run_job(void *arg)
{
    job *j = arg;
    static const nn_task tasks[N_JOBS] = {NN_TASK_CLASSIFY, NN_TASK_CLASSIFY, NN_TASK_REGRESS,
                                          NN_TASK_MULTILABEL};
    static const char *const names[2] = {"upper", "lower"};
    size_t hidden[2] = {24, 16};
    nn_activation acts[2] = {j->id % 2 ? NN_ACT_GELU : NN_ACT_TANH, NN_ACT_RELU};
    nn_dataset d;
    memset(&d, 0, sizeof d);
    nn_net *net = NULL;
    nn_status s = job_data(j->id, &d);
    nn_net_config cfg = {.n_inputs = 2,
                         .n_classes = j->id == 2 ? 1 : 2,
                         .n_hidden_layers = 2,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = 7 + (uint64_t)j->id,
                         .activations = acts,
                         .task = tasks[j->id]};
    if (s == NN_OK)
        s = nn_net_create(&net, &cfg);
    /* A forced GEMM path: under auto, timing could choose differently on
     * a loaded machine and change the rounding (net.h). */
    if (s == NN_OK)
        s = nn_net_set_gemm_path(net, NN_GEMM_PATH_SMALL);
    nn_scaler sc;
    if (s == NN_OK && (s = nn_scaler_fit(&sc, d.x)) == NN_OK) {
        s = nn_net_set_scaler(net, &sc);
        nn_scaler_free(&sc);
    }
    if (s == NN_OK && j->id < 2)
        s = nn_net_set_class_names(net, names);
    if (s == NN_OK && j->id == 2 && (s = nn_scaler_fit(&sc, d.t)) == NN_OK) {
        s = nn_net_set_target_scaler(net, &sc);
        nn_scaler_free(&sc);
    }
    nn_train_options o = nn_train_defaults();
    o.epochs = 15;
    o.validation_fraction = 0.2;
    o.patience = 5;
    o.seed = (uint64_t)j->id;
    if (s == NN_OK)
        s = nn_net_fit(net, &d, &o);
    if (s == NN_OK)
        s = nn_net_evaluate(net, &d, &j->score, &j->loss);
    /* A failure on this thread writes only this thread's message. */
    nn_net *none;
    nn_status bad = nn_net_load(&none, "/nonexistent/thread.nnet");
    snprintf(j->error, sizeof j->error, "%s", bad == NN_EIO ? nn_last_error() : "");
    if (s == NN_OK) {
        j->n_params = nn_net_n_params(net);
        copy_params(net, j->params);
    }
    j->status = s;
    nn_net_free(net);
    nn_dataset_free(&d);
    return NULL;
}

static void test_concurrent_nets_match_sequential(void **state)
{
    (void)state;
    static job alone[N_JOBS], together[N_JOBS];
    for (int i = 0; i < N_JOBS; i++) {
        alone[i].id = together[i].id = i;
        run_job(&alone[i]);
        ts_ok(alone[i].status);
    }
    run_concurrently(run_job, together, sizeof together[0], N_JOBS);
    for (int i = 0; i < N_JOBS; i++) {
        ts_ok(together[i].status);
        assert_int_equal(together[i].n_params, alone[i].n_params);
        assert_memory_equal(together[i].params, alone[i].params,
                            alone[i].n_params * sizeof(double));
        assert_true(together[i].score == alone[i].score);
        assert_true(together[i].loss == alone[i].loss);
        assert_non_null(strstr(together[i].error, "/nonexistent/thread.nnet"));
        print_message("job %d: score %.4f\n", i, together[i].score);
        assert_true(together[i].score > 0.8); /* each learned its task */
    }
    /* This thread's own last error was not touched by the others. */
    nn_net *none;
    ts_assert_status(nn_net_load(&none, NULL), NN_EINVAL);
    assert_null(strstr(nn_last_error(), "thread.nnet"));
}

/* Fits that each own a worker pool (NN_THREADS=3), on nets with a layer
 * long enough to be split, in distinct threads at once: each ends with the
 * parameters of the same fit alone, bit for bit. */
typedef struct pool_job {
    int id;
    double *params;
    size_t n_params;
    nn_status status;
} pool_job;

static void *run_pool_job(void *arg)
{
    pool_job *j = arg;
    size_t hidden[2] = {280, 256};
    nn_net_config cfg = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 2, .hidden = hidden,
                         .init = NN_INIT_HE, .seed = 30 + (uint64_t)j->id};
    nn_dataset d;
    memset(&d, 0, sizeof d);
    nn_net *net = NULL;
    nn_status s = nn_make_moons(&d, 300, 0.15, 20 + (uint64_t)j->id);
    if (s == NN_OK)
        s = nn_net_create(&net, &cfg);
    if (s == NN_OK)
        s = nn_net_set_gemm_path(net, NN_GEMM_PATH_BLAS);
    nn_train_options o = nn_train_defaults();
    o.optimizer = j->id % 2 ? NN_MOMENTUM : NN_ADAM;
    o.weight_decay = 1e-3;
    o.learning_rate = 0.01;
    o.epochs = 3;
    o.batch_size = 50;
    if (s == NN_OK)
        s = nn_net_fit(net, &d, &o);
    if (s == NN_OK) {
        j->n_params = nn_net_n_params(net);
        j->params = malloc(j->n_params * sizeof(double));
        if (j->params)
            copy_params(net, j->params);
        else
            s = NN_ENOMEM;
    }
    j->status = s;
    nn_net_free(net);
    nn_dataset_free(&d);
    return NULL;
}

static void test_concurrent_fits_with_pools(void **state)
{
    (void)state;
    const char *saved = getenv("NN_THREADS");
    assert_int_equal(setenv("NN_THREADS", "3", 1), 0);
    enum { N = 3 };
    pool_job alone[N], together[N];
    memset(alone, 0, sizeof alone);
    memset(together, 0, sizeof together);
    for (int i = 0; i < N; i++) {
        alone[i].id = together[i].id = i;
        run_pool_job(&alone[i]);
        ts_ok(alone[i].status);
    }
    run_concurrently(run_pool_job, together, sizeof together[0], N);
    for (int i = 0; i < N; i++) {
        ts_ok(together[i].status);
        assert_int_equal(together[i].n_params, alone[i].n_params);
        assert_memory_equal(together[i].params, alone[i].params,
                            alone[i].n_params * sizeof(double));
        free(alone[i].params);
        free(together[i].params);
    }
    if (saved)
        setenv("NN_THREADS", saved, 1);
    else
        unsetenv("NN_THREADS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_nets_match_sequential),
        cmocka_unit_test(test_concurrent_fits_with_pools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
