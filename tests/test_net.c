/* The net: backprop against central finite differences, forward against a
 * hand computation, chunked inference, initialisation schemes, accessors,
 * the small gemm and the choice of GEMM path. */
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path and its kin */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "rng.h"
#include "support.h"

typedef struct arch {
    size_t in, n_hidden, hidden[3], classes;
} arch;

static nn_net *make_net(const arch *a, nn_init init, uint64_t seed)
{
    nn_net_config cfg = {.n_inputs = a->in,
                         .n_classes = a->classes,
                         .n_hidden_layers = a->n_hidden,
                         .hidden = a->hidden,
                         .init = init,
                         .seed = seed};
    nn_net *net = NULL;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

static double loss_at(nn_net *net, nn_mat x, const int32_t *y)
{
    double l;
    ts_ok(nn_net_gradients(net, x, y, &l));
    return l;
}

/* Gradient check: every weight and bias of nets with 0-3 hidden layers and
 * 2-5 classes, central differences with h = 1e-5 * max(1, |p|) (truncation
 * error ~h^2, rounding ~1e-16/h: both near 1e-11 here). The analytic
 * gradient must agree within 1e-6 relative, plus 1e-9 absolute slack for
 * gradients that are zero up to rounding. */
static void test_gradient_check(void **state)
{
    (void)state;
    const arch archs[] = {
        {3, 0, {0}, 4}, {3, 1, {5}, 2}, {4, 2, {7, 3}, 3}, {2, 3, {6, 5, 4}, 5}, {5, 1, {9}, 3},
    };
    nn__rng r;
    nn__rng_seed(&r, 11);
    double worst = 0.0;
    for (size_t t = 0; t < sizeof archs / sizeof archs[0]; t++) {
        const arch *a = &archs[t];
        nn_net *net = make_net(a, NN_INIT_XAVIER, 100 + t);
        /* Non-zero biases so that the bias gradients are exercised too. */
        for (size_t l = 0; l < nn_net_n_layers(net); l++) {
            nn_mat b = nn_net_bias(net, l);
            ts_fill_uniform(&r, b, -0.5, 0.5, 0);
        }
        size_t n = 7;
        nn_mat x;
        ts_ok(nn_mat_alloc(&x, n, a->in));
        ts_fill_uniform(&r, x, -2, 2, 0);
        int32_t y[7];
        for (size_t i = 0; i < n; i++)
            y[i] = (int32_t)nn__rng_below(&r, a->classes);
        /* Keep a copy of the analytic gradients at the unperturbed point
         * (every loss_at below overwrites the gradient views). */
        size_t L = nn_net_n_layers(net);
        for (size_t l = 0; l < L; l++) {
            for (int part = 0; part < 2; part++) {
                loss_at(net, x, y);
                nn_mat p = part ? nn_net_bias(net, l) : nn_net_weights(net, l);
                nn_mat g = part ? nn_net_bias_grad(net, l) : nn_net_weight_grad(net, l);
                size_t len = p.rows * p.cols;
                double *ga = malloc(len * sizeof *ga);
                memcpy(ga, g.data, len * sizeof *ga);
                for (size_t i = 0; i < len; i++) {
                    double p0 = p.data[i];
                    double h = 1e-5 * fmax(1.0, fabs(p0));
                    p.data[i] = p0 + h;
                    double lp = loss_at(net, x, y);
                    p.data[i] = p0 - h;
                    double lm = loss_at(net, x, y);
                    p.data[i] = p0;
                    double num = (lp - lm) / (2 * h);
                    double err = fabs(ga[i] - num) / (1e-9 + fmax(fabs(ga[i]), fabs(num)));
                    if (err > worst)
                        worst = err;
                    assert_true(ts_close(ga[i], num, 1e-9, 1e-6));
                }
                free(ga);
            }
        }
        /* And one random direction per layer: the directional derivative
         * of the loss equals the gradient's dot product with it. */
        for (size_t l = 0; l < L; l++) {
            loss_at(net, x, y);
            nn_mat w = nn_net_weights(net, l), g = nn_net_weight_grad(net, l);
            size_t len = w.rows * w.cols;
            double *dir = malloc(len * sizeof *dir), *w0 = malloc(len * sizeof *w0);
            double *g0 = malloc(len * sizeof *g0);
            memcpy(w0, w.data, len * sizeof *w0);
            memcpy(g0, g.data, len * sizeof *g0);
            double dot = 0.0, h = 1e-5;
            for (size_t i = 0; i < len; i++) {
                dir[i] = nn__rng_normal(&r);
                dot += dir[i] * g0[i];
            }
            for (size_t i = 0; i < len; i++)
                w.data[i] = w0[i] + h * dir[i];
            double lp = loss_at(net, x, y);
            for (size_t i = 0; i < len; i++)
                w.data[i] = w0[i] - h * dir[i];
            double lm = loss_at(net, x, y);
            memcpy(w.data, w0, len * sizeof *w0);
            assert_true(ts_close(dot, (lp - lm) / (2 * h), 1e-8, 1e-6));
            free(dir);
            free(w0);
            free(g0);
        }
        nn_mat_free(&x);
        nn_net_free(net);
    }
    print_message("worst relative gradient error %.3g\n", worst);
    assert_true(worst <= 1e-6);
}

/* A 2-3-2 net with fixed weights, computed by hand. */
static void test_forward_by_hand(void **state)
{
    (void)state;
    arch a = {2, 1, {3}, 2};
    nn_net *net = make_net(&a, NN_INIT_HE, 1);
    const double W1[6] = {1, -1, 0.5, 2, 0.25, -1}, b1[3] = {0.1, 0.2, -0.3};
    const double W2[6] = {1, -1, 0.5, 0.5, -2, 1}, b2[2] = {0.05, -0.05};
    memcpy(nn_net_weights(net, 0).data, W1, sizeof W1);
    memcpy(nn_net_bias(net, 0).data, b1, sizeof b1);
    memcpy(nn_net_weights(net, 1).data, W2, sizeof W2);
    memcpy(nn_net_bias(net, 1).data, b2, sizeof b2);
    double xs[2][2] = {{0.3, -0.7}, {-1.0, 2.0}};
    double pbuf[2 * 4];
    for (int i = 0; i < 8; i++)
        pbuf[i] = -7; /* padding sentinel */
    nn_mat probs = nn_mat_view(pbuf, 2, 2, 4);
    ts_ok(nn_net_forward(net, nn_mat_view(&xs[0][0], 2, 2, 2), probs));
    for (int i = 0; i < 2; i++) {
        double h[3], z[2];
        for (int j = 0; j < 3; j++) {
            h[j] = xs[i][0] * W1[j] + xs[i][1] * W1[3 + j] + b1[j];
            h[j] = h[j] > 0 ? h[j] : 0;
        }
        for (int j = 0; j < 2; j++)
            z[j] = h[0] * W2[j] + h[1] * W2[2 + j] + h[2] * W2[4 + j] + b2[j];
        double m = fmax(z[0], z[1]);
        double e0 = exp(z[0] - m), e1 = exp(z[1] - m);
        assert_true(ts_close(pbuf[i * 4 + 0], e0 / (e0 + e1), 0, 1e-14));
        assert_true(ts_close(pbuf[i * 4 + 1], e1 / (e0 + e1), 0, 1e-14));
        assert_true(pbuf[i * 4 + 2] == -7 && pbuf[i * 4 + 3] == -7);
    }
    int32_t pred[2];
    ts_ok(nn_net_predict(net, nn_mat_view(&xs[0][0], 2, 2, 2), pred));
    for (int i = 0; i < 2; i++)
        assert_int_equal(pred[i], pbuf[i * 4 + 1] > pbuf[i * 4 + 0] ? 1 : 0);
    nn_net_free(net);
}

/* Inference runs in chunks; the result must not depend on where they fall,
 * and evaluate must agree with forward + cross-entropy + argmax. */
static void test_chunked_inference(void **state)
{
    (void)state;
    arch a = {3, 2, {17, 9}, 4};
    nn_net *net = make_net(&a, NN_INIT_HE, 5);
    nn__rng r;
    nn__rng_seed(&r, 3);
    size_t n = 1000;
    nn_dataset d = {.x = {0}, .y = malloc(n * sizeof(int32_t)), .n_classes = 4};
    ts_ok(nn_mat_alloc(&d.x, n, 3));
    ts_fill_uniform(&r, d.x, -3, 3, 0);
    for (size_t i = 0; i < n; i++)
        d.y[i] = (int32_t)nn__rng_below(&r, 4);
    nn_mat all, one;
    ts_ok(nn_mat_alloc(&all, n, 4));
    ts_ok(nn_mat_alloc(&one, 1, 4));
    ts_ok(nn_net_forward(net, d.x, all));
    double loss = 0;
    size_t correct = 0;
    int32_t *pred = malloc(n * sizeof *pred);
    ts_ok(nn_net_predict(net, d.x, pred));
    for (size_t i = 0; i < n; i += 97) {
        ts_ok(nn_net_forward(net, nn_mat_rows(d.x, i, 1), one));
        for (size_t j = 0; j < 4; j++)
            assert_true(ts_close(one.data[j], all.data[i * 4 + j], 0, 1e-13));
    }
    for (size_t i = 0; i < n; i++) {
        const double *p = all.data + i * 4;
        double s = p[0] + p[1] + p[2] + p[3];
        assert_true(fabs(s - 1.0) < 1e-14);
        loss -= log(p[d.y[i]]);
        size_t best = 0;
        for (size_t j = 1; j < 4; j++)
            if (p[j] > p[best])
                best = j;
        assert_int_equal(pred[i], best);
        correct += (int32_t)best == d.y[i];
    }
    double acc, mean_loss;
    ts_ok(nn_net_evaluate(net, &d, &acc, &mean_loss));
    assert_true(ts_close(acc, (double)correct / (double)n, 0, 1e-15));
    assert_true(ts_close(mean_loss, loss / (double)n, 0, 1e-12));
    ts_ok(nn_net_evaluate(net, &d, NULL, NULL));
    free(pred);
    nn_mat_free(&all);
    nn_mat_free(&one);
    nn_mat_free(&d.x);
    free(d.y);
    nn_net_free(net);
}

static double mean_of(const double *p, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s / (double)n;
}

static double sd_of(const double *p, size_t n)
{
    double m = mean_of(p, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (p[i] - m) * (p[i] - m);
    return sqrt(s / (double)n);
}

static void test_init_schemes(void **state)
{
    (void)state;
    arch a = {400, 1, {300}, 10};
    nn_net *he = make_net(&a, NN_INIT_HE, 1);
    nn_mat w = nn_net_weights(he, 0);
    assert_true(fabs(sd_of(w.data, 400 * 300) / sqrt(2.0 / 400) - 1) < 0.02);
    assert_true(fabs(mean_of(w.data, 400 * 300)) < 0.01 * sqrt(2.0 / 400) * 10);
    assert_true(nn_net_bias(he, 0).data[0] == 0.0);

    nn_net *nrm = make_net(&a, NN_INIT_NORMAL, 1);
    assert_true(fabs(sd_of(nn_net_weights(nrm, 0).data, 400 * 300) - 1) < 0.02);
    assert_true(fabs(sd_of(nn_net_bias(nrm, 0).data, 300) - 1) < 0.2);

    nn_net *xav = make_net(&a, NN_INIT_XAVIER, 1);
    w = nn_net_weights(xav, 0);
    double lim = sqrt(6.0 / 700);
    for (size_t i = 0; i < 400 * 300; i++)
        assert_true(fabs(w.data[i]) <= lim);

    /* Orthogonal: the hidden layer is tall (400 x 300): WᵀW = 2 I (ReLU gain
     * sqrt 2); the output layer is 300 x 10, also tall, gain 1: WᵀW = I. */
    arch b = {40, 2, {30, 50}, 3};
    nn_net *ort = make_net(&b, NN_INIT_ORTHOGONAL, 9);
    for (size_t l = 0; l < 3; l++) {
        w = nn_net_weights(ort, l);
        double gain2 = l < 2 ? 2.0 : 1.0;
        int tall = w.rows >= w.cols;
        size_t k = tall ? w.cols : w.rows;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double s = 0;
                size_t len = tall ? w.rows : w.cols;
                for (size_t p = 0; p < len; p++)
                    s += tall ? w.data[p * w.ld + i] * w.data[p * w.ld + j]
                              : w.data[i * w.ld + p] * w.data[j * w.ld + p];
                assert_true(fabs(s - (i == j ? gain2 : 0.0)) < 1e-12);
            }
    }
    /* Same seed, same net; another seed, another net. */
    nn_net *he2 = make_net(&a, NN_INIT_HE, 1), *he3 = make_net(&a, NN_INIT_HE, 2);
    assert_memory_equal(nn_net_weights(he2, 1).data, nn_net_weights(he, 1).data,
                        300 * 10 * sizeof(double));
    assert_true(nn_net_weights(he3, 0).data[0] != nn_net_weights(he, 0).data[0]);
    nn_net_free(he);
    nn_net_free(he2);
    nn_net_free(he3);
    nn_net_free(nrm);
    nn_net_free(xav);
    nn_net_free(ort);
}

static void test_accessors_and_clone(void **state)
{
    (void)state;
    arch a = {3, 2, {4, 5}, 6};
    nn_net *net = make_net(&a, NN_INIT_HE, 1);
    assert_int_equal(nn_net_n_layers(net), 3);
    assert_int_equal(nn_net_n_inputs(net), 3);
    assert_int_equal(nn_net_n_classes(net), 6);
    assert_int_equal(nn_net_n_params(net), 3 * 4 + 4 + 4 * 5 + 5 + 5 * 6 + 6);
    nn_mat w = nn_net_weights(net, 1);
    assert_true(w.rows == 4 && w.cols == 5 && w.ld >= 5);
    nn_mat b = nn_net_bias(net, 2);
    assert_true(b.rows == 1 && b.cols == 6);
    assert_null(nn_net_weights(net, 3).data);
    assert_null(nn_net_bias_grad(net, 99).data);
    assert_null(nn_net_weights(NULL, 0).data);
    assert_int_equal(nn_net_n_layers(NULL), 0);
    nn_net *copy;
    ts_ok(nn_net_clone(&copy, net));
    assert_memory_equal(nn_net_weights(copy, 1).data, w.data, 20 * sizeof(double));
    assert_true(nn_net_weights(copy, 1).data != w.data);
    nn_net_free(copy);
    nn_net_free(net);
    nn_net_free(NULL);
}

/* The small gemm, every compiled variant, against the naive loop on odd
 * shapes (including its k = 2 and n = 2 specialisations, and every tile
 * and tail of the blocked kernels: rows 1-3 past a multiple of 4, columns
 * past a multiple of 4, 8 and 16), all four transpose combinations,
 * padded ld. The SIMD variants give the portable loops' sums bit for bit
 * on the products they block (op(A) B), up to FMA contraction. The
 * AVX-512 build's tiles run here on any machine, emulated. */
static void test_gemm_small_variants(void **state)
{
    (void)state;
    const char *paths[] = {"scalar", "avx2", "avx512"};
    const size_t shapes[][3] = {{1, 1, 1},  {10, 64, 2}, {10, 2, 64}, {64, 2, 10}, {2, 64, 10},
                                {7, 13, 5}, {3, 2, 9},   {5, 17, 2},  {33, 31, 3},
                                {9, 37, 70}, {130, 23, 41}, {6, 8, 1}, {4, 16, 3},
                                {2, 1, 300}, {17, 64, 64}, {64, 15, 128},
                                {19, 2, 1}, {40, 3, 2}, {17, 1, 3}};
    nn__rng r;
    nn__rng_seed(&r, 21);
    static double scratch[NN__GEMM_SCRATCH];
    for (size_t q = 0; q < 4; q++) {
        /* q = 3: the AVX-512 build's tiles, emulated (support/gemm_vw8.c) */
        if (q < 3 && !nn__kernels_by_name(paths[q]))
            continue; /* this CPU cannot run that path */
        nn__gemm_small_fn f = q < 3 ? nn__kernels_by_name(paths[q])->gemm_small : ts_gemm_small_vw8;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int ta = 0; ta < 2; ta++)
                for (int tb = 0; tb < 2; tb++) {
                    size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                    size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
                    nn_mat a, b, c, d;
                    ts_ok(nn_mat_alloc(&a, ar, ac + 1));
                    ts_ok(nn_mat_alloc(&b, br, bc + 2));
                    ts_ok(nn_mat_alloc(&c, m, n + 3));
                    ts_ok(nn_mat_alloc(&d, m, n));
                    a.cols = ac;
                    b.cols = bc;
                    c.cols = n;
                    ts_fill_uniform(&r, a, -1, 1, NAN);
                    ts_fill_uniform(&r, b, -1, 1, NAN);
                    ts_fill_uniform(&r, c, 5, 6, 77.0);
                    /* With scratch (the transposed-copy paths) and without. */
                    for (int with = 0; with < 2; with++) {
                        f(ta, tb, m, n, k, a.data, a.ld, b.data, b.ld, c.data, c.ld,
                          with ? scratch : NULL);
                        ts_naive_gemm(ta, tb, 1.0, a, b, 0.0, d);
                        assert_true(ts_max_err(c, d, 1e-14, 1e-13) <= 1.0);
                    }
                    for (size_t i = 0; i + 1 < m; i++) /* the last row has no padding fill */
                        for (size_t j = n; j < n + 3; j++)
                            assert_true(c.data[i * c.ld + j] == 77.0);
                    nn_mat_free(&a);
                    nn_mat_free(&b);
                    nn_mat_free(&c);
                    nn_mat_free(&d);
                }
    }
}

