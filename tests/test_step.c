/* The training step of one process (lib/net/step.c) against the general one
 * (gradient block, then one optimizer pass: the data-parallel path), and
 * the optimizers' rules (lib/optim.c). */
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "pool.h"
#include "rng.h"
#include "support.h"

/* The widths of make's hidden layers (23 = 16 + 4 + 2 + 1 reaches every
 * tile and tail of the AVX2 build's 4-double vectors), and whether its nets
 * take the AVX-512 build's small gemm, emulated (the vw8 test's setup). */
static size_t g_hidden[2] = {23, 9};
static int g_vw8;

/* A net with two hidden layers of odd widths: 5-23-9-out. */
static nn_net *make(nn_task task, size_t out, nn_activation act, nn_gemm_path path)
{
    size_t hidden[2] = {g_hidden[0], g_hidden[1]};
    nn_activation acts[2] = {act, NN_ACT_RELU};
    nn_net_config c = {.n_inputs = 5, .n_classes = out, .n_hidden_layers = 2, .hidden = hidden,
                       .seed = 3, .activations = acts, .task = task};
    nn_net *net;
    assert_int_equal(nn_net_create(&net, &c), NN_OK);
    assert_int_equal(nn_net_set_gemm_path(net, path), NN_OK);
    if (g_vw8) {
        net->gemm_small = ts_gemm_small_vw8;
        net->gemm_fused = ts_gemm_fused_vw8;
    }
    return net;
}

/* Six steps of n rows (13; 1 and 3, where the bias gradient of one row is
 * the row and the input gradient has fewer rows than a tile): step.c's
 * update inside the backward pass on one net, nn__net_step_grads plus one
 * optimizer pass on its twin. Both apply the
 * same formulas in a different order, so they agree to 1e-12, not bit for
 * bit; each path is bit-for-bit repeatable. */
/* With unfused, both nets take step.c's step, but b without the small
 * gemm's epilogues (bias and activation, f', the update) fused into its
 * tiles: the epilogues against the kernel table's passes. */
static void run_pair_mode(nn_optimizer kind, double wd, nn_gemm_path path, nn_task task,
                          nn_activation act, int unfused, size_t n)
{
    const size_t steps = 6, C = task == NN_TASK_CLASSIFY ? 3 : 2;
    nn_net *a = make(task, C, act, path), *b = make(task, C, act, path);
    size_t P = a->n_params;
    nn__rng r;
    nn__rng_seed(&r, 17);
    nn_mat x;
    assert_int_equal(nn_mat_alloc(&x, n * steps, 5), NN_OK);
    ts_fill_uniform(&r, x, -2, 2, 0.0);
    int32_t y[13 * 6];
    double tv[13 * 6 * 3];
    for (size_t i = 0; i < n * steps; i++)
        y[i] = (int32_t)nn__rng_below(&r, C);
    for (size_t i = 0; i < n * steps * C; i++)
        tv[i] = task == NN_TASK_MULTILABEL ? (double)nn__rng_below(&r, 2) : nn__rng_normal(&r);
    double *m[2] = {nn__alloc_doubles(P), nn__alloc_doubles(P)};
    double *v[2] = {nn__alloc_doubles(P), nn__alloc_doubles(P)};
    assert_true(m[0] && m[1] && v[0] && v[1]);
    nn__optim o[2];
    for (int k = 0; k < 2; k++)
        o[k] = (nn__optim){kind, 0.05, 0.9, 0.9,  0.999, 1e-8, m[k],
                           v[k], 1.0,  1.0, 0.0,   0.0,  NULL};
    assert_int_equal(nn__net_reserve(a, n), NN_OK);
    assert_int_equal(nn__net_reserve(b, n), NN_OK);
    if (unfused)
        b->gemm_fused = NULL;
    for (size_t s = 0; s < steps; s++) {
        const double *xs = x.data + s * n * x.ld;
        nn__targets t = {task == NN_TASK_CLASSIFY ? y + s * n : NULL,
                         task == NN_TASK_CLASSIFY ? NULL : tv + s * n * C, C};
        double scale = nn__net_mean_scale(a, n);
        double la = nn__net_step_update(a, xs, x.ld, n, t, scale, &o[0], wd);
        if (unfused) {
            double lb = nn__net_step_update(b, xs, x.ld, n, t, scale, &o[1], wd);
            assert_true(ts_close(la, lb, 1e-13, 1e-12));
            continue;
        }
        double lb = nn__net_step_grads(b, xs, x.ld, n, t, scale);
        assert_true(ts_close(la, lb, 1e-13, 1e-12));
        nn__optim_begin_step(&o[1]);
        for (size_t l = 0; l < b->n_layers; l++) {
            nn_mat w = b->W[l], bias = b->b[l];
            nn__optim_apply(&o[1], w.data, b->dW[l].data, (size_t)(w.data - b->params),
                            w.rows * w.cols, wd);
            nn__optim_apply(&o[1], bias.data, b->db[l].data, (size_t)(bias.data - b->params),
                            bias.cols, 0.0);
        }
    }
    nn_mat pa = nn_mat_view(a->params, 1, P, P), pb = nn_mat_view(b->params, 1, P, P);
    assert_true(ts_max_err(pa, pb, 1e-13, 1e-12) <= 1.0);
    /* The parameters moved: the comparison is not between two idle nets. */
    nn_net *fresh = make(task, C, act, path);
    assert_true(memcmp(fresh->params, a->params, P * sizeof(double)) != 0);
    nn_net_free(fresh);
    for (int k = 0; k < 2; k++) {
        nn__free(m[k]);
        nn__free(v[k]);
    }
    nn_mat_free(&x);
    nn_net_free(a);
    nn_net_free(b);
}

