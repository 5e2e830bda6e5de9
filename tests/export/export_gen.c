/* Writes the export test cases: for every task x activation (and a few
 * more shapes), a net with random parameters, scalers and class names,
 * exported as a double and a float C header and as ONNX, with 1000 input
 * rows and nn_net_forward's outputs for them. run_export_c.cmake compiles
 * the headers against predict_check.c; check_onnx.py evaluates the ONNX
 * files. Public API only, as a user's program.
 *
 * Usage: export_gen OUTDIR WITH_ONNX(0|1)
 * creates OUTDIR if needed and writes OUTDIR/cases.txt, the manifest: one
 * line "name n_inputs n_outputs onnx dtype" per case (dtype f64, or f32
 * for a single-precision net: only a float header, and NAME.params).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nn.h>

#define ROWS 1000

/* A small deterministic generator (splitmix64), independent of libnn's. */
static uint64_t state = 0x9e3779b97f4a7c15u;
static double uniform(double lo, double hi)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1p-53;
}

typedef struct spec {
    const char *name;
    nn_task task;
    size_t n_in, n_out, n_hidden, hidden[3];
    nn_activation act[3];
    int scaler, names;
} spec;

static int fail(const char *what, nn_status s)
{
    fprintf(stderr, "export_gen: %s: %s: %s\n", what, nn_status_str(s), nn_last_error());
    return 1;
}

static void fill(nn_mat m, double lo, double hi)
{
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.cols; j++)
            m.data[i * m.ld + j] = uniform(lo, hi);
}

static int write_rows(const char *dir, const char *name, const char *ext, nn_mat m)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f)
        return perror(path), 1;
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.cols; j++)
            fprintf(f, "%a%c", m.data[i * m.ld + j], j + 1 < m.cols ? ' ' : '\n');
    return fclose(f) != 0;
}

/* Class names that a C string literal and JSON must escape, the last not
 * UTF-8 (Latin-1); check_onnx.py expects them as JSON reads them back. */
static const char *const NAMES[] = {"setosa", "with \"quotes\"", "back\\slash ?\?= trigraph",
                                    "caf\xc3\xa9 tab\there", "latin1 caf\xe9"};

/* An F32 net's parameters, every layer's W then b, as hex floats: what
 * check_onnx.py compares the float32 initializers with, bit for bit. */
static int write_params(const char *dir, const char *name, nn_net *net)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.params", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return perror(path), 1;
    for (size_t l = 0; l < nn_net_n_layers(net); l++)
        for (int bias = 0; bias < 2; bias++) {
            nn_matf m = bias ? nn_net_bias_f32(net, l) : nn_net_weights_f32(net, l);
            for (size_t i = 0; i < m.rows * m.cols; i++)
                fprintf(f, "%a%c", (double)m.data[i], i + 1 < m.rows * m.cols ? ' ' : '\n');
        }
    return fclose(f) != 0;
}

/* One case: the net of spec c, in double (dtype NN_F64: a double and a
 * float header) or converted to single precision (NN_F32: its own float
 * header, exactly its parameters, and its .params). */