/* Gradients of the two nets on the same n rows agree to 1e-12 relative
 * (loss, every dW and db). */
static void assert_same_gradients(nn_net *p, nn_net *q, size_t in, size_t classes, size_t n,
                                  nn__rng *r)
{
    nn_mat x;
    ts_ok(nn_mat_alloc(&x, n, in));
    ts_fill_uniform(r, x, -2, 2, 0);
    int32_t *y = malloc(n * sizeof *y);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)nn__rng_below(r, classes);
    double lp, lq;
    ts_ok(nn_net_gradients(p, x, y, &lp));
    ts_ok(nn_net_gradients(q, x, y, &lq));
    assert_true(ts_close(lp, lq, 0, 1e-12));
    for (size_t l = 0; l < nn_net_n_layers(p); l++) {
        assert_true(ts_max_err(nn_net_weight_grad(p, l), nn_net_weight_grad(q, l), 1e-15,
                               1e-12) <= 1.0);
        assert_true(ts_max_err(nn_net_bias_grad(p, l), nn_net_bias_grad(q, l), 1e-15, 1e-12) <=
                    1.0);
    }
    free(y);
    nn_mat_free(&x);
}

/* The net's gradients through the small gemm (forced) equal those through
 * cblas_dgemm (forced) to rounding, on the tutorial's shapes and deeper
 * nets, for batch sizes on both sides of every size rule. */