/* run_pair_mode for n = 1, 3 and 13 rows. */
static void run_pair(nn_optimizer kind, double wd, nn_gemm_path path, nn_task task,
                     nn_activation act, int unfused)
{
    for (size_t n = 1; n <= 13; n += n == 1 ? 2 : 10)
        run_pair_mode(kind, wd, path, task, act, unfused, n);
}

static void test_update_in_backward_matches_general(void **state)
{
    (void)state;
    const nn_optimizer kinds[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    const nn_gemm_path paths[] = {NN_GEMM_PATH_SMALL, NN_GEMM_PATH_BLAS, NN_GEMM_PATH_AUTO};
    for (size_t k = 0; k < 3; k++)
        for (size_t p = 0; p < 3; p++)
            for (int d = 0; d < 2; d++)
                run_pair(kinds[k], d ? 1e-2 : 0.0, paths[p], NN_TASK_CLASSIFY, NN_ACT_TANH, 0);
    run_pair(NN_MOMENTUM, 1e-3, NN_GEMM_PATH_BLAS, NN_TASK_REGRESS, NN_ACT_GELU, 0);
    run_pair(NN_SGD, 0.0, NN_GEMM_PATH_BLAS, NN_TASK_MULTILABEL, NN_ACT_SIGMOID, 0);
}

/* The fused epilogues against the passes on the small path: a classifier
 * for each optimizer, with and without weight decay, and each activation of
 * acts; then a regression step with momentum. */
static void sweep_epilogues(const nn_activation *acts, size_t n_acts)
{
    const nn_optimizer kinds[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    for (size_t k = 0; k < 3; k++)
        for (size_t q = 0; q < n_acts; q++)
            for (int d = 0; d < 2; d++)
                run_pair(kinds[k], d ? 1e-2 : 0.0, NN_GEMM_PATH_SMALL, NN_TASK_CLASSIFY,
                         acts[q], 1);
    run_pair_mode(NN_MOMENTUM, 1e-3, NN_GEMM_PATH_SMALL, NN_TASK_REGRESS, NN_ACT_RELU, 1, 13);
}

/* Epilogues fused into the small gemm (SIMD builds) against the product
 * followed by the kernel table's pass, for every activation (GELU is never
 * fused: its backward needs the pre-activation) and optimizer, on the
 * small path where they apply. Also: the fused forward of a hidden layer
 * gives the same outputs as the unfused one. */
static void test_fused_epilogues_match_passes(void **state)
{
    (void)state;
    const nn_activation acts[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID,
                                  NN_ACT_GELU, NN_ACT_IDENTITY};
    sweep_epilogues(acts, 6);
    run_pair_mode(NN_MOMENTUM, 1e-3, NN_GEMM_PATH_SMALL, NN_TASK_REGRESS, NN_ACT_RELU, 1, 1);
    run_pair_mode(NN_SGD, 0.0, NN_GEMM_PATH_SMALL, NN_TASK_MULTILABEL, NN_ACT_LEAKY_RELU, 1, 13);
    /* Inference: hidden layers through the fused forward, or not. */
    nn_net *a = make(NN_TASK_CLASSIFY, 3, NN_ACT_LEAKY_RELU, NN_GEMM_PATH_SMALL);
    nn_net *b = make(NN_TASK_CLASSIFY, 3, NN_ACT_LEAKY_RELU, NN_GEMM_PATH_SMALL);
    b->gemm_fused = NULL;
    nn__rng r;
    nn__rng_seed(&r, 5);
    nn_mat x, pa, pb;
    assert_int_equal(nn_mat_alloc(&x, 37, 5), NN_OK);
    assert_int_equal(nn_mat_alloc(&pa, 37, 3), NN_OK);
    assert_int_equal(nn_mat_alloc(&pb, 37, 3), NN_OK);
    ts_fill_uniform(&r, x, -3, 3, 0.0);
    assert_int_equal(nn_net_forward(a, x, pa), NN_OK);
    assert_int_equal(nn_net_forward(b, x, pb), NN_OK);
    assert_true(ts_max_err(pa, pb, 1e-15, 1e-13) <= 1.0);
    nn_mat_free(&x);
    nn_mat_free(&pa);
    nn_mat_free(&pb);
    nn_net_free(a);
    nn_net_free(b);
}

/* The same, on the AVX-512 build's tiles (8-double vectors, emulated: see
 * support/gemm_vw8.c), with hidden widths that reach each of their tiles
 * and tails (31 = 16 + 8 + 4 + 2 + 1, 13 = 8 + 4 + 1): set up and torn
 * down around the test, so that a failure leaves the others as they were. */
static int use_vw8(int on)
{
    g_hidden[0] = on ? 31 : 23;
    g_hidden[1] = on ? 13 : 9;
    g_vw8 = on;
    return 0;
}

static int vw8_setup(void **state)
{
    (void)state;
    return use_vw8(1);
}

static int vw8_teardown(void **state)
{
    (void)state;
    return use_vw8(0);
}

static void test_vw8_epilogues_match_passes(void **state)
{
    (void)state;
    const nn_activation acts[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID,
                                  NN_ACT_IDENTITY};
    sweep_epilogues(acts, 5);
}

/* A non-finite loss updates nothing. */
static void test_nonfinite_loss_updates_nothing(void **state)
{
    (void)state;
    nn_net *net = make(NN_TASK_REGRESS, 2, NN_ACT_RELU, NN_GEMM_PATH_BLAS);
    size_t P = net->n_params;
    double *before = malloc(P * sizeof *before);
    assert_non_null(before);
    memcpy(before, net->params, P * sizeof *before);
    double x[2 * 5] = {0}, t[2 * 2] = {1.0, NAN, 0.0, 0.0};
    nn__optim o = {NN_SGD, 0.1, 0, 0, 0, 0, NULL, NULL, 1, 1, 0, 0, NULL};
    assert_int_equal(nn__net_reserve(net, 2), NN_OK);
    nn__targets tg = {NULL, t, 2};
    double loss = nn__net_step_update(net, x, 5, 2, tg, 0.25, &o, 0.0);
    assert_false(isfinite(loss));
    assert_memory_equal(before, net->params, P * sizeof *before);
    free(before);
    nn_net_free(net);
}

/* The rules themselves, on two parameters by hand. */
static void test_optim_rules(void **state)
{
    (void)state;
    double p[2] = {1.0, -2.0}, g[2] = {0.5, 0.25}, m[2] = {0.1, 0.2};
    nn__optim sgd = {NN_SGD, 0.1, 0, 0, 0, 0, NULL, NULL, 1, 1, 0, 0, NULL};
    nn__optim_begin_step(&sgd);
    nn__optim_apply(&sgd, p, g, 0, 2, 0.5);
    assert_true(ts_close(p[0], 1.0 - 0.1 * (0.5 + 0.5), 0, 1e-15));
    assert_true(ts_close(p[1], -2.0 - 0.1 * (0.25 - 1.0), 0, 1e-15));
    nn__optim mom = {NN_MOMENTUM, 0.1, 0.9, 0, 0, 0, m, NULL, 1, 1, 0, 0, NULL};
    p[0] = 1.0;
    nn__optim_apply(&mom, p, g, 0, 1, 0.0);
    assert_true(ts_close(m[0], 0.9 * 0.1 - 0.1 * 0.5, 0, 1e-15));
    assert_true(ts_close(p[0], 1.0 + m[0], 0, 1e-15));
    double am[1] = {0}, av[1] = {0};
    nn__optim adam = {NN_ADAM, 0.1, 0, 0.9, 0.999, 1e-8, am, av, 1, 1, 0, 0, NULL};
    nn__optim_begin_step(&adam);
    p[0] = 1.0;
    nn__optim_apply(&adam, p, g, 0, 1, 0.0);
    /* The first Adam step moves by lr * sign(g), up to eps. */
    assert_true(ts_close(p[0], 0.9, 0, 1e-7));
}

/* ---- the passes split over a worker pool ---------------------------------- */

/* Each optimizer pass over a run above NN__POOL_MIN_LEN (odd, so the last
 * chunk is short), split over pools of 1 to 3 workers, writes the same
 * bits as on one thread: parameters and optimizer state, for every rule,
 * with and without weight decay, and for momentum's passes around the
 * GEMM. */
static void test_pooled_passes_bit_identical(void **state)
{
    (void)state;
    const size_t len = NN__POOL_MIN_LEN + 13, steps = 3;
    const nn_optimizer kinds[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    nn__rng r;
    nn__rng_seed(&r, 5);
    double *init = nn__alloc_doubles(4 * len);
    assert_non_null(init);
    for (size_t i = 0; i < 4 * len; i++)
        init[i] = i >= 3 * len ? fabs(nn__rng_normal(&r)) : nn__rng_normal(&r); /* p g m v */
    /* [p, m, v] of the inline run (0) and of the pooled run (1). */
    double *buf[2] = {nn__alloc_doubles(3 * len), nn__alloc_doubles(3 * len)};
    assert_true(buf[0] && buf[1]);
    for (size_t n = 1; n <= 3; n++) {
        nn__pool *pool = nn__pool_create(n);
        assert_non_null(pool);
        for (size_t k = 0; k < 3; k++)
            for (int d = 0; d < 2; d++)
                for (int gemm = 0; gemm < 2; gemm++) {
                    if (gemm && kinds[k] != NN_MOMENTUM)
                        continue;
                    double decay = d ? 1e-2 : 0.0;
                    for (int q = 0; q < 2; q++) {
                        double *p = buf[q], *m = p + len, *v = m + len;
                        memcpy(p, init, len * sizeof *p);
                        memcpy(m, init + 2 * len, 2 * len * sizeof *p);
                        nn__optim o = {kinds[k], 0.05, 0.9, 0.9,  0.999, 1e-8, m,
                                       v,        1.0,  1.0, 0.0,  0.0,   q ? pool : NULL};
                        for (size_t s = 0; s < steps; s++) {
                            nn__optim_begin_step(&o);
                            if (!gemm) {
                                nn__optim_apply(&o, p, init + len, 0, len, decay);
                                continue;
                            }
                            double alpha, beta;
                            double *c = nn__optim_gemm_begin(&o, p, 0, len, decay, &alpha, &beta);
                            assert_ptr_equal(c, m);
                            for (size_t i = 0; i < len; i++) /* the GEMM's part, by hand */
                                c[i] = beta * c[i] + alpha * init[len + i];
                            nn__optim_gemm_end(&o, p, 0, len);
                        }
                    }
                    assert_memory_equal(buf[0], buf[1], 3 * len * sizeof(double));
                    /* The passes did something: the parameters moved. */
                    assert_true(memcmp(buf[1], init, len * sizeof(double)) != 0);
                    assert_true(buf[1][len - 1] != init[len - 1]);
                }
        nn__pool_free(pool);
    }
    nn__free(buf[0]);
    nn__free(buf[1]);
    nn__free(init);
}

/* Whole steps (step.c) on a net whose hidden-to-hidden weights exceed
 * NN__POOL_MIN_LEN, with the optimizer on a pool of 2 workers and without:
 * the same parameters bit for bit, for every optimizer, with weight decay,
 * on the GEMM path that folds the update (blas) and the one that does not
 * (small). */
static void test_pooled_steps_bit_identical(void **state)
{
    (void)state;
    const size_t n = 16, steps = 3, in = 5, C = 3;
    size_t hidden[2] = {300, 260}; /* 78000 weights between them */
    nn_net_config c = {.n_inputs = in, .n_classes = C, .n_hidden_layers = 2,
                       .hidden = hidden, .seed = 9};
    nn__rng r;
    nn__rng_seed(&r, 23);
    nn_mat x;
    assert_int_equal(nn_mat_alloc(&x, n * steps, in), NN_OK);
    ts_fill_uniform(&r, x, -1, 1, 0.0);
    int32_t y[16 * 3];
    for (size_t i = 0; i < n * steps; i++)
        y[i] = (int32_t)nn__rng_below(&r, C);
    nn__pool *pool = nn__pool_create(2);
    assert_non_null(pool);
    const nn_optimizer kinds[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    const nn_gemm_path paths[] = {NN_GEMM_PATH_BLAS, NN_GEMM_PATH_SMALL};
    for (size_t k = 0; k < 3; k++)
        for (size_t g = 0; g < 2; g++) {
            nn_net *net[2];
            double *m[2], *v[2];
            for (int q = 0; q < 2; q++) {
                assert_int_equal(nn_net_create(&net[q], &c), NN_OK);
                assert_int_equal(nn_net_set_gemm_path(net[q], paths[g]), NN_OK);
                assert_int_equal(nn__net_reserve(net[q], n), NN_OK);
                m[q] = nn__alloc_doubles(net[q]->n_params);
                v[q] = nn__alloc_doubles(net[q]->n_params);
                assert_true(m[q] && v[q]);
                nn__optim o = {kinds[k], 0.01, 0.9, 0.9,  0.999, 1e-8, m[q],
                               v[q],     1.0,  1.0, 0.0,  0.0,   q ? pool : NULL};
                for (size_t s = 0; s < steps; s++) {
                    nn__targets t = {y + s * n, NULL, C};
                    double loss = nn__net_step_update(net[q], x.data + s * n * x.ld, x.ld, n, t,
                                                      nn__net_mean_scale(net[q], n), &o, 1e-3);
                    assert_true(isfinite(loss));
                }
            }
            size_t P = net[0]->n_params;
            assert_memory_equal(net[0]->params, net[1]->params, P * sizeof(double));
            assert_memory_equal(m[0], m[1], P * sizeof(double));
            assert_memory_equal(v[0], v[1], P * sizeof(double));
            nn_net *fresh;
            assert_int_equal(nn_net_create(&fresh, &c), NN_OK);
            assert_true(memcmp(fresh->params, net[1]->params, P * sizeof(double)) != 0);
            nn_net_free(fresh);
            for (int q = 0; q < 2; q++) {
                nn__free(m[q]);
                nn__free(v[q]);
                nn_net_free(net[q]);
            }
        }
    nn__pool_free(pool);
    nn_mat_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_in_backward_matches_general),
        cmocka_unit_test(test_fused_epilogues_match_passes),
        cmocka_unit_test_setup_teardown(test_vw8_epilogues_match_passes, vw8_setup,
                                        vw8_teardown),
        cmocka_unit_test(test_nonfinite_loss_updates_nothing),
        cmocka_unit_test(test_optim_rules),
        cmocka_unit_test(test_pooled_passes_bit_identical),
        cmocka_unit_test(test_pooled_steps_bit_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
