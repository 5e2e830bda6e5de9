/* Single precision (NN_F32) nets: the float references against the double
 * ones, the F32 analytic gradient against the F64 one on the same
 * parameters for every activation x task x depth, bit-reproducible fits,
 * conversion and save/load round trips, and the API's dtype rules. */
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "kernels/ref.h"

/* ---- helpers -------------------------------------------------------------- */

static nn_net *make(size_t in, size_t depth, nn_activation act, size_t out, nn_task task,
                    nn_dtype dtype, uint64_t seed)
{
    size_t hidden[3] = {7, 5, 6};
    nn_activation acts[3] = {act, act, act};
    nn_net_config c = {.n_inputs = in,
                       .n_classes = out,
                       .n_hidden_layers = depth - 1,
                       .hidden = hidden,
                       .init = NN_INIT_XAVIER,
                       .seed = seed,
                       .activations = acts,
                       .task = task,
                       .dtype = dtype};
    nn_net *net = NULL;
    ts_ok(nn_net_create(&net, &c));
    return net;
}

/* Rows x in features in [-1, 1), and labels or targets of the task. */
typedef struct batch {
    nn_mat x, t;
    int32_t *y;
} batch;

static batch make_batch(size_t rows, size_t in, size_t out, nn_task task, uint64_t seed)
{
    batch b = {0};
    nn__rng r;
    nn__rng_seed(&r, seed);
    ts_ok(nn_mat_alloc(&b.x, rows, in));
    ts_fill_uniform(&r, b.x, -1.0, 1.0, 0.0);
    if (task == NN_TASK_CLASSIFY) {
        b.y = malloc(rows * sizeof *b.y);
        for (size_t i = 0; i < rows; i++)
            b.y[i] = (int32_t)nn__rng_below(&r, out);
        return b;
    }
    ts_ok(nn_mat_alloc(&b.t, rows, out));
    for (size_t i = 0; i < rows * out; i++)
        b.t.data[i] = task == NN_TASK_MULTILABEL ? (double)nn__rng_below(&r, 2)
                                                 : 2.0 * nn__rng_uniform(&r) - 1.0;
    return b;
}

static void free_batch(batch *b)
{
    nn_mat_free(&b->x);
    nn_mat_free(&b->t);
    free(b->y);
}

static nn_status grads(nn_net *net, const batch *b, double *loss)
{
    if (nn_net_task(net) == NN_TASK_CLASSIFY)
        return nn_net_gradients(net, b->x, b->y, loss);
    return nn_net_gradients_targets(net, b->x, b->t, loss);
}

/* ---- kernels: the float references against the double ones ---------------------- */

/* Each float reference, on inputs rounded to float, against the double
 * reference on the same (rounded) inputs: relative error within a few
 * float ulps (FLT_EPSILON = 2^-23), as float arithmetic gives. */