static int make_case(const char *dir, const spec *c, FILE *manifest, int onnx, nn_dtype dtype)
{
    nn_net_config cfg = {.n_inputs = c->n_in, .n_classes = c->n_out,
                         .n_hidden_layers = c->n_hidden, .hidden = c->hidden,
                         .init = NN_INIT_XAVIER, .seed = state, .activations = c->act,
                         .leaky_slope = 0.1, .task = c->task};
    nn_net *net;
    nn_status s = nn_net_create(&net, &cfg);
    if (s != NN_OK)
        return fail(c->name, s);
    /* Biases are 0 after init; make them matter. Weights a little larger
     * than Xavier's, so that the activations leave their linear range. */
    for (size_t l = 0; l < nn_net_n_layers(net); l++) {
        fill(nn_net_bias(net, l), -0.5, 0.5);
        nn_mat w = nn_net_weights(net, l);
        for (size_t i = 0; i < w.rows; i++)
            for (size_t j = 0; j < w.cols; j++)
                w.data[i * w.ld + j] *= 1.5;
    }
    double mean[8], scale[8], tmean[8], tscale[8];
    for (size_t j = 0; j < c->n_in; j++) {
        mean[j] = uniform(-3, 3);
        scale[j] = uniform(0.5, 4);
    }
    for (size_t j = 0; j < c->n_out; j++) {
        tmean[j] = uniform(-5, 5);
        tscale[j] = uniform(0.5, 3);
    }
    nn_scaler sc = {c->n_in, mean, scale}, ts = {c->n_out, tmean, tscale};
    if (c->scaler && (s = nn_net_set_scaler(net, &sc)) != NN_OK)
        return fail(c->name, s);
    if (c->scaler && c->task == NN_TASK_REGRESS &&
        (s = nn_net_set_target_scaler(net, &ts)) != NN_OK)
        return fail(c->name, s);
    if (c->names && (s = nn_net_set_class_names(net, NAMES)) != NN_OK)
        return fail(c->name, s);
    if (dtype == NN_F32) {
        nn_net *f32;
        if ((s = nn_net_convert(&f32, net, NN_F32)) != NN_OK)
            return fail(c->name, s);
        nn_net_free(net);
        net = f32;
    }

    /* Raw inputs around the scaler's mean; the first rows far out, so that
     * softmax and sigmoid saturate. */
    nn_mat x, y;
    if (nn_mat_alloc(&x, ROWS, c->n_in) != NN_OK || nn_mat_alloc(&y, ROWS, c->n_out) != NN_OK)
        return fail("alloc", NN_ENOMEM);
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < c->n_in; j++) {
            double r = i < 10 ? uniform(-40, 40) : uniform(-2.5, 2.5);
            x.data[i * x.ld + j] = c->scaler ? mean[j] + scale[j] * r : r;
        }
    if ((s = nn_net_forward(net, x, y)) != NN_OK)
        return fail(c->name, s);

    char path[1024], prefix[128];
    nn_export_c_options opt = {c->name, false};
    snprintf(path, sizeof path, "%s/%s_d.h", dir, c->name);
    if (dtype == NN_F64 && (s = nn_net_export_c(net, path, &opt)) != NN_OK)
        return fail(path, s);
    snprintf(path, sizeof path, "%s/%s_f.h", dir, c->name);
    snprintf(prefix, sizeof prefix, "%s_f", c->name);
    opt.prefix = prefix;
    opt.single_precision = dtype == NN_F64; /* an F32 net is float anyway */
    if ((s = nn_net_export_c(net, path, &opt)) != NN_OK)
        return fail(path, s);
    if (onnx) {
        snprintf(path, sizeof path, "%s/%s.onnx", dir, c->name);
        if ((s = nn_net_export_onnx(net, path)) != NN_OK)
            return fail(path, s);
    }
    int rc = write_rows(dir, c->name, "in", x) || write_rows(dir, c->name, "out", y) ||
             (dtype == NN_F32 && write_params(dir, c->name, net));
    fprintf(manifest, "%s %zu %zu %d %s\n", c->name, c->n_in, c->n_out, onnx,
            dtype == NN_F32 ? "f32" : "f64");
    nn_mat_free(&x);
    nn_mat_free(&y);
    nn_net_free(net);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: export_gen OUTDIR WITH_ONNX(0|1)\n");
        return 2;
    }
    const char *dir = argv[1];
    int onnx = atoi(argv[2]);
    static const char *const TASK[] = {"classify", "multilabel", "regress"};
    static const size_t OUTS[] = {4, 3, 2};
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return perror(dir), 1;
    char manifest_path[1024];
    snprintf(manifest_path, sizeof manifest_path, "%s/cases.txt", dir);
    FILE *manifest = fopen(manifest_path, "w");
    if (!manifest)
        return perror(manifest_path), 1;
    static char names[3 * 6][48];
    int rc = 0;
    /* Every task x every activation: 5 inputs -> 9 -> 7 -> outputs. */
    for (int t = 0; t < 3 && !rc; t++)
        for (int a = 0; a <= NN_ACT_IDENTITY && !rc; a++) {
            char *name = names[t * 6 + a];
            snprintf(name, sizeof names[0], "%s_%s", TASK[t], nn_activation_name((nn_activation)a));
            spec c = {name, (nn_task)t, 5, OUTS[t], 2, {9, 7, 0},
                      {(nn_activation)a, (nn_activation)a, NN_ACT_RELU}, 1, t != 2};
            rc = make_case(dir, &c, manifest, onnx, NN_F64);
        }
    /* Other shapes: mixed activations, no hidden layer, no scaler, one
     * output, a wider layer. */
    static const spec extra[] = {
        {"mixed", NN_TASK_CLASSIFY, 3, 5, 3, {6, 11, 4},
         {NN_ACT_GELU, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID}, 1, 1},
        {"linear", NN_TASK_CLASSIFY, 4, 2, 0, {0}, {NN_ACT_RELU}, 0, 0},
        {"linear_regress", NN_TASK_REGRESS, 2, 1, 0, {0}, {NN_ACT_RELU}, 1, 0},
        {"noscale", NN_TASK_MULTILABEL, 6, 1, 1, {8}, {NN_ACT_TANH}, 0, 0},
        {"wide", NN_TASK_REGRESS, 8, 3, 2, {64, 32}, {NN_ACT_RELU, NN_ACT_GELU}, 0, 0},
    };
    for (size_t k = 0; k < sizeof extra / sizeof extra[0] && !rc; k++)
        rc = make_case(dir, &extra[k], manifest, onnx, NN_F64);
    /* Single-precision nets, one of each task. */
    static const spec f32[] = {
        {"f32_mixed", NN_TASK_CLASSIFY, 3, 5, 3, {6, 11, 4},
         {NN_ACT_GELU, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID}, 1, 1},
        {"f32_multilabel", NN_TASK_MULTILABEL, 5, 3, 2, {9, 7}, {NN_ACT_TANH, NN_ACT_RELU}, 1, 0},
        {"f32_wide", NN_TASK_REGRESS, 8, 3, 2, {64, 32}, {NN_ACT_RELU, NN_ACT_GELU}, 1, 0},
    };
    for (size_t k = 0; k < sizeof f32 / sizeof f32[0] && !rc; k++)
        rc = make_case(dir, &f32[k], manifest, onnx, NN_F32);
    if (fclose(manifest) != 0)
        rc = 1;
    return rc;
}