static void test_small_gemm_path_matches_blas(void **state)
{
    (void)state;
    const arch archs[] = {{2, 1, {64}, 2}, {3, 2, {9, 7}, 4}, {20, 2, {33, 17}, 5}};
    const size_t rows[] = {1, 10, 37};
    nn__rng r;
    nn__rng_seed(&r, 22);
    for (size_t t = 0; t < 3; t++) {
        nn_net *small = make_net(&archs[t], NN_INIT_HE, 1),
               *blas = make_net(&archs[t], NN_INIT_HE, 1);
        ts_ok(nn_net_set_gemm_path(small, NN_GEMM_PATH_SMALL));
        ts_ok(nn_net_set_gemm_path(blas, NN_GEMM_PATH_BLAS));
        for (size_t b = 0; b < 3; b++) {
            for (size_t l = 0; l < nn_net_n_layers(small); l++)
                for (int q = 0; q < NN__GEMM_KINDS; q++) {
                    assert_true(nn__net_gemm_is_small(small, l, q, rows[b]));
                    assert_false(nn__net_gemm_is_small(blas, l, q, rows[b]));
                }
            assert_same_gradients(small, blas, archs[t].in, archs[t].classes, rows[b], &r);
        }
        nn_net_free(small);
        nn_net_free(blas);
    }
}

