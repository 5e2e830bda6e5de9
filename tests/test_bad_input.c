/* The bad-input catalog: every public function given bad input returns the
 * exact status, says in nn_last_error() what went wrong, and leaves the
 * caller's objects as they were.
 *
 * Most cases are one line of CATALOG below:
 *     X(name, expected status, text nn_last_error() must contain, call)
 * The call runs on a fresh fixture F (a small net, input and output buffers
 * filled with sentinels, data sets, a fitted scaler, files to load); after
 * it, run_case checks the status, the message (non-empty, holding the text,
 * and new: the previous message is replaced by a marker first) and that every
 * byte of F.out, the net's parameters and the scaler are unchanged. Inputs a
 * case wants to vary live in F.in, which is not compared: a case tweaks a
 * copy there with a comma expression, e.g. (F.in.opt.epochs = 0, fit()).
 * Version 2 functions (tasks, activations, scalers and names on the net,
 * multi-label prediction, targets, shards, the new CSV options, NaN input)
 * are in the same table: a new function's refusals are a few more lines.
 * (test_data and test_train cover the data and training functions in more
 * depth; test_io the file handling.) */
#define NN_EXPERIMENTAL /* nn_net_fit_distributed */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static const size_t BIG = (size_t)INT_MAX + 1;
#define MARKER "<no message yet>"

/* ---- the fixture ----------------------------------------------------------- */

/* Everything a refused call must leave bit for bit as it was. */
typedef struct outputs {
    double x[12];      /* 4x3 input rows (the net takes 3 inputs) */
    double xnan[12];   /* the same with a NaN */
    double probs[8];   /* 4x2 probabilities / outputs */
    double w[6];       /* 3x2, a second gemm operand */
    double t[8];       /* 4x2 multilabel targets (0/1) */
    double t_half[8];  /* the same with a 0.5 */
    int32_t y[4];      /* valid labels for 2 classes */
    int32_t y_big[4];  /* a label of 2 */
    int32_t y_neg[4];  /* a label of -1 */
    int32_t pred[4];   /* predict output */
    double loss, acc;  /* scalar outputs */
    nn_net *net_out;   /* *out of create, clone, load */
    nn_mat mat_out;    /* nn_mat_alloc, nn_one_hot output */
    nn_dataset set_a, set_b; /* outputs of loaders and splits */
    nn_scaler scaler_out;    /* nn_scaler_fit output */
    nn_activation act_out;
    nn_task task_out;
} outputs;

/* Inputs a case may tweak (reset before every case, never compared). */
typedef struct inputs {
    nn_net_config cfg;
    size_t hidden[2];
    nn_train_options opt;
    nn_dataset ds; /* views of F.out.x and F.out.y, 2 classes */
    nn_dataset val;
    nn_csv_options csv;
    nn_activation acts[2];
    nn_scaler sc2;     /* a fitted scaler of 2 features */
    nn_scaler sc_zero; /* 3 features, one scale 0 */
    double sc_vals[6];
    const char *names[2];
} inputs;

static struct fixture {
    outputs out, saved;
    inputs in;
    nn_net *net;      /* 3 -> 5 -> 2, classify */
    nn_net *net_ml;   /* 3 -> 2, multilabel */
    nn_net *net_rg;   /* 3 -> 2, regression */
    double params[3][64];
    nn_scaler sc;     /* fitted on x */
    double sc_copy[6];
    char dir[64];     /* files for the loaders, made once */
} F;

/* A path in the fixture's directory (a few static buffers, so up to four
 * can be used in one expression). */