static void test_float_refs_match_double(void **state)
{
    (void)state;
    enum { R = 9, C = 13 };
    nn__rng r;
    nn__rng_seed(&r, 5);
    double zd[R * C], bd[C], gd[R * C], ad[R * C];
    float zf[R * C], bf[C], gf[R * C], af[R * C];
    for (size_t i = 0; i < R * C; i++) {
        zf[i] = (float)(8.0 * nn__rng_uniform(&r) - 4.0);
        gf[i] = (float)(2.0 * nn__rng_uniform(&r) - 1.0);
        zd[i] = zf[i];
        gd[i] = gf[i];
    }
    for (size_t j = 0; j < C; j++) {
        bf[j] = (float)(nn__rng_uniform(&r) - 0.5);
        bd[j] = bf[j];
    }
    const double tol = 8 * FLT_EPSILON;
    for (int a = 0; a < NN__N_ACT; a++) {
        double zd2[R * C];
        float zf2[R * C];
        memcpy(zd2, zd, sizeof zd);
        memcpy(zf2, zf, sizeof zf);
        nn__kernels_scalar.act_forward[a](zd2, C, ad, C, R, C, bd, 0.1);
        nn__kernels_scalar_f32.act_forward[a](zf2, C, af, C, R, C, bf, 0.1);
        for (size_t i = 0; i < R * C; i++)
            assert_true(ts_close(af[i], ad[i], 1e-7, tol));
        double g2[R * C];
        float gf2[R * C];
        memcpy(g2, gd, sizeof gd);
        memcpy(gf2, gf, sizeof gf);
        for (size_t i = 0; i < R * C; i++)
            ad[i] = af[i]; /* the same forward output for both */
        nn__kernels_scalar.act_backward[a](g2, C, ad, C, zd2, C, R, C, 0.1);
        nn__kernels_scalar_f32.act_backward[a](gf2, C, af, C, zf2, C, R, C, 0.1);
        for (size_t i = 0; i < R * C; i++)
            assert_true(ts_close(gf2[i], g2[i], 1e-6, 16 * FLT_EPSILON));
    }
    /* Softmax + cross-entropy, fused, and its loss. */
    int32_t y[R];
    for (size_t i = 0; i < R; i++)
        y[i] = (int32_t)nn__rng_below(&r, C);
    double zd3[R * C];
    float zf3[R * C];
    memcpy(zd3, zd, sizeof zd);
    memcpy(zf3, zf, sizeof zf);
    double ld = nn__kernels_scalar.bias_softmax_xent(zd3, R, C, C, bd, y, 1.0 / R);
    double lf = nn__kernels_scalar_f32.bias_softmax_xent(zf3, R, C, C, bf, y, 1.0 / R);
    assert_true(ts_close(lf, ld, 0.0, tol));
    for (size_t i = 0; i < R * C; i++)
        assert_true(ts_close(zf3[i], zd3[i], 1e-7, tol));
    /* BCE and MSE. */
    double t[R * C];
    float tf[R * C];
    for (size_t i = 0; i < R * C; i++)
        tf[i] = (float)(t[i] = (double)nn__rng_below(&r, 2));
    for (int k = 0; k < 2; k++) {
        memcpy(zd3, zd, sizeof zd);
        memcpy(zf3, zf, sizeof zf);
        double l64 = k ? nn__kernels_scalar.bias_mse(zd3, R, C, C, bd, t, C, 0.5)
                       : nn__kernels_scalar.bias_sigmoid_bce(zd3, R, C, C, bd, t, C, 0.5);
        double l32 = k ? nn__kernels_scalar_f32.bias_mse(zf3, R, C, C, bf, tf, C, 0.5)
                       : nn__kernels_scalar_f32.bias_sigmoid_bce(zf3, R, C, C, bf, tf, C, 0.5);
        assert_true(ts_close(l32, l64, 0.0, tol));
        for (size_t i = 0; i < R * C; i++)
            assert_true(ts_close(zf3[i], zd3[i], 1e-7, tol));
    }
}

/* ---- gradients: F32 against F64 on the same parameters ------------------------ */

/* For every activation x task x depth 1-3: an F64 net, its F32 conversion
 * (the parameters rounded to float), and the F64 net converted back from
 * that (so both hold the same, float-exact, parameters). The F32 gradient
 * equals the F64 one to 1e-4 relative to the gradient's largest element,
 * and the losses agree likewise. */
static void test_gradient_f32_vs_f64(void **state)
{
    (void)state;
    const nn_task tasks[] = {NN_TASK_CLASSIFY, NN_TASK_MULTILABEL, NN_TASK_REGRESS};
    for (int a = 0; a < NN__N_ACT; a++)
        for (int k = 0; k < 3; k++)
            for (size_t depth = 1; depth <= 3; depth++) {
                size_t out = tasks[k] == NN_TASK_CLASSIFY ? 4 : 3;
                nn_net *src = make(5, depth, (nn_activation)a, out, tasks[k], NN_F64, 11);
                nn_net *f32 = NULL, *f64 = NULL;
                ts_ok(nn_net_convert(&f32, src, NN_F32));
                ts_ok(nn_net_convert(&f64, f32, NN_F64));
                assert_int_equal(nn_net_dtype(f32), NN_F32);
                assert_int_equal(nn_net_dtype(f64), NN_F64);
                batch b = make_batch(17, 5, out, tasks[k], 3 + (uint64_t)a);
                double l64, l32;
                ts_ok(grads(f64, &b, &l64));
                ts_ok(grads(f32, &b, &l32));
                assert_true(ts_close(l32, l64, 1e-6, 1e-4));
                for (size_t l = 0; l < depth; l++) {
                    nn_mat gw = nn_net_weight_grad(f64, l), gb = nn_net_bias_grad(f64, l);
                    nn_matf fw = nn_net_weight_grad_f32(f32, l), fb = nn_net_bias_grad_f32(f32, l);
                    assert_non_null(fw.data);
                    assert_int_equal(fw.rows, gw.rows);
                    assert_int_equal(fw.cols, gw.cols);
                    double big = 1e-12;
                    for (size_t i = 0; i < gw.rows * gw.cols; i++)
                        big = fmax(big, fabs(gw.data[i]));
                    for (size_t i = 0; i < gb.cols; i++)
                        big = fmax(big, fabs(gb.data[i]));
                    for (size_t i = 0; i < gw.rows * gw.cols; i++)
                        assert_true(fabs((double)fw.data[i] - gw.data[i]) <= 1e-4 * big);
                    for (size_t i = 0; i < gb.cols; i++)
                        assert_true(fabs((double)fb.data[i] - gb.data[i]) <= 1e-4 * big);
                }
                free_batch(&b);
                nn_net_free(src);
                nn_net_free(f32);
                nn_net_free(f64);
            }
}