/* Under auto, the plan times each product of a step for the planned row
 * counts (in the net's workspace, reserved first, as fit does) and sends
 * it to the faster path; whatever it picks, gradients
 * equal the cblas path's to 1e-12 relative. The plan covers every product
 * (3 per layer but the first, 2 for the first; repeated shapes once), on
 * both row counts, keeps its decisions when planned again for the same row
 * counts, and is replaced for others. */
static void test_auto_plan_matches_blas(void **state)
{
    (void)state;
    const arch archs[] = {{2, 1, {64}, 2}, {2, 1, {16}, 2}, {20, 2, {33, 33}, 5},
                          {784, 1, {64}, 10}};
    const size_t plans[][2] = {{10, 5}, {1, 0}, {32, 6}, {128, 38}};
    nn__rng r;
    nn__rng_seed(&r, 23);
    for (size_t t = 0; t < 4; t++) {
        nn_net *net = make_net(&archs[t], NN_INIT_HE, 2);
        nn_net *blas = make_net(&archs[t], NN_INIT_HE, 2);
        ts_ok(nn_net_set_gemm_path(net, NN_GEMM_PATH_AUTO));
        ts_ok(nn_net_set_gemm_path(blas, NN_GEMM_PATH_BLAS));
        size_t L = nn_net_n_layers(net);
        for (size_t p = 0; p < 4; p++) {
            ts_ok(nn__net_reserve(net, plans[p][0])); /* timing runs in the workspace */
            nn_gemm_plan_info info;
            /* The smallest shapes fit the budget, unless the machine stalls
             * the whole of it: then plan afresh, a few times. */
            for (int tries = 0; tries < 5; tries++) {
                ts_ok(nn_net_set_gemm_path(net, NN_GEMM_PATH_AUTO)); /* drops the plan */
                nn__net_plan_gemms(net, plans[p], 2);
                ts_ok(nn_net_gemm_plan_info(net, &info));
                if (info.n_timed > 0)
                    break;
            }
            assert_true(info.n_timed >= 1);
            size_t per_rows = 3 * L - 1, shapes = info.n_small + info.n_blas;
            size_t n_rows = plans[p][1] ? 2 : 1;
            /* Layers of equal width repeat a shape (33-33: dW and fwd). */
            assert_true(shapes <= n_rows * per_rows && shapes >= n_rows * (per_rows - 1));
            assert_true(info.n_timed <= shapes);
            assert_true(info.seconds >= 0.0 && info.seconds < 1.0);
            for (size_t k = 0; k < n_rows; k++)
                assert_same_gradients(net, blas, archs[t].in, archs[t].classes, plans[p][k], &r);
            /* Planned again: the same decisions, nothing timed. */
            unsigned char before[sizeof net->gemm_plan.small];
            memcpy(before, net->gemm_plan.small, sizeof before);
            nn__net_plan_gemms(net, plans[p], 2);
            ts_ok(nn_net_gemm_plan_info(net, &info));
            assert_int_equal(info.n_timed, 0);
            assert_int_equal(info.n_small + info.n_blas, shapes);
            assert_memory_equal(net->gemm_plan.small, before, sizeof before);
        }
        nn_net_free(net);
        nn_net_free(blas);
    }
}