static const char *path(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", F.dir, name);
    return p;
}

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(path(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
    write_file(name, text, strlen(text));
}

static size_t copy_params(nn_net *net, double *to)
{
    size_t n = 0;
    for (size_t l = 0; l < nn_net_n_layers(net); l++) {
        nn_mat w = nn_net_weights(net, l), b = nn_net_bias(net, l);
        for (size_t i = 0; i < w.rows * w.cols; i++)
            to[n++] = w.data[i];
        for (size_t j = 0; j < b.cols; j++)
            to[n++] = b.data[j];
    }
    return n;
}

static void fixture_make(void)
{
    outputs *o = &F.out;
    memset(o, 0xA5, sizeof *o); /* sentinels everywhere, padding included */
    for (int i = 0; i < 12; i++)
        o->x[i] = o->xnan[i] = 0.25 * i - 1.0;
    o->xnan[7] = NAN;
    for (int i = 0; i < 8; i++)
        o->probs[i] = 0.5;
    for (int i = 0; i < 6; i++)
        o->w[i] = 1.0 / (i + 1);
    for (int i = 0; i < 8; i++)
        o->t[i] = o->t_half[i] = (double)(i % 3 == 0);
    o->t_half[5] = 0.5;
    int32_t y[4] = {0, 1, 1, 0}, y_big[4] = {0, 1, 2, 0}, y_neg[4] = {0, -1, 0, 1};
    memcpy(o->y, y, sizeof y);
    memcpy(o->y_big, y_big, sizeof y);
    memcpy(o->y_neg, y_neg, sizeof y);
    for (int i = 0; i < 4; i++)
        o->pred[i] = -99;
    o->loss = 42.0;
    o->acc = 43.0;
    o->net_out = (nn_net *)(uintptr_t)0x1234;
    o->act_out = (nn_activation)77;
    o->task_out = (nn_task)77;

    inputs *in = &F.in;
    memset(in, 0, sizeof *in);
    in->hidden[0] = 5;
    in->hidden[1] = 4;
    in->cfg = (nn_net_config){.n_inputs = 3, .n_classes = 2, .n_hidden_layers = 1,
                              .hidden = in->hidden, .init = NN_INIT_HE, .seed = 1};
    in->opt = nn_train_defaults();
    in->opt.epochs = 2;
    in->ds = (nn_dataset){.x = nn_mat_view(o->x, 4, 3, 3), .y = o->y, .n_classes = 2};
    in->val = in->ds;
    in->csv = nn_csv_defaults();
    in->acts[0] = in->acts[1] = NN_ACT_TANH;
    for (int i = 0; i < 6; i++)
        in->sc_vals[i] = i < 3 ? 0.5 : 2.0;
    in->sc2 = (nn_scaler){2, in->sc_vals, in->sc_vals + 3};
    in->sc_zero = (nn_scaler){3, in->sc_vals, in->sc_vals + 3};
    in->names[0] = "a";
    in->names[1] = "b";

    nn_net_config ml = {.n_inputs = 3, .n_classes = 2, .seed = 2, .task = NN_TASK_MULTILABEL};
    ts_ok(nn_net_create(&F.net, &in->cfg));
    ts_ok(nn_net_create(&F.net_ml, &ml));
    ml.task = NN_TASK_REGRESS;
    ts_ok(nn_net_create(&F.net_rg, &ml));
    assert_true(nn_net_n_params(F.net) <= 64);
    copy_params(F.net, F.params[0]);
    copy_params(F.net_ml, F.params[1]);
    copy_params(F.net_rg, F.params[2]);
    ts_ok(nn_scaler_fit(&F.sc, nn_mat_view(o->x, 4, 3, 3)));
    memcpy(F.sc_copy, F.sc.mean, 3 * sizeof(double));
    memcpy(F.sc_copy + 3, F.sc.scale, 3 * sizeof(double));
    F.saved = F.out;
}

/* Everything the caller owns is as fixture_make left it. */
static int fixture_unchanged(void)
{
    nn_net *nets[3] = {F.net, F.net_ml, F.net_rg};
    for (int k = 0; k < 3; k++) {
        double now[64];
        size_t n = copy_params(nets[k], now);
        if (memcmp(now, F.params[k], n * sizeof(double)) != 0 || nn_net_scaler(nets[k]) ||
            nn_net_target_scaler(nets[k]) || nn_net_class_name(nets[k], 0))
            return 0;
    }
    return memcmp(&F.out, &F.saved, sizeof F.out) == 0 && F.sc.n_features == 3 &&
           memcmp(F.sc.mean, F.sc_copy, 3 * sizeof(double)) == 0 &&
           memcmp(F.sc.scale, F.sc_copy + 3, 3 * sizeof(double)) == 0;
}

static void fixture_check(const char *name)
{
    if (!fixture_unchanged())
        fail_msg("%s: a refused call changed the caller's objects", name);
}

static void fixture_free(void)
{
    nn_net_free(F.net);
    nn_net_free(F.net_ml);
    nn_net_free(F.net_rg);
    F.net = F.net_ml = F.net_rg = NULL;
    nn_scaler_free(&F.sc);
}

/* A name of 5000 'x' (set_class_names allows 4096 bytes). */
static const char *long_name(void)
{
    static char name[5001];
    memset(name, 'x', 5000);
    return name;
}

/* Short names for the fixture, used by the catalog. */
#define O F.out
#define I F.in
#define X43 nn_mat_view(O.x, 4, 3, 3)   /* valid input for the net */
#define P42 nn_mat_view(O.probs, 4, 2, 2) /* valid output of the net */
#define W32 nn_mat_view(O.w, 3, 2, 2)
#define V(p, r, c, ld) nn_mat_view((p), (r), (c), (ld))
#define NET F.net
#define ML F.net_ml
#define RG F.net_rg
#define T42 nn_mat_view(O.t, 4, 2, 2)     /* valid multilabel targets */
#define XNAN nn_mat_view(O.xnan, 4, 3, 3) /* a NaN at [2][1] */
/* nn_net_fit on I.ds with option field set to value. */
#define FIT(field, value) (I.opt.field = (value), nn_net_fit(NET, &I.ds, &I.opt))
/* nn_net_create into O.net_out with config field set to value. */
#define CREATE(field, value) (I.cfg.field = (value), nn_net_create(&O.net_out, &I.cfg))
/* nn_load_csv of a fixture file into O.set_a with the options in I.csv. */
#define CSV(name) nn_load_csv(&O.set_a, path(name), &I.csv)
#define SPLIT(d, frac) nn_train_test_split((d), (frac), 1, &O.set_a, &O.set_b)
#define SPLIT_S(d, frac) nn_train_test_split_stratified((d), (frac), 1, &O.set_a, &O.set_b)
/* I.ds with targets T42 instead of labels. */
#define DS_T (I.ds.y = NULL, I.ds.t = T42, &I.ds)

/* ---- the catalog ------------------------------------------------------------ */

#define CATALOG(X)                                                                                 \
    /* matrix */                                                                                   \
    X(mat_alloc_null, NN_EINVAL, "m is NULL", nn_mat_alloc(NULL, 2, 2))                            \
    X(mat_alloc_zero_rows, NN_EINVAL, "zero size (0x3)", nn_mat_alloc(&O.mat_out, 0, 3))           \
    X(mat_alloc_zero_cols, NN_EINVAL, "zero size (3x0)", nn_mat_alloc(&O.mat_out, 3, 0))           \
    X(mat_alloc_overflow, NN_ENOMEM, "overflows", nn_mat_alloc(&O.mat_out, SIZE_MAX / 2, 4))       \
    X(gemm_alpha_nan, NN_EINVAL, "alpha and beta must be finite",                                  \
      nn_gemm(false, false, NAN, X43, W32, 0, P42))                                                \
    X(gemm_beta_inf, NN_EINVAL, "must be finite",                                                  \
      nn_gemm(false, false, 1, X43, W32, INFINITY, P42))                                           \
    X(gemm_inner, NN_ESHAPE, "op(a) is 4x3 but op(b) is 2x3",                                      \
      nn_gemm(false, true, 1, X43, W32, 0, P42))                                                   \
    X(gemm_outer, NN_ESHAPE, "is 4x2 but c is 2x4",                                                \
      nn_gemm(false, false, 1, X43, W32, 0, V(O.probs, 2, 4, 4)))                                  \
    X(gemm_trans_a, NN_ESHAPE, "op(a) is 3x4", nn_gemm(true, false, 1, X43, W32, 0, P42))          \
    X(gemm_overlap, NN_EINVAL, "c overlaps", nn_gemm(false, false, 1, X43, W32, 0,                 \
                                                     V(O.x + 4, 4, 2, 2)))                         \
    X(gemm_b_null, NN_EINVAL, "b has no data", nn_gemm(false, false, 1, X43,                       \
                                                       V(NULL, 3, 2, 2), 0, P42))                  \
    X(gemm_c_ld, NN_EINVAL, "c has ld 1 < cols 2", nn_gemm(false, false, 1, X43, W32, 0,           \
                                                          V(O.probs, 4, 2, 1)))                    \
    X(gemm_a_int_max, NN_EINVAL, "above the BLAS limit",                                           \
      nn_gemm(false, false, 1, V(O.x, BIG, 3, 3), W32, 0, P42))                                    \
    X(gemm_span, NN_EINVAL, "spans more memory",                                                   \
      nn_gemm(false, false, 1, V(O.x, INT_MAX, 3, INT_MAX), W32, 0, P42))                          \
    /* kernels */                                                                                  \
    X(relu_null, NN_EINVAL, "nn_relu: x has no data", nn_relu(V(NULL, 4, 2, 2)))                   \
    X(relu_rows_out_of_range, NN_EINVAL, "no data", nn_relu(nn_mat_rows(P42, 3, 2)))               \
    X(relu_empty, NN_EINVAL, "x is empty (0x2)", nn_relu(nn_mat_rows(P42, 4, 0)))                  \
    X(relu_backward_shape, NN_ESHAPE, "grad is 4x2 but out is 2x4",                                \
      nn_relu_backward(P42, V(O.x, 2, 4, 4)))                                                      \
    X(relu_backward_out_ld, NN_EINVAL, "out has ld 1", nn_relu_backward(P42, V(O.x, 4, 2, 1)))     \
    X(softmax_ld, NN_EINVAL, "has ld 1 < cols 2", nn_softmax_rows(V(O.probs, 4, 2, 1)))            \
    X(softmax_big, NN_EINVAL, "BLAS limit", nn_softmax_rows(V(O.probs, 4, 2, BIG)))                \
    X(xent_labels_null, NN_EINVAL, "labels is NULL", nn_cross_entropy(P42, NULL, &O.loss))         \
    X(xent_loss_null, NN_EINVAL, "mean_loss is NULL", nn_cross_entropy(P42, O.y, NULL))            \
    X(xent_label_big, NN_EINVAL, "label 2 of row 2", nn_cross_entropy(P42, O.y_big, &O.loss))      \
    X(xent_label_neg, NN_EINVAL, "label -1 of row 1", nn_cross_entropy(P42, O.y_neg, &O.loss))     \
    X(xent_grad_scale_nan, NN_EINVAL, "scale is not finite", nn_softmax_xent_grad(P42, O.y, NAN))  \
    X(xent_grad_scale_inf, NN_EINVAL, "scale", nn_softmax_xent_grad(P42, O.y, -INFINITY))          \
    X(xent_grad_label, NN_EINVAL, "outside [0, 2)", nn_softmax_xent_grad(P42, O.y_big, 1.0))       \
    /* activations and tasks */                                                                    \
    X(act_parse_unknown, NN_EINVAL, "unknown activation 'swish'",                                  \
      nn_activation_parse("swish", &O.act_out))                                                    \
    X(act_parse_case, NN_EINVAL, "'ReLU'", nn_activation_parse("ReLU", &O.act_out))                \
    X(act_parse_empty, NN_EINVAL, "unknown activation ''", nn_activation_parse("", &O.act_out))    \
    X(act_parse_null_name, NN_EINVAL, "name is NULL", nn_activation_parse(NULL, &O.act_out))       \
    X(act_parse_null_out, NN_EINVAL, "out is NULL", nn_activation_parse("relu", NULL))             \
    X(task_parse_unknown, NN_EINVAL, "unknown task 'classification'",                              \
      nn_task_parse("classification", &O.task_out))                                                \
    X(task_parse_null_name, NN_EINVAL, "name is NULL", nn_task_parse(NULL, &O.task_out))           \
    X(task_parse_null_out, NN_EINVAL, "out is NULL", nn_task_parse("regress", NULL))               \
    /* data sets */                                                                                \
    X(moons_null, NN_EINVAL, "out is NULL", nn_make_moons(NULL, 10, 0.1, 1))                       \
    X(moons_one_sample, NN_EINVAL, "n_samples 1", nn_make_moons(&O.set_a, 1, 0.1, 1))              \
    X(moons_noise_neg, NN_EINVAL, "noise -0.1", nn_make_moons(&O.set_a, 10, -0.1, 1))              \
    X(moons_noise_nan, NN_EINVAL, "noise nan", nn_make_moons(&O.set_a, 10, NAN, 1))                \
    X(moons_noise_huge, NN_EINVAL, "noise 1e+308 is too large",                                    \
      nn_make_moons(&O.set_a, 10, 1e308, 1))                                                       \
    X(moons_noise_inf, NN_EINVAL, "noise inf", nn_make_moons(&O.set_a, 10, INFINITY, 1))           \
    X(split_null_all, NN_EINVAL, "data set is NULL", SPLIT(NULL, 0.25))                            \
    X(split_null_test, NN_EINVAL, "must not be NULL",                                              \
      nn_train_test_split(&I.ds, 0.25, 1, &O.set_a, NULL))                                         \
    X(split_same, NN_EINVAL, "same object",                                                        \
      nn_train_test_split(&I.ds, 0.25, 1, &O.set_a, &O.set_a))                                     \
    X(split_fraction_0, NN_EINVAL, "test_fraction 0 is outside", SPLIT(&I.ds, 0.0))                \
    X(split_fraction_1, NN_EINVAL, "test_fraction 1 is outside", SPLIT(&I.ds, 1.0))                \
    X(split_fraction_nan, NN_EINVAL, "test_fraction nan", SPLIT(&I.ds, NAN))                       \
    X(split_one_row, NN_EINVAL, "1 rows cannot be split", (I.ds.x.rows = 1, SPLIT(&I.ds, .5)))     \
    X(split_bad_label, NN_EINVAL, "row 2 has label 2", (I.ds.y = O.y_big, SPLIT(&I.ds, .5)))       \
    X(split_n_classes_0, NN_EINVAL, "n_classes 0", (I.ds.n_classes = 0, SPLIT(&I.ds, .5)))         \
    X(split_x_null, NN_EINVAL, "x has no data", (I.ds.x.data = NULL, SPLIT(&I.ds, .5)))            \
    X(split_x_ld, NN_EINVAL, "ld 2 < cols 3", (I.ds.x.ld = 2, SPLIT(&I.ds, .5)))                   \
    X(split_targets_rows, NN_ESHAPE, "4 rows of x but 3 of targets",                               \
      (I.ds.t = V(O.probs, 3, 2, 2), SPLIT(&I.ds, .5)))                                            \
    X(stratified_fraction, NN_EINVAL, "test_fraction 1.5", SPLIT_S(&I.ds, 1.5))                    \
    X(stratified_null, NN_EINVAL, "data set is NULL", SPLIT_S(NULL, 0.5))                          \
    X(stratified_no_pair, NN_EINVAL, "no class has two rows",                                      \
      (I.ds.x.rows = 2, SPLIT_S(&I.ds, 0.5)))                                                      \
    X(stratified_n_classes, NN_EINVAL, "n_classes 2147483648",                                     \
      (I.ds.n_classes = BIG, SPLIT_S(&I.ds, 0.5)))                                                 \
    X(one_hot_labels_null, NN_EINVAL, "labels is NULL", nn_one_hot(NULL, 4, 2, &O.mat_out))        \
    X(one_hot_out_null, NN_EINVAL, "out is NULL", nn_one_hot(O.y, 4, 2, NULL))                     \
    X(one_hot_zero_n, NN_EINVAL, "zero size (0 labels", nn_one_hot(O.y, 0, 2, &O.mat_out))         \
    X(one_hot_zero_classes, NN_EINVAL, "0 classes", nn_one_hot(O.y, 4, 0, &O.mat_out))             \
    X(one_hot_label, NN_EINVAL, "label 2 at 2", nn_one_hot(O.y_big, 4, 2, &O.mat_out))             \
    X(one_hot_label_neg, NN_EINVAL, "label -1 at 1", nn_one_hot(O.y_neg, 4, 2, &O.mat_out))        \
    /* scaler */                                                                                   \
    X(scaler_fit_null, NN_EINVAL, "s is NULL", nn_scaler_fit(NULL, X43))                           \
    X(scaler_fit_nan, NN_EINVAL, "x[2][1] is not finite",                                          \
      nn_scaler_fit(&O.scaler_out, V(O.xnan, 4, 3, 3)))                                            \
    X(scaler_fit_empty, NN_EINVAL, "is empty", nn_scaler_fit(&O.scaler_out, V(O.x, 0, 3, 3)))      \
    X(scaler_fit_ld, NN_EINVAL, "ld 2 < cols 3", nn_scaler_fit(&O.scaler_out, V(O.x, 4, 3, 2)))    \
    X(scaler_apply_null, NN_EINVAL, "the scaler is NULL", nn_scaler_apply(NULL, X43))              \
    X(scaler_apply_unfitted, NN_EINVAL, "not fitted",                                              \
      nn_scaler_apply(&(nn_scaler){0, NULL, NULL}, X43))                                           \
    X(scaler_apply_shape, NN_ESHAPE, "x has 2 columns, the scaler 3",                              \
      nn_scaler_apply(&F.sc, V(O.x, 6, 2, 2)))                                                     \
    X(scaler_apply_view, NN_EINVAL, "has no data", nn_scaler_apply(&F.sc, V(NULL, 4, 3, 3)))       \
    /* CSV */                                                                                      \
    X(csv_out_null, NN_EINVAL, "out is NULL", nn_load_csv(NULL, path("good.csv"), NULL))           \
    X(csv_path_null, NN_EINVAL, "path is NULL", nn_load_csv(&O.set_a, NULL, NULL))                 \
    X(csv_missing, NN_EIO, "missing.csv: cannot open", CSV("missing.csv"))                         \
    X(csv_directory, NN_EIO, "a_dir", CSV("a_dir"))                                                \
    X(csv_label_column, NN_EINVAL, "label_column -2", (I.csv.label_column = -2, CSV("good.csv")))  \
    X(csv_delimiter_dot, NN_EINVAL, "delimiter '.'", (I.csv.delimiter = '.', CSV("good.csv")))     \
    X(csv_delimiter_digit, NN_EINVAL, "delimiter '5'", (I.csv.delimiter = '5', CSV("good.csv")))   \
    X(csv_delimiter_newline, NN_EINVAL, "delimiter", (I.csv.delimiter = '\n', CSV("good.csv")))    \
    X(csv_ragged, NN_EFORMAT, "ragged.csv:2:", CSV("ragged.csv"))                                  \
    X(csv_not_number, NN_EFORMAT, "nan.csv:1:2: expected a number", CSV("nan.csv"))                \
    X(csv_label_range, NN_EFORMAT, "label.csv:2:3: a label must be an integer", CSV("label.csv"))  \
    X(csv_label_fraction, NN_EFORMAT, "half.csv:1:3: a label must be an integer", CSV("half.csv")) \
    X(csv_empty, NN_EFORMAT, "empty.csv:1:1: no data rows", CSV("empty.csv"))                      \
    X(csv_header_only, NN_EFORMAT, "no data rows", (I.csv.has_header = true, CSV("head.csv")))     \
    X(csv_one_column, NN_EFORMAT, "no feature column", CSV("one.csv"))                             \
    X(csv_label_column_past, NN_EFORMAT, "label_column 5 is out of range: rows have 3",            \
      (I.csv.label_column = 5, CSV("good.csv")))                                                   \
    X(csv_nul_byte, NN_EFORMAT, "binary content", CSV("nul.csv"))                                  \
    /* NumPy files */                                                                              \
    X(npy_out_null, NN_EINVAL, "nn_load_npy: out is NULL", nn_load_npy(NULL, path("good.csv")))    \
    X(npy_path_null, NN_EINVAL, "path is NULL", nn_load_npy(&O.mat_out, NULL))                     \
    X(npy_missing, NN_EIO, "missing.npy: cannot open",                                             \
      nn_load_npy(&O.mat_out, path("missing.npy")))                                                \
    X(npy_directory, NN_EIO, "a_dir: not a regular file",                                          \
      nn_load_npy_rows(&O.mat_out, path("a_dir"), 0, 1))                                           \
    X(npy_not_npy, NN_EFORMAT, "good.csv: not a .npy file",                                        \
      nn_load_npy(&O.mat_out, path("good.csv")))                                                   \
    X(npy_save_path_null, NN_EINVAL, "nn_save_npy: path is NULL", nn_save_npy(NULL, X43))          \
    X(npy_save_ld, NN_EINVAL, "ld 2 < cols 3", nn_save_npy(path("o.npy"), V(O.x, 4, 3, 2)))        \
    X(npy_save_nan, NN_ENUMERIC, "m[2, 1] is NaN", nn_save_npy(path("o.npy"), XNAN))               \
    X(npy_dataset_null, NN_EINVAL, "x_path is NULL",                                               \
      nn_load_npy_dataset(&O.set_a, NULL, path("y.npy"), NN_TASK_CLASSIFY))                        \
    X(npy_dataset_task, NN_EINVAL, "task 9 is out of range",                                       \
      nn_load_npy_dataset(&O.set_a, path("x.npy"), path("y.npy"), (nn_task)9))                     \
    /* net creation */                                                                             \
    X(create_out_null, NN_EINVAL, "out", nn_net_create(NULL, &I.cfg))                              \
    X(create_cfg_null, NN_EINVAL, "cfg", nn_net_create(&O.net_out, NULL))                          \
    X(create_inputs_0, NN_EINVAL, "n_inputs 0", CREATE(n_inputs, 0))                               \
    X(create_inputs_big, NN_EINVAL, "n_inputs 2147483648", CREATE(n_inputs, BIG))                  \
    X(create_classes_1, NN_EINVAL, "n_classes (outputs) 1 is not in", CREATE(n_classes, 1))        \
    X(create_classes_0, NN_EINVAL, "n_classes (outputs) 0", CREATE(n_classes, 0))                  \
    X(create_hidden_null, NN_EINVAL, "hidden is NULL", CREATE(hidden, NULL))                       \
    X(create_hidden_0, NN_EINVAL, "hidden[1] = 0", (I.hidden[1] = 0, CREATE(n_hidden_layers, 2)))  \
    X(create_hidden_big, NN_EINVAL, "hidden[0] = 2147483648",                                      \
      (I.hidden[0] = BIG, CREATE(seed, 2)))                                                        \
    X(create_layers, NN_EINVAL, "1000 hidden layers", CREATE(n_hidden_layers, 1000))               \
    X(create_init, NN_EINVAL, "unknown init 9", CREATE(init, (nn_init)9))                          \
    X(create_too_large, NN_ENOMEM, "is too large",                                                 \
      (I.hidden[0] = I.hidden[1] = INT_MAX, I.cfg.n_hidden_layers = 2, CREATE(n_inputs, INT_MAX))) \
    X(clone_out_null, NN_EINVAL, "out is NULL", nn_net_clone(NULL, NET))                           \
    X(clone_src_null, NN_EINVAL, "src is NULL", nn_net_clone(&O.net_out, NULL))                    \
    /* forward, predict, evaluate, gradients */                                                    \
    X(forward_net_null, NN_EINVAL, "net is NULL", nn_net_forward(NULL, X43, P42))                  \
    X(forward_x_cols, NN_ESHAPE, "x has 2 columns but the net takes 3",                            \
      nn_net_forward(NET, V(O.x, 4, 2, 3), P42))                                                   \
    X(forward_x_ld, NN_EINVAL, "x has ld 2 < cols 3", nn_net_forward(NET, V(O.x, 4, 3, 2), P42))   \
    X(forward_probs_rows, NN_ESHAPE, "probs is 3x2 but must be 4x2",                               \
      nn_net_forward(NET, X43, V(O.probs, 3, 2, 2)))                                               \
    X(forward_probs_cols, NN_ESHAPE, "probs is 2x3",                                               \
      nn_net_forward(NET, X43, V(O.probs, 2, 3, 3)))                                               \
    X(forward_probs_null, NN_EINVAL, "probs has no data",                                          \
      nn_net_forward(NET, X43, V(NULL, 4, 2, 2)))                                                  \
    X(predict_net_null, NN_EINVAL, "net is NULL", nn_net_predict(NULL, X43, O.pred))               \
    X(predict_labels_null, NN_EINVAL, "labels is NULL", nn_net_predict(NET, X43, NULL))            \
    X(predict_x_cols, NN_ESHAPE, "x has 4 columns", nn_net_predict(NET, V(O.x, 3, 4, 4), O.pred))  \
    X(predict_x_big, NN_EINVAL, "BLAS limit", nn_net_predict(NET, V(O.x, BIG, 3, 3), O.pred))      \
    X(evaluate_net_null, NN_EINVAL, "net is NULL", nn_net_evaluate(NULL, &I.ds, &O.acc, NULL))     \
    X(evaluate_d_null, NN_EINVAL, "d is NULL", nn_net_evaluate(NET, NULL, &O.acc, &O.loss))        \
    X(evaluate_no_labels, NN_EINVAL, "d has no labels",                                            \
      (I.ds.y = NULL, nn_net_evaluate(NET, &I.ds, &O.acc, &O.loss)))                               \
    X(evaluate_label, NN_EINVAL, "row 2 has label 2 outside [0, 2)",                               \
      (I.ds.y = O.y_big, nn_net_evaluate(NET, &I.ds, &O.acc, &O.loss)))                            \
    X(evaluate_features, NN_ESHAPE, "d has 2 features but the net takes 3",                        \
      (I.ds.x.cols = 2, nn_net_evaluate(NET, &I.ds, &O.acc, &O.loss)))                             \
    X(gradients_net_null, NN_EINVAL, "net is NULL", nn_net_gradients(NULL, X43, O.y, &O.loss))     \
    X(gradients_labels_null, NN_EINVAL, "labels is NULL",                                          \
      nn_net_gradients(NET, X43, NULL, &O.loss))                                                   \
    X(gradients_label_neg, NN_EINVAL, "row 1 has label -1",                                        \
      nn_net_gradients(NET, X43, O.y_neg, &O.loss))                                                \
    X(gradients_x_cols, NN_ESHAPE, "x has 2 columns",                                              \
      nn_net_gradients(NET, V(O.x, 4, 2, 2), O.y, &O.loss))                                        \
    /* training */                                                                                 \
    X(fit_net_null, NN_EINVAL, "net is NULL", nn_net_fit(NULL, &I.ds, &I.opt))                     \
    X(fit_train_null, NN_EINVAL, "train is NULL", nn_net_fit(NET, NULL, &I.opt))                   \
    X(fit_opt_null, NN_EINVAL, "opt is NULL", nn_net_fit(NET, &I.ds, NULL))                        \
    X(fit_epochs_0, NN_EINVAL, "epochs is 0", FIT(epochs, 0))                                      \
    X(fit_batch_0, NN_EINVAL, "batch_size 0", FIT(batch_size, 0))                                  \
    X(fit_batch_big, NN_EINVAL, "batch_size 2147483648", FIT(batch_size, BIG))                     \
    X(fit_optimizer, NN_EINVAL, "unknown optimizer 9", FIT(optimizer, (nn_optimizer)9))            \
    X(fit_lr_0, NN_EINVAL, "learning_rate 0", FIT(learning_rate, 0.0))                             \
    X(fit_lr_nan, NN_EINVAL, "learning_rate nan", FIT(learning_rate, NAN))                         \
    X(fit_lr_inf, NN_EINVAL, "learning_rate inf", FIT(learning_rate, INFINITY))                    \
    X(fit_decay_neg, NN_EINVAL, "weight_decay -1", FIT(weight_decay, -1.0))                        \
    X(fit_momentum_1, NN_EINVAL, "momentum 1 is not in [0, 1)",                                    \
      (I.opt.optimizer = NN_MOMENTUM, FIT(momentum, 1.0)))                                         \
    X(fit_beta1_1, NN_EINVAL, "beta1 1", FIT(beta1, 1.0))                                          \
    X(fit_beta2_neg, NN_EINVAL, "beta2 -0.5", FIT(beta2, -0.5))                                    \
    X(fit_epsilon_0, NN_EINVAL, "epsilon 0", FIT(epsilon, 0.0))                                    \
    X(fit_patience, NN_EINVAL, "patience 3 needs a validation set", FIT(patience, 3))              \
    X(fit_train_label, NN_EINVAL, "train row 2 has label 2", (I.ds.y = O.y_big, FIT(seed, 1)))     \
    X(fit_train_cols, NN_ESHAPE, "train has 2 features", (I.ds.x.cols = 2, FIT(seed, 1)))          \
    X(fit_val_cols, NN_ESHAPE, "validation has 2 features",                                        \
      (I.val.x.cols = 2, FIT(validation, &I.val)))                                                 \
    X(fit_val_labels, NN_EINVAL, "validation has no labels",                                       \
      (I.val.y = NULL, FIT(validation, &I.val)))                                                   \
    /* save and load */                                                                            \
    X(save_net_null, NN_EINVAL, "net is NULL", nn_net_save(NULL, path("x.model")))                 \
    X(save_path_null, NN_EINVAL, "path is NULL", nn_net_save(NET, NULL))                           \
    X(save_path_empty, NN_EINVAL, "path is empty", nn_net_save(NET, ""))                           \
    X(save_directory, NN_EIO, "a_dir is a directory", nn_net_save(NET, path("a_dir")))             \
    X(save_dev_null, NN_EIO, "/dev/null is a character device", nn_net_save(NET, "/dev/null"))     \
    X(save_no_dir, NN_EIO, "cannot create a temporary file", nn_net_save(NET, path("no/x")))       \
    X(load_out_null, NN_EINVAL, "out is NULL", nn_net_load(NULL, path("good.model")))              \
    X(load_path_null, NN_EINVAL, "path is NULL", nn_net_load(&O.net_out, NULL))                    \
    X(load_missing, NN_EIO, "cannot open", nn_net_load(&O.net_out, path("missing.model")))         \
    X(load_directory, NN_EIO, "a_dir", nn_net_load(&O.net_out, path("a_dir")))                     \
    X(load_not_a_net, NN_EFORMAT, "not a libnn net file",                                          \
      nn_net_load(&O.net_out, path("good.csv")))                                                   \
    X(load_empty, NN_EFORMAT, "bad magic", nn_net_load(&O.net_out, path("empty.csv")))             \
    X(load_truncated, NN_EFORMAT, "truncated", nn_net_load(&O.net_out, path("trunc.model")))       \
    X(load_version, NN_EFORMAT, "format version 99", nn_net_load(&O.net_out, path("v99.model")))   \
    X(load_checksum, NN_EFORMAT, "checksum mismatch", nn_net_load(&O.net_out, path("flip.model"))) \
    /* ---- v2 ---- */                                                                             \
    X(create_task, NN_EINVAL, "unknown task 7", CREATE(task, (nn_task)7))                          \
    X(create_activation, NN_EINVAL, "activations[1] = 9 is not an nn_activation",                  \
      (I.acts[1] = (nn_activation)9, I.cfg.n_hidden_layers = 2, CREATE(activations, I.acts)))      \
    X(create_slope_neg, NN_EINVAL, "leaky_slope -0.5 is not in [0, 1]", CREATE(leaky_slope, -0.5)) \
    X(create_slope_nan, NN_EINVAL, "leaky_slope nan", CREATE(leaky_slope, NAN))                    \
    X(create_slope_big, NN_EINVAL, "leaky_slope 2", CREATE(leaky_slope, 2.0))                      \
    X(create_multilabel_0, NN_EINVAL, "n_classes (outputs) 0 is not in [1,",                       \
      (I.cfg.task = NN_TASK_MULTILABEL, CREATE(n_classes, 0)))                                     \
    X(set_scaler_net_null, NN_EINVAL, "net is NULL", nn_net_set_scaler(NULL, &F.sc))               \
    X(set_scaler_unfitted, NN_EINVAL, "the scaler is not fitted",                                  \
      nn_net_set_scaler(NET, &(nn_scaler){3, NULL, NULL}))                                         \
    X(set_scaler_shape, NN_ESHAPE, "the scaler has 2 features but the net has 3",                  \
      nn_net_set_scaler(NET, &I.sc2))                                                              \
    X(set_scaler_scale_0, NN_EINVAL, "feature 2 of the scaler has mean 0.5 and scale 0",           \
      (I.sc_vals[5] = 0.0, nn_net_set_scaler(NET, &I.sc_zero)))                                    \
    X(set_scaler_mean_inf, NN_EINVAL, "feature 0 of the scaler has mean inf",                      \
      (I.sc_vals[0] = INFINITY, nn_net_set_scaler(NET, &I.sc_zero)))                               \
    X(set_target_scaler_net_null, NN_EINVAL, "net is NULL", nn_net_set_target_scaler(NULL, NULL))  \
    X(set_target_scaler_classify, NN_EINVAL, "the net's task is classify",                         \
      nn_net_set_target_scaler(NET, &I.sc2))                                                       \
    X(set_target_scaler_multilabel, NN_EINVAL, "task is multilabel",                               \
      nn_net_set_target_scaler(ML, &I.sc2))                                                        \
    X(set_target_scaler_shape, NN_ESHAPE, "the scaler has 3 features but the net has 2",           \
      nn_net_set_target_scaler(RG, &F.sc))                                                         \
    X(set_names_net_null, NN_EINVAL, "net is NULL", nn_net_set_class_names(NULL, I.names))         \
    X(set_names_null_name, NN_EINVAL, "name 1 is NULL",                                            \
      (I.names[1] = NULL, nn_net_set_class_names(NET, I.names)))                                   \
    X(set_names_empty_name, NN_EINVAL, "name 0 is empty",                                          \
      (I.names[0] = "", nn_net_set_class_names(ML, I.names)))                                      \
    X(set_names_long_name, NN_EINVAL, "name 1 is longer than 4096 bytes",                          \
      (I.names[1] = long_name(), nn_net_set_class_names(RG, I.names)))                             \
    X(forward_nan, NN_ENUMERIC, "x[2][1] is NaN (row 2)", nn_net_forward(NET, XNAN, P42))          \
    X(forward_nan_regress, NN_ENUMERIC, "is NaN", nn_net_forward(RG, XNAN, P42))                   \
    X(predict_nan, NN_ENUMERIC, "x[2][1] is NaN", nn_net_predict(NET, XNAN, O.pred))               \
    X(predict_multilabel_net, NN_EINVAL, "the net's task is multilabel",                           \
      nn_net_predict(ML, X43, O.pred))                                                             \
    X(pml_net_null, NN_EINVAL, "net is NULL", nn_net_predict_multilabel(NULL, X43, P42))           \
    X(pml_classify_net, NN_EINVAL, "the net's task is classify, not multilabel",                   \
      nn_net_predict_multilabel(NET, X43, P42))                                                    \
    X(pml_regress_net, NN_EINVAL, "not multilabel", nn_net_predict_multilabel(RG, X43, P42))       \
    X(pml_out_shape, NN_ESHAPE, "out01 is 2x4 but must be 4x2",                                    \
      nn_net_predict_multilabel(ML, X43, V(O.probs, 2, 4, 4)))                                     \
    X(pml_out_null, NN_EINVAL, "out01 has no data", nn_net_predict_multilabel(ML, X43,             \
                                                                           V(NULL, 4, 2, 2)))      \
    X(pml_x_cols, NN_ESHAPE, "x has 2 columns",                                                    \
      nn_net_predict_multilabel(ML, V(O.x, 4, 2, 2), P42))                                         \
    X(pml_nan, NN_ENUMERIC, "x[2][1] is NaN", nn_net_predict_multilabel(ML, XNAN, P42))            \
    X(gt_net_null, NN_EINVAL, "net is NULL", nn_net_gradients_targets(NULL, X43, T42, &O.loss))    \
    X(gt_classify_net, NN_EINVAL, "the net's task is classify",                                    \
      nn_net_gradients_targets(NET, X43, T42, &O.loss))                                            \
    X(gt_targets_empty, NN_EINVAL, "targets is empty",                                             \
      nn_net_gradients_targets(ML, X43, V(NULL, 0, 0, 0), &O.loss))                                \
    X(gt_targets_shape, NN_ESHAPE, "targets are 4x1 but must be 4x2",                              \
      nn_net_gradients_targets(ML, X43, V(O.t, 4, 1, 1), &O.loss))                                 \
    X(gt_target_half, NN_EINVAL, "target [2][1] is 0.5",                                           \
      nn_net_gradients_targets(ML, X43, V(O.t_half, 4, 2, 2), &O.loss))                            \
    X(gt_x_nan, NN_ENUMERIC, "is NaN", nn_net_gradients_targets(RG, XNAN, T42, &O.loss))           \
    X(gt_target_nan, NN_ENUMERIC, "is NaN",                                                        \
      nn_net_gradients_targets(RG, X43, V(O.xnan, 4, 2, 3), &O.loss))                              \
    X(gradients_multilabel_net, NN_EINVAL, "the net's task is multilabel",                         \
      nn_net_gradients(ML, X43, O.y, &O.loss))                                                     \
    X(evaluate_targets_classify, NN_EINVAL, "d has no labels",                                     \
      nn_net_evaluate(NET, DS_T, &O.acc, &O.loss))                                                 \
    X(evaluate_labels_multilabel, NN_EINVAL, "d has no targets",                                   \
      nn_net_evaluate(ML, &I.ds, &O.acc, &O.loss))                                                 \
    X(evaluate_targets_shape, NN_ESHAPE, "targets are 4x3 but must be 4x2",                        \
      (I.ds.y = NULL, I.ds.t = V(O.x, 4, 3, 3), nn_net_evaluate(RG, &I.ds, &O.acc, &O.loss)))      \
    X(evaluate_nan, NN_ENUMERIC, "is NaN", (I.ds.x = XNAN, nn_net_evaluate(NET, &I.ds, &O.acc,     \
                                                                           &O.loss)))              \
    X(fit_nan, NN_ENUMERIC, "is NaN (row 2)", (I.ds.x = XNAN, FIT(seed, 1)))                       \
    X(fit_val_fraction_1, NN_EINVAL, "validation_fraction 1 is not in [0, 1)",                     \
      FIT(validation_fraction, 1.0))                                                               \
    X(fit_val_fraction_neg, NN_EINVAL, "validation_fraction -0.1", FIT(validation_fraction, -0.1)) \
    X(fit_val_fraction_nan, NN_EINVAL, "validation_fraction nan", FIT(validation_fraction, NAN))   \
    X(fit_targets_classify, NN_EINVAL, "train has no labels", nn_net_fit(NET, DS_T, &I.opt))       \
    X(fit_labels_regress, NN_EINVAL, "train has no targets", nn_net_fit(RG, &I.ds, &I.opt))        \
    X(fit_distributed_hooks, NN_EINVAL, "hooks is NULL",                                           \
      nn_net_fit_distributed(NET, &I.ds, &I.opt, NULL))                                            \
    X(shard_out_null, NN_EINVAL, "out is NULL", nn_dataset_shard(&I.ds, 0, 2, NULL))               \
    X(shard_rank, NN_EINVAL, "rank 2 is not in [0, size 2)", nn_dataset_shard(&I.ds, 2, 2,         \
                                                                            &O.set_a))             \
    X(shard_size_0, NN_EINVAL, "size 0", nn_dataset_shard(&I.ds, 0, 0, &O.set_a))                  \
    X(shard_bad_set, NN_EINVAL, "row 2 has label 2",                                               \
      (I.ds.y = O.y_big, nn_dataset_shard(&I.ds, 0, 2, &O.set_a)))                                 \
    X(csv_shard_rank, NN_EINVAL, "rank 3 is not in [0, size 3)",                                   \
      nn_load_csv_shard(&O.set_a, path("good.csv"), NULL, 3, 3))                                   \
    X(csv_shard_missing, NN_EIO, "missing.csv",                                                    \
      nn_load_csv_shard(&O.set_a, path("missing.csv"), NULL, 0, 2))                                \
    X(csv_shard_ragged, NN_EFORMAT, "ragged.csv:2:",                                               \
      nn_load_csv_shard(&O.set_a, path("ragged.csv"), NULL, 1, 2))                                 \
    X(csv_task, NN_EINVAL, "task 7 is not an nn_task", (I.csv.task = (nn_task)7, CSV("good.csv"))) \
    X(csv_n_targets_classify, NN_EINVAL, "n_targets 2 with the classify task",                     \
      (I.csv.n_targets = 2, CSV("good.csv")))                                                      \
    X(csv_delimiter_quote, NN_EINVAL, "delimiter '\"'", (I.csv.delimiter = '"', CSV("good.csv")))  \
    X(csv_ignore_label, NN_EFORMAT, "ignore_column 3 is also a label column",                      \
      (I.csv.ignore_column = 3, CSV("good.csv")))                                                  \
    X(csv_ignore_past, NN_EFORMAT, "ignore_column 9 is out of range",                              \
      (I.csv.ignore_column = 9, CSV("good.csv")))                                                  \
    X(csv_targets_too_many, NN_EFORMAT, "no feature column",                                       \
      (I.csv.task = NN_TASK_REGRESS, I.csv.n_targets = 3, CSV("good.csv")))                        \
    X(csv_regress_text, NN_EFORMAT, "strlab.csv:1:3: expected a number",                           \
      (I.csv.task = NN_TASK_REGRESS, CSV("strlab.csv")))                                           \
    X(csv_multilabel_2, NN_EFORMAT, "expected 0 or 1",                                             \
      (I.csv.task = NN_TASK_MULTILABEL, CSV("label.csv")))                                         \
    X(csv_unterminated_quote, NN_EFORMAT, "quote.csv:1:2: unterminated quoted field",              \
      CSV("quote.csv"))                                                                            \
    X(csv_after_quote, NN_EFORMAT, "unexpected text after the closing quote",                      \
      CSV("after.csv"))                                                                            \
    X(csv_empty_label, NN_EFORMAT, "nolab.csv:2:3: empty label", CSV("nolab.csv"))                 \
    X(export_c_net_null, NN_EINVAL, "net is NULL", nn_net_export_c(NULL, path("x.h"), NULL))       \
    X(export_c_path_null, NN_EINVAL, "path is NULL", nn_net_export_c(NET, NULL, NULL))             \
    X(export_c_prefix_empty, NN_EINVAL, "the prefix is empty",                                     \
      nn_net_export_c(NET, path("x.h"), &(nn_export_c_options){"", false}))                        \
    X(export_c_prefix_digit, NN_EINVAL, "'9lives' is not a C identifier: it starts with a digit",  \
      nn_net_export_c(NET, path("x.h"), &(nn_export_c_options){"9lives", false}))                  \
    X(export_c_prefix_char, NN_EINVAL, "character 3 ('-') is not a letter",                        \
      nn_net_export_c(NET, path("x.h"), &(nn_export_c_options){"my-net", true}))                   \
    X(export_c_prefix_long, NN_EINVAL, "the prefix is 5000 characters long (at most 64)",          \
      nn_net_export_c(NET, path("x.h"), &(nn_export_c_options){long_name(), false}))               \
    X(export_c_directory, NN_EIO, "a_dir", nn_net_export_c(NET, path("a_dir"), NULL))              \
    X(export_c_no_dir, NN_EIO, "cannot create a temporary file",                                   \
      nn_net_export_c(NET, path("no/x.h"), NULL))                                                  \
    X(export_onnx_net_null, NN_EINVAL, "net is NULL", nn_net_export_onnx(NULL, path("x.onnx")))    \
    X(export_onnx_path_null, NN_EINVAL, "path is NULL", nn_net_export_onnx(NET, NULL))             \
    X(load_trailing, NN_EFORMAT, "unexpected data after the checksum",                             \
      nn_net_load(&O.net_out, path("tail.model")))

/* One function per case, then the table. */
#define CASE_FN(name, want, needle, expr)                                                      \
    static nn_status case_##name(void)                                                         \
    {                                                                                          \
        return (expr);                                                                         \
    }
CATALOG(CASE_FN)
#undef CASE_FN

typedef struct bad_case {
    const char *name;
    nn_status (*call)(void);
    nn_status want;
    const char *needle; /* must appear in nn_last_error() */
} bad_case;

static const bad_case catalog[] = {
#define CASE_ROW(name, want, needle, expr) {#name, case_##name, want, needle},
    CATALOG(CASE_ROW)
#undef CASE_ROW
};
#define N_CASES (sizeof catalog / sizeof catalog[0])

/* ---- files for the loaders --------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    if (ts_temp_dir(F.dir, sizeof F.dir, "bad") != 0)
        return -1;
    write_text("good.csv", "0.5,1.5,0\n-1,2,1\n3,4,1\n");
    write_text("ragged.csv", "1,2,0\n3,4\n");
    write_text("nan.csv", "1,nan,0\n");
    write_text("label.csv", "1,2,0\n3,4,70000\n");
    write_text("half.csv", "1,2,0.5\n");
    write_text("empty.csv", "");
    write_text("head.csv", "a,b,label\n\n");
    write_text("one.csv", "1\n2\n");
    write_file("nul.csv", "1,2,0\n\0", 7);
    write_text("strlab.csv", "1,2,a\n");
    write_text("quote.csv", "1,\"2,0\n");
    write_text("after.csv", "1,\"2\"x,0\n");
    write_text("nolab.csv", "1,2,a\n3,4,\n");
    mkdir(path("a_dir"), 0755);
    /* A good model, then damaged copies of it. */
    nn_net_config cfg = {.n_inputs = 3, .n_classes = 2, .n_hidden_layers = 0, .seed = 3};
    nn_net *net;
    if (nn_net_create(&net, &cfg) != NN_OK || nn_net_save(net, path("good.model")) != NN_OK)
        return -1;
    nn_net_free(net);
    unsigned char buf[4096];
    FILE *f = fopen(path("good.model"), "rb");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_file("trunc.model", buf, 30);
    buf[n] = 'x';
    write_file("tail.model", buf, n + 1);
    buf[n - 12] ^= 0x40; /* inside the parameters */
    write_file("flip.model", buf, n);
    buf[n - 12] ^= 0x40;
    buf[8] = 99; /* the format version */
    write_file("v99.model", buf, n);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return ts_remove_dir(F.dir);
}

