/* One net, many threads: inference (forward, predict, predict_multilabel,
 * evaluate) on one const net from more threads than the net keeps
 * workspaces for, each call's result equal bit for bit to the same call
 * made alone; and a net whose parameters are not finite refused by every
 * inference call, outputs untouched. Run under ThreadSanitizer by the tsan
 * preset (tools/tsan.sh). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define N_THREADS 8 /* more than the net's inference slots */
#define N_ROUNDS 6
#define N_ROWS 300  /* more than one inference chunk */

/* Row counts the threads use: one row, a few, one chunk and a bit more. */
static const size_t ROWS[4] = {1, 7, 256, N_ROWS};

typedef struct fixture {
    nn_net *net[3]; /* classify (scaler, names), regress (target scaler), multilabel */
    nn_dataset d[3];
    double *want_out[3][4];   /* forward of each task for each row count */
    int32_t *want_labels[4];  /* classify */
    double *want_01[4];       /* multilabel */
    double want_score[3], want_loss[3];
} fixture;

/* A small trained net of the task, on moons-like data of its own. */
static void make_net(fixture *f, int k)
{
    static const nn_task tasks[3] = {NN_TASK_CLASSIFY, NN_TASK_REGRESS, NN_TASK_MULTILABEL};
    static const char *const names[2] = {"left", "right"};
    nn_dataset *d = &f->d[k];
    ts_ok(nn_make_moons(d, N_ROWS, 0.2, 40 + (uint64_t)k));
    if (k > 0) {
        size_t C = k == 1 ? 1 : 2;
        ts_ok(nn_mat_alloc(&d->t, N_ROWS, C));
        for (size_t i = 0; i < N_ROWS; i++) {
            const double *x = d->x.data + i * d->x.ld;
            if (k == 1) {
                d->t.data[i] = 20.0 + sin(2 * x[0]) - x[1];
            } else {
                d->t.data[2 * i] = x[0] > 0.4;
                d->t.data[2 * i + 1] = x[1] > 0.2;
            }
        }
        free(d->y);
        d->y = NULL;
        d->n_classes = C;
    }
    size_t hidden[2] = {12, 8};
    nn_activation acts[2] = {NN_ACT_TANH, NN_ACT_RELU};
    nn_net_config cfg = {.n_inputs = 2,
                         .n_classes = d->n_classes,
                         .n_hidden_layers = 2,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = 3,
                         .activations = acts,
                         .task = tasks[k]};
    ts_ok(nn_net_create(&f->net[k], &cfg));
    nn_scaler sc;
    ts_ok(nn_scaler_fit(&sc, d->x));
    ts_ok(nn_net_set_scaler(f->net[k], &sc));
    nn_scaler_free(&sc);
    if (k == 0)
        ts_ok(nn_net_set_class_names(f->net[k], names));
    if (k == 1) {
        ts_ok(nn_scaler_fit(&sc, d->t));
        ts_ok(nn_net_set_target_scaler(f->net[k], &sc));
        nn_scaler_free(&sc);
    }
    nn_train_options o = nn_train_defaults();
    o.epochs = 3;
    ts_ok(nn_net_fit(f->net[k], d, &o));
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (int k = 0; k < 3; k++) {
        make_net(f, k);
        size_t C = nn_net_n_outputs(f->net[k]);
        /* What each call gives alone, on this thread. */
        for (int r = 0; r < 4; r++) {
            nn_mat x = nn_mat_rows(f->d[k].x, 0, ROWS[r]);
            f->want_out[k][r] = malloc(ROWS[r] * C * sizeof(double));
            assert_non_null(f->want_out[k][r]);
            ts_ok(nn_net_forward(f->net[k], x, nn_mat_view(f->want_out[k][r], ROWS[r], C, C)));
            if (k == 0) {
                f->want_labels[r] = malloc(ROWS[r] * sizeof(int32_t));
                assert_non_null(f->want_labels[r]);
                ts_ok(nn_net_predict(f->net[k], x, f->want_labels[r]));
            }
            if (k == 2) {
                f->want_01[r] = malloc(ROWS[r] * C * sizeof(double));
                assert_non_null(f->want_01[r]);
                ts_ok(nn_net_predict_multilabel(f->net[k], x,
                                                nn_mat_view(f->want_01[r], ROWS[r], C, C)));
            }
        }
        ts_ok(nn_net_evaluate(f->net[k], &f->d[k], &f->want_score[k], &f->want_loss[k]));
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int k = 0; k < 3; k++) {
        nn_net_free(f->net[k]);
        nn_dataset_free(&f->d[k]);
        for (int r = 0; r < 4; r++)
            free(f->want_out[k][r]);
    }
    for (int r = 0; r < 4; r++) {
        free(f->want_labels[r]);
        free(f->want_01[r]);
    }
    free(f);
    return 0;
}