/* ---- training ------------------------------------------------------------------ */

static nn_status fit(nn_net *net, nn_dataset *d, nn_optimizer o, size_t rows, size_t epochs)
{
    nn_train_options opt = nn_train_defaults();
    opt.optimizer = o;
    opt.learning_rate = o == NN_ADAM ? 0.01 : 0.1;
    opt.momentum = 0.9;
    opt.weight_decay = 1e-4;
    opt.batch_size = rows;
    opt.epochs = epochs;
    opt.seed = 9;
    return nn_net_fit(net, d, &opt);
}

/* The same seed and data give the same F32 net, bit for bit, for every
 * optimizer and GEMM path; and it learns (the loss falls). */
static void test_fit_reproducible(void **state)
{
    (void)state;
    nn_dataset d = {0};
    ts_ok(nn_make_moons(&d, 400, 0.1, 3));
    const nn_optimizer opts[] = {NN_SGD, NN_MOMENTUM, NN_ADAM};
    for (int o = 0; o < 3; o++)
        for (int path = 0; path < 3; path++) {
            nn_net *a = make(2, 2, NN_ACT_RELU, 2, NN_TASK_CLASSIFY, NN_F32, 4);
            nn_net *b = make(2, 2, NN_ACT_RELU, 2, NN_TASK_CLASSIFY, NN_F32, 4);
            double acc0, loss0, acc1, loss1;
            ts_ok(nn_net_evaluate(a, &d, &acc0, &loss0));
            ts_ok(nn_net_set_gemm_path(a, (nn_gemm_path)path));
            ts_ok(nn_net_set_gemm_path(b, (nn_gemm_path)path));
            ts_ok(fit(a, &d, opts[o], 16, 5));
            ts_ok(fit(b, &d, opts[o], 16, 5));
            for (size_t l = 0; l < 2; l++) {
                nn_matf wa = nn_net_weights_f32(a, l), wb = nn_net_weights_f32(b, l);
                assert_memory_equal(wa.data, wb.data, wa.rows * wa.cols * sizeof(float));
                nn_matf ba = nn_net_bias_f32(a, l), bb = nn_net_bias_f32(b, l);
                assert_memory_equal(ba.data, bb.data, ba.cols * sizeof(float));
            }
            ts_ok(nn_net_evaluate(a, &d, &acc1, &loss1));
            assert_true(loss1 < loss0);
            nn_net_free(a);
            nn_net_free(b);
        }
    nn_dataset_free(&d);
}

/* F32 and F64 nets from the same seed reach the same accuracy on moons
 * (within 2 points). */
static void test_fit_f32_close_to_f64(void **state)
{
    (void)state;
    nn_dataset d = {0};
    ts_ok(nn_make_moons(&d, 600, 0.1, 5));
    double acc[2];
    for (int t = 0; t < 2; t++) {
        nn_net *net = make(2, 3, NN_ACT_TANH, 2, NN_TASK_CLASSIFY, t ? NN_F32 : NN_F64, 8);
        ts_ok(fit(net, &d, NN_ADAM, 32, 100));
        ts_ok(nn_net_evaluate(net, &d, &acc[t], NULL));
        nn_net_free(net);
    }
    print_message("moons accuracy: F64 %.4f, F32 %.4f\n", acc[0], acc[1]);
    assert_true(acc[0] > 0.95);
    assert_true(fabs(acc[0] - acc[1]) <= 0.02);
    nn_dataset_free(&d);
}

/* ---- conversion, views, save and load ----------------------------------------- */

static void test_convert_and_views(void **state)
{
    (void)state;
    nn_net *src = make(3, 2, NN_ACT_GELU, 2, NN_TASK_CLASSIFY, NN_F64, 1);
    nn_net *f = NULL, *back = NULL;
    ts_assert_status(nn_net_convert(NULL, src, NN_F32), NN_EINVAL);
    ts_assert_status(nn_net_convert(&f, NULL, NN_F32), NN_EINVAL);
    ts_assert_status(nn_net_convert(&f, src, (nn_dtype)7), NN_EINVAL);
    assert_null(f);
    ts_ok(nn_net_convert(&f, src, NN_F32));
    ts_ok(nn_net_convert(&back, f, NN_F64));
    /* Views of the other type are empty; of its own, the net's. */
    assert_null(nn_net_weights(f, 0).data);
    assert_null(nn_net_weights_f32(src, 0).data);
    assert_null(nn_net_weights_f32(f, 2).data);
    assert_null(nn_net_weights_f32(NULL, 0).data);
    assert_int_equal(nn_net_dtype(NULL), NN_F64);
    for (size_t l = 0; l < 2; l++) {
        nn_mat w = nn_net_weights(src, l), w2 = nn_net_weights(back, l);
        nn_matf wf = nn_net_weights_f32(f, l);
        assert_int_equal(wf.rows, w.rows);
        for (size_t i = 0; i < w.rows * w.cols; i++) {
            assert_true(wf.data[i] == (float)w.data[i]); /* rounded to nearest */
            assert_true(w2.data[i] == (double)wf.data[i]); /* widened exactly */
        }
    }
    /* A double that does not fit in a float is refused. */
    nn_net_weights(src, 0).data[0] = 1e300;
    nn_net *g = NULL;
    ts_assert_status(nn_net_convert(&g, src, NN_F32), NN_ENUMERIC);
    assert_null(g);
    /* A config with an unknown dtype is refused. */
    nn_net_config c = {.n_inputs = 2, .n_classes = 2, .dtype = (nn_dtype)2};
    ts_assert_status(nn_net_create(&g, &c), NN_EINVAL);
    nn_net_free(src);
    nn_net_free(f);
    nn_net_free(back);
}