/* ---- running the catalog ----------------------------------------------------- */

/* Runs one case; prints what is wrong and returns 0 when it fails. */
static int run_case(const bad_case *c)
{
    fixture_make();
    nn__fail(NN_EINVAL, MARKER); /* so the message seen is this call's own */
    nn_status s = c->call();
    const char *msg = nn_last_error();
    int ok = 1;
    if (s != c->want) {
        print_error("%s: status %d (%s), expected %d (%s); message \"%s\"\n", c->name, (int)s,
                    nn_status_str(s), (int)c->want, nn_status_str(c->want), msg);
        ok = 0;
    } else if (strcmp(msg, MARKER) == 0 || msg[0] == '\0' || nn_status_str(s)[0] == '\0') {
        print_error("%s: no message of its own\n", c->name);
        ok = 0;
    } else if (!strstr(msg, c->needle)) {
        print_error("%s: message \"%s\" does not contain \"%s\"\n", c->name, msg, c->needle);
        ok = 0;
    }
    if (!fixture_unchanged()) {
        print_error("%s: a refused call changed the caller's objects\n", c->name);
        ok = 0;
    }
    fixture_free();
    return ok;
}

static void test_catalog(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < N_CASES; i++)
        failed += !run_case(&catalog[i]);
    /* Say how many, for README's Reliability figures. */
    print_message("bad-input catalog: %zu cases, %zu failed\n", N_CASES, failed);
    assert_int_equal(failed, 0);
}