/* Whatever the plan says is what runs: a plan with every product on the
 * small gemm, or alternating, gives the small path's gradients (to
 * rounding), and the gradients stay within 1e-12 of cblas's. */
static void test_plan_is_followed(void **state)
{
    (void)state;
    const arch a = {5, 2, {12, 7}, 3};
    nn__rng r;
    nn__rng_seed(&r, 24);
    nn_net *net = make_net(&a, NN_INIT_HE, 3), *blas = make_net(&a, NN_INIT_HE, 3);
    ts_ok(nn_net_set_gemm_path(blas, NN_GEMM_PATH_BLAS));
    const size_t rows[2] = {9, 4};
    nn__net_plan_gemms(net, rows, 2);
    for (int pattern = 0; pattern < 3; pattern++) {
        for (size_t s = 0; s < 2; s++)
            for (size_t l = 0; l < 3; l++)
                for (int q = 0; q < NN__GEMM_KINDS; q++)
                    net->gemm_plan.small[s][l][q] = (unsigned char)(
                        pattern == 0 ? 1 : pattern == 1 ? 0 : (l + (size_t)q + s) & 1);
        for (size_t s = 0; s < 2; s++)
            for (size_t l = 0; l < 3; l++)
                for (int q = 0; q < NN__GEMM_KINDS; q++)
                    assert_int_equal(nn__net_gemm_is_small(net, l, q, rows[s]),
                                     net->gemm_plan.small[s][l][q]);
        assert_same_gradients(net, blas, a.in, a.classes, rows[pattern & 1], &r);
    }
    nn_net_free(net);
    nn_net_free(blas);
}