/* An F32 net saved and loaded is the same net (format version 3, float
 * parameters: half the bytes of the F64 file's parameters), and predicts
 * the same; an F64 net still writes version 2. */
static void test_save_load(void **state)
{
    (void)state;
    char path[] = "/tmp/nn_f32_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    nn_net *f64 = make(4, 3, NN_ACT_SIGMOID, 3, NN_TASK_REGRESS, NN_F64, 2);
    nn_net *f32 = NULL, *back = NULL;
    ts_ok(nn_net_convert(&f32, f64, NN_F32));
    ts_ok(nn_net_save(f64, path));
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char head[12];
    assert_int_equal(fread(head, 1, 12, fp), 12);
    fseek(fp, 0, SEEK_END);
    long size64 = ftell(fp);
    fclose(fp);
    assert_int_equal(head[8], 2);
    ts_ok(nn_net_save(f32, path));
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(head, 1, 12, fp), 12);
    fseek(fp, 0, SEEK_END);
    long size32 = ftell(fp);
    fclose(fp);
    assert_int_equal(head[8], 3);
    /* 4 more header bytes (the dtype), 4 fewer per parameter. */
    assert_int_equal(size64 - size32, (long)(4 * nn_net_n_params(f64)) - 4);
    ts_ok(nn_net_load(&back, path));
    assert_int_equal(nn_net_dtype(back), NN_F32);
    for (size_t l = 0; l < 3; l++) {
        nn_matf a = nn_net_weights_f32(f32, l), b = nn_net_weights_f32(back, l);
        assert_memory_equal(a.data, b.data, a.rows * a.cols * sizeof(float));
    }
    batch bt = make_batch(300, 4, 3, NN_TASK_REGRESS, 7);
    nn_mat pa, pb;
    ts_ok(nn_mat_alloc(&pa, 300, 3));
    ts_ok(nn_mat_alloc(&pb, 300, 3));
    ts_ok(nn_net_forward(f32, bt.x, pa));
    ts_ok(nn_net_forward(back, bt.x, pb));
    assert_memory_equal(pa.data, pb.data, 300 * 3 * sizeof(double));
    /* And close to the F64 net's outputs. */
    ts_ok(nn_net_forward(f64, bt.x, pb));
    assert_true(ts_max_err(pa, pb, 1e-5, 1e-4) <= 1.0);
    /* A NaN parameter is refused, as for F64. */
    nn_net_weights_f32(f32, 1).data[2] = NAN;
    ts_assert_status(nn_net_save(f32, path), NN_ENUMERIC);
    ts_assert_status(nn_net_forward(f32, bt.x, pa), NN_ENUMERIC);
    free_batch(&bt);
    nn_mat_free(&pa);
    nn_mat_free(&pb);
    nn_net_free(f64);
    nn_net_free(f32);
    nn_net_free(back);
    unlink(path);
}

/* Clone keeps the dtype and the parameters. */
static void test_clone(void **state)
{
    (void)state;
    nn_net *a = make(3, 2, NN_ACT_LEAKY_RELU, 2, NN_TASK_MULTILABEL, NN_F32, 6), *b = NULL;
    ts_ok(nn_net_clone(&b, a));
    assert_int_equal(nn_net_dtype(b), NN_F32);
    nn_matf wa = nn_net_weights_f32(a, 1), wb = nn_net_weights_f32(b, 1);
    assert_memory_equal(wa.data, wb.data, wa.rows * wa.cols * sizeof(float));
    nn_net_free(a);
    nn_net_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_refs_match_double),
        cmocka_unit_test(test_gradient_f32_vs_f64),
        cmocka_unit_test(test_fit_reproducible),
        cmocka_unit_test(test_fit_f32_close_to_f64),
        cmocka_unit_test(test_convert_and_views),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_clone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