/* ---- families: every invalid view against every function taking one ------- */

static double buf[64];

/* Views that every function taking a matrix must refuse with NN_EINVAL. */
static nn_mat bad_views[6];

static void make_bad_views(size_t rows, size_t cols)
{
    bad_views[0] = nn_mat_view(NULL, rows, cols, cols);    /* NULL data */
    bad_views[1] = nn_mat_view(buf, 0, cols, cols);        /* zero rows */
    bad_views[2] = nn_mat_view(buf, rows, 0, cols);        /* zero cols */
    bad_views[3] = nn_mat_view(buf, rows, cols, cols - 1); /* ld < cols */
    bad_views[4] = nn_mat_view(buf, BIG, cols, cols);      /* rows > INT_MAX */
    bad_views[5] = nn_mat_view(buf, rows, cols, BIG);      /* ld > INT_MAX */
}

static void test_kernels_bad_views(void **state)
{
    (void)state;
    int32_t labels[4] = {0, 1, 0, 1};
    double loss = 42.0;
    for (int i = 0; i < 64; i++)
        buf[i] = 0.5;
    make_bad_views(4, 2);
    for (size_t i = 0; i < 6; i++) {
        nn_mat v = bad_views[i];
        ts_assert_status(nn_relu(v), NN_EINVAL);
        ts_assert_status(nn_softmax_rows(v), NN_EINVAL);
        ts_assert_status(nn_relu_backward(v, nn_mat_view(buf, 4, 2, 2)), NN_EINVAL);
        ts_assert_status(nn_relu_backward(nn_mat_view(buf, 4, 2, 2), v), NN_EINVAL);
        ts_assert_status(nn_cross_entropy(v, labels, &loss), NN_EINVAL);
        ts_assert_status(nn_softmax_xent_grad(v, labels, 1.0), NN_EINVAL);
        ts_assert_status(nn_gemm(false, false, 1, v, nn_mat_view(buf, 2, 2, 2), 0,
                                 nn_mat_view(buf + 8, 4, 2, 2)),
                         NN_EINVAL);
        ts_assert_status(nn_scaler_fit(&(nn_scaler){0, NULL, NULL}, v), NN_EINVAL);
    }
    assert_true(loss == 42.0);
    for (int i = 0; i < 64; i++)
        assert_true(buf[i] == 0.5); /* untouched by the refused calls */
}