/* NN_GEMM picks a new net's path; nn_net_set_gemm_path overrides it and
 * drops the plan; a forced path plans by its rule without timing; clones
 * keep the path and the plan; a bad NN_GEMM fails creation. */
static void test_gemm_path_choice(void **state)
{
    (void)state;
    const arch a = {2, 1, {64}, 2};
    const size_t rows[2] = {32, 6};
    const char *saved = getenv("NN_GEMM");
    char keep[32] = "";
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    const char *names[] = {"auto", "small", "blas", ""};
    const nn_gemm_path want[] = {NN_GEMM_PATH_AUTO, NN_GEMM_PATH_SMALL, NN_GEMM_PATH_BLAS,
                                 NN_GEMM_PATH_AUTO};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(setenv("NN_GEMM", names[i], 1), 0);
        nn_net *net = make_net(&a, NN_INIT_HE, 1);
        assert_int_equal(nn_net_gemm_path(net), want[i]);
        nn_gemm_plan_info info;
        ts_ok(nn_net_gemm_plan_info(net, &info));
        assert_int_equal(info.n_small + info.n_blas, 0);
        nn__net_plan_gemms(net, rows, 2);
        ts_ok(nn_net_gemm_plan_info(net, &info));
        assert_int_equal(info.n_small + info.n_blas, 10); /* 5 products x 2 row counts */
        if (want[i] == NN_GEMM_PATH_SMALL)
            assert_true(info.n_small == 10 && info.n_timed == 0);
        if (want[i] == NN_GEMM_PATH_BLAS)
            assert_true(info.n_blas == 10 && info.n_timed == 0);
        /* Every product of a step is in the plan, on the forced path. */
        for (size_t k = 0; k < 2 && want[i] != NN_GEMM_PATH_AUTO; k++)
            for (size_t l = 0; l < 2; l++)
                for (int q = 0; q < NN__GEMM_KINDS; q++)
                    if (l > 0 || q != NN__GEMM_DA) {
                        assert_int_equal(net->gemm_plan.rows[k], rows[k]);
                        assert_int_equal(net->gemm_plan.small[k][l][q],
                                         want[i] == NN_GEMM_PATH_SMALL);
                    }
        nn_net *copy;
        ts_ok(nn_net_clone(&copy, net));
        assert_int_equal(nn_net_gemm_path(copy), want[i]);
        assert_memory_equal(&copy->gemm_plan, &net->gemm_plan, sizeof net->gemm_plan);
        nn_net_free(copy);
        ts_ok(nn_net_set_gemm_path(net, NN_GEMM_PATH_BLAS));
        assert_int_equal(nn_net_gemm_path(net), NN_GEMM_PATH_BLAS);
        ts_ok(nn_net_gemm_plan_info(net, &info));
        assert_int_equal(info.n_small + info.n_blas, 0);
        nn_net_free(net);
    }
    assert_int_equal(setenv("NN_GEMM", "fast", 1), 0);
    nn_net *net = NULL;
    size_t hidden[1] = {4};
    nn_net_config cfg = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 1, .hidden = hidden};
    assert_int_equal(nn_net_create(&net, &cfg), NN_EINVAL);
    assert_null(net);
    assert_non_null(strstr(nn_last_error(), "NN_GEMM"));
    if (saved)
        setenv("NN_GEMM", keep, 1);
    else
        unsetenv("NN_GEMM");
    ts_ok(nn_net_create(&net, &cfg));
    assert_int_equal(nn_net_set_gemm_path(NULL, NN_GEMM_PATH_BLAS), NN_EINVAL);
    assert_int_equal(nn_net_set_gemm_path(net, (nn_gemm_path)7), NN_EINVAL);
    assert_int_equal(nn_net_gemm_path(NULL), NN_GEMM_PATH_AUTO);
    assert_int_equal(nn_net_gemm_plan_info(net, NULL), NN_EINVAL);
    assert_null(nn_gemm_path_name((nn_gemm_path)7));
    assert_string_equal(nn_gemm_path_name(NN_GEMM_PATH_SMALL), "small");
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_check),
        cmocka_unit_test(test_forward_by_hand),
        cmocka_unit_test(test_chunked_inference),
        cmocka_unit_test(test_init_schemes),
        cmocka_unit_test(test_accessors_and_clone),
        cmocka_unit_test(test_gemm_small_variants),
        cmocka_unit_test(test_small_gemm_path_matches_blas),
        cmocka_unit_test(test_auto_plan_matches_blas),
        cmocka_unit_test(test_plan_is_followed),
        cmocka_unit_test(test_gemm_path_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
