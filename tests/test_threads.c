/* Distinct nets from distinct threads at once: four threads each train and
 * score their own net (one per task, with scalers, names and GELU/tanh
 * layers) while the others do; every result must equal, bit for bit, the
 * same work done alone on one thread. And nn_last_error is per thread. */
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
        size_t off = 0;
        for (size_t l = 0; l < nn_net_n_layers(net); l++) {
            nn_mat w = nn_net_weights(net, l), b = nn_net_bias(net, l);
            memcpy(j->params + off, w.data, w.rows * w.cols * sizeof(double));
            off += w.rows * w.cols;
            memcpy(j->params + off, b.data, b.cols * sizeof(double));
            off += b.cols;
        }
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
    pthread_t th[N_JOBS];
    for (int i = 0; i < N_JOBS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &together[i]), 0);
    for (int i = 0; i < N_JOBS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_nets_match_sequential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