static void test_net_bad_views(void **state)
{
    (void)state;
    fixture_make();
    make_bad_views(4, 3);
    for (size_t i = 0; i < 6; i++) {
        ts_assert_status(nn_net_forward(NET, bad_views[i], P42), NN_EINVAL);
        ts_assert_status(nn_net_predict(NET, bad_views[i], O.pred), NN_EINVAL);
        ts_assert_status(nn_net_gradients(NET, bad_views[i], O.y, &O.loss), NN_EINVAL);
        I.ds.x = bad_views[i];
        ts_assert_status(nn_net_evaluate(NET, &I.ds, &O.acc, &O.loss), NN_EINVAL);
        ts_assert_status(nn_net_fit(NET, &I.ds, &I.opt), NN_EINVAL);
        ts_assert_status(nn_net_predict_multilabel(ML, bad_views[i], P42), NN_EINVAL);
        ts_assert_status(nn_net_gradients_targets(ML, bad_views[i], T42, &O.loss), NN_EINVAL);
        ts_assert_status(nn_net_gradients_targets(RG, X43, bad_views[i], &O.loss), NN_EINVAL);
    }
    fixture_check("bad views");
    /* The good calls still work after all that. */
    ts_ok(nn_net_forward(NET, X43, P42));
    ts_ok(nn_net_gradients(NET, X43, O.y, NULL));
    fixture_free();
}