typedef struct worker {
    const fixture *f;
    int id;
    int mismatches; /* calls that failed or differed from the one made alone */
} worker;

/* Every inference call on every net, in an order that differs by thread. */
static void *work(void *arg)
{
    worker *w = arg;
    const fixture *f = w->f;
    double out[N_ROWS * 2], out01[N_ROWS * 2];
    int32_t labels[N_ROWS];
    for (int round = 0; round < N_ROUNDS; round++)
        for (int step = 0; step < 12; step++) {
            int k = (step + w->id) % 3, r = (step / 3 + round + w->id) % 4;
            const nn_net *net = f->net[k];
            size_t C = nn_net_n_outputs(net), n = ROWS[r];
            nn_mat x = nn_mat_rows(f->d[k].x, 0, n);
            if (nn_net_forward(net, x, nn_mat_view(out, n, C, C)) != NN_OK ||
                memcmp(out, f->want_out[k][r], n * C * sizeof(double)) != 0)
                w->mismatches++;
            if (k == 0 && (nn_net_predict(net, x, labels) != NN_OK ||
                           memcmp(labels, f->want_labels[r], n * sizeof(int32_t)) != 0))
                w->mismatches++;
            if (k == 2 && (nn_net_predict_multilabel(net, x, nn_mat_view(out01, n, C, C)) !=
                               NN_OK ||
                           memcmp(out01, f->want_01[r], n * C * sizeof(double)) != 0))
                w->mismatches++;
            double score, loss;
            if (step % 4 == 0 &&
                (nn_net_evaluate(net, &f->d[k], &score, &loss) != NN_OK ||
                 score != f->want_score[k] || loss != f->want_loss[k]))
                w->mismatches++;
        }
    return NULL;
}

static void test_one_net_many_threads(void **state)
{
    const fixture *f = *state;
    pthread_t th[N_THREADS];
    worker w[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (worker){.f = f, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(w[i].mismatches, 0);
}

/* A NaN or infinite parameter anywhere: every inference call fails with
 * NN_ENUMERIC naming the layer, and leaves its outputs as they were. */
static void test_non_finite_parameters_refused(void **state)
{
    fixture *f = *state;
    nn_net *net = NULL;
    ts_ok(nn_net_clone(&net, f->net[0]));
    size_t L = nn_net_n_layers(net);
    for (size_t l = 0; l < L; l++)
        for (int bias = 0; bias < 2; bias++) {
            nn_mat m = bias ? nn_net_bias(net, l) : nn_net_weights(net, l);
            size_t at = (m.rows * m.cols) / 2;
            double keep = m.data[at];
            m.data[at] = bias ? INFINITY : NAN;
            double out[14];
            int32_t labels[7];
            for (size_t i = 0; i < 14; i++)
                out[i] = -5.0;
            for (size_t i = 0; i < 7; i++)
                labels[i] = -5;
            nn_mat x = nn_mat_rows(f->d[0].x, 0, 7);
            ts_assert_status(nn_net_forward(net, x, nn_mat_view(out, 7, 2, 2)), NN_ENUMERIC);
            char want[32];
            snprintf(want, sizeof want, "layer %zu", l);
            assert_non_null(strstr(nn_last_error(), want));
            assert_non_null(strstr(nn_last_error(), bias ? "bias" : "weight"));
            ts_assert_status(nn_net_predict(net, x, labels), NN_ENUMERIC);
            double score = -5.0, loss = -5.0;
            ts_assert_status(nn_net_evaluate(net, &f->d[0], &score, &loss), NN_ENUMERIC);
            for (size_t i = 0; i < 14; i++)
                assert_true(out[i] == -5.0);
            for (size_t i = 0; i < 7; i++)
                assert_int_equal(labels[i], -5);
            assert_true(score == -5.0 && loss == -5.0);
            m.data[at] = keep;
        }
    double out[2];
    ts_ok(nn_net_forward(net, nn_mat_rows(f->d[0].x, 0, 1), nn_mat_view(out, 1, 2, 2)));
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_net_many_threads),
        cmocka_unit_test(test_non_finite_parameters_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