/* ---- functions without a status: NULL and out-of-range arguments ---------- */

static void test_no_status_functions(void **state)
{
    (void)state;
    fixture_make();
    nn_net_free(NULL);
    nn_dataset_free(NULL);
    nn_scaler_free(NULL);
    nn_mat_free(NULL);
    nn_mat zero = {0};
    nn_mat_free(&zero);
    nn_mat_free(&zero);
    nn_dataset d0;
    memset(&d0, 0, sizeof d0);
    nn_dataset_free(&d0);
    nn_dataset_free(&d0);
    nn_scaler s0 = {0, NULL, NULL};
    nn_scaler_free(&s0);
    assert_int_equal(nn_net_n_layers(NULL), 0);
    assert_int_equal(nn_net_n_inputs(NULL), 0);
    assert_int_equal(nn_net_n_classes(NULL), 0);
    assert_int_equal(nn_net_n_params(NULL), 0);
    assert_null(nn_net_weights(NULL, 0).data);
    assert_null(nn_net_bias(NULL, 0).data);
    assert_null(nn_net_weights(NET, 2).data);
    assert_null(nn_net_bias(NET, SIZE_MAX).data);
    assert_null(nn_net_weight_grad(NET, 99).data);
    assert_null(nn_net_bias_grad(NET, 2).data);
    assert_int_equal(nn_net_n_outputs(NULL), 0);
    assert_int_equal(nn_net_task(NULL), NN_TASK_CLASSIFY);
    assert_int_equal(nn_net_activation(NULL, 0), NN_ACT_RELU);
    assert_int_equal(nn_net_activation(NET, 99), NN_ACT_RELU);
    assert_null(nn_net_scaler(NULL));
    assert_null(nn_net_target_scaler(NULL));
    assert_null(nn_net_class_name(NULL, 0));
    assert_null(nn_net_class_name(NET, 99));
    assert_null(nn_activation_name((nn_activation)99));
    assert_null(nn_activation_name((nn_activation)-1));
    assert_null(nn_task_name((nn_task)3));
    assert_string_equal(nn_status_str((nn_status)99), "unknown status");
    assert_string_equal(nn_status_str((nn_status)-1), "unknown status");
    nn_mat r = nn_mat_rows(X43, 2, 3); /* past the end: the empty view */
    assert_true(r.data == NULL && r.rows == 0);
    r = nn_mat_rows(X43, SIZE_MAX, 2); /* first + count overflows */
    assert_true(r.data == NULL && r.rows == 0);
    assert_non_null(nn_simd_path());
    fixture_check("no-status functions");
    fixture_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_kernels_bad_views),
        cmocka_unit_test(test_net_bad_views),
        cmocka_unit_test(test_no_status_functions),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
