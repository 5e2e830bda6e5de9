/* nn_net_export_c and nn_net_export_onnx: errors, what the header holds,
 * atomic replacement. Agreement of the exported models with nn_net_forward
 * is tested by export_c and export_onnx (tests/export/). */
#include "support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char path[128];
    nn_net *net;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    if (ts_temp_dir(fx->dir, sizeof fx->dir, "export") != 0)
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/model.h", fx->dir);
    size_t hidden[] = {4};
    nn_activation act[] = {NN_ACT_GELU};
    nn_net_config cfg = {.n_inputs = 3, .n_classes = 3, .n_hidden_layers = 1, .hidden = hidden,
                         .seed = 7, .activations = act};
    if (nn_net_create(&fx->net, &cfg) != NN_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    int rc = ts_remove_dir(fx->dir);
    nn_net_free(fx->net);
    free(fx);
    return rc;
}

/* The whole file at path (NUL-terminated; *size without the NUL), or NULL. */
static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    if (size)
        *size = (size_t)n;
    fclose(f);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Number of entries of dir besides . and .. whose name contains part. */
static int count_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
             strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

static void assert_error_has(const char *part)
{
    if (!strstr(nn_last_error(), part))
        fail_msg("nn_last_error() is '%s', expected it to contain '%s'", nn_last_error(), part);
}

/* ---- C header ---------------------------------------------------------------- */

static void test_c_null_args(void **state)
{
    fixture *fx = *state;
    ts_assert_status(nn_net_export_c(NULL, fx->path, NULL), NN_EINVAL);
    assert_error_has("net is NULL");
    ts_assert_status(nn_net_export_c(fx->net, NULL, NULL), NN_EINVAL);
    assert_error_has("path is NULL");
    ts_assert_status(nn_net_export_c(fx->net, "", NULL), NN_EINVAL);
    assert_error_has("path is empty");
    assert_int_equal(count_entries(fx->dir, ""), 0);
}

static void test_c_bad_prefix(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *prefix, *message;
    } bad[] = {
        {"", "prefix is empty"},
        {"1model", "not a C identifier: it starts with a digit"},
        {"my-model", "not a C identifier: character 3 ('-') is not a letter, digit or '_'"},
        {"my model", "character 3 (' ')"},
        {"caf\xc3\xa9", "character 4 ('?')"},
        {"a1234567890123456789012345678901234567890123456789012345678901234",
         "65 characters long (at most 64)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_export_c_options opt = {bad[i].prefix, false};
        ts_assert_status(nn_net_export_c(fx->net, fx->path, &opt), NN_EINVAL);
        assert_error_has(bad[i].message);
    }
    assert_int_equal(count_entries(fx->dir, ""), 0);
    nn_export_c_options ok = {"_Iris2_net", true};
    ts_ok(nn_net_export_c(fx->net, fx->path, &ok));
}

static void test_c_unwritable(void **state)
{
    fixture *fx = *state;
    ts_assert_status(nn_net_export_c(fx->net, "/nonexistent-dir/model.h", NULL), NN_EIO);
    assert_error_has("/nonexistent-dir/model.h");
    assert_error_has("No such file or directory");
    /* A directory in the way: the rename fails, nothing is left behind. */
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", fx->dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    char inner[200];
    snprintf(inner, sizeof inner, "%s/x", sub);
    write_text(inner, "x");
    ts_assert_status(nn_net_export_c(fx->net, sub, NULL), NN_EIO);
    assert_error_has(sub);
    assert_int_equal(count_entries(fx->dir, ".tmp."), 0);
    remove(inner);
    /* A FIFO (or a device) is refused, not replaced by a regular file. */
    char fifo[200];
    snprintf(fifo, sizeof fifo, "%s/pipe", fx->dir);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    ts_assert_status(nn_net_export_c(fx->net, fifo, NULL), NN_EIO);
#if defined(NN_HAVE_ONNX)
    ts_assert_status(nn_net_export_onnx(fx->net, fifo), NN_EIO);
#else
    ts_assert_status(nn_net_export_onnx(fx->net, fifo), NN_EINVAL);
    assert_error_has("built without ONNX support");
#endif
    struct stat st;
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    remove(fifo);
}

static void test_c_content(void **state)
{
    fixture *fx = *state;
    const char *names[] = {"plain", "with \"quotes\" and \\", "trigraph ?\?= \t tab"};
    ts_ok(nn_net_set_class_names(fx->net, names));
    ts_ok(nn_net_export_c(fx->net, fx->path, NULL));
    char *h = slurp(fx->path, NULL);
    assert_non_null(h);
    static const char *const want[] = {
        "#ifndef MODEL_NN_MODEL_H",
        "#define MODEL_N_INPUTS 3\n",
        "#define MODEL_N_OUTPUTS 3\n",
        "#define MODEL_MAX_WIDTH 4\n",
        "#define MODEL_STACK_BYTES 32\n", /* one buffer of 4 doubles: no scaler */
        "#define MODEL_HAS_CLASS_NAMES 1\n",
        "static const char *const model_class_names[MODEL_N_OUTPUTS]",
        "\"with \\\"quotes\\\" and \\\\\"",
        "\"trigraph \\?\\?= \\011 tab\"",
        "static const double model_W0[12]",
        "static const double model_b1[3]",
        "static inline int model_predict(const double *x, double *out)",
        "#include <math.h>",
        "model_gelu(",
        "model_softmax(out, 3);",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(h, want[i]))
            fail_msg("the header lacks '%s'", want[i]);
    assert_null(strstr(h, "model_relu("));
    free(h);
}

/* Every parameter is printed so that it reads back as the same double. */
static void test_c_round_trip(void **state)
{
    fixture *fx = *state;
    nn_mat w = nn_net_weights(fx->net, 0);
    w.data[0] = 0.1;
    w.data[1] = -1.0 / 3.0;
    w.data[2] = 5e-324;
    w.data[3] = 1e300;
    w.data[4] = -0.0;
    w.data[5] = 2.0;
    ts_ok(nn_net_export_c(fx->net, fx->path, NULL));
    char *h = slurp(fx->path, NULL);
    assert_non_null(h);
    const char *p = strstr(h, "model_W0[12] = {");
    assert_non_null(p);
    p = strchr(p, '{') + 1;
    for (size_t k = 0; k < w.rows * w.cols; k++) {
        char *end;
        double v = strtod(p, &end);
        double want = w.data[(k / w.cols) * w.ld + k % w.cols];
        assert_memory_equal(&v, &want, sizeof v);
        p = end + strspn(end, ",\n ");
    }
    assert_non_null(strstr(h, "-0.0,")); /* a bare integer gets '.0' */
    free(h);
}

/* An F32 net is written in float, each parameter as the literal of its
 * own float value: strtof reads every one back bit for bit. */
static void test_c_f32_exact(void **state)
{
    fixture *fx = *state;
    nn_net *f32;
    nn_mat w64 = nn_net_weights(fx->net, 0);
    w64.data[0] = 0.1;
    w64.data[1] = -1.0 / 3.0;
    w64.data[2] = 1e-40; /* a float subnormal */
    ts_ok(nn_net_convert(&f32, fx->net, NN_F32));
    ts_ok(nn_net_export_c(f32, fx->path, NULL));
    char *h = slurp(fx->path, NULL);
    assert_non_null(h);
    assert_non_null(strstr(h, "static inline int model_predict(const float *x, float *out)"));
    const char *p = strstr(h, "static const float model_W0[12] = {");
    assert_non_null(p);
    p = strchr(p, '{') + 1;
    nn_matf w = nn_net_weights_f32(f32, 0);
    for (size_t k = 0; k < w.rows * w.cols; k++) {
        char *end;
        float v = strtof(p, &end);
        assert_memory_equal(&v, &w.data[k], sizeof v);
        assert_true(*end == 'f');
        p = end + 1 + strspn(end + 1, ",\n ");
    }
    free(h);
    nn_net_free(f32);
}

static void test_c_nonfinite(void **state)
{
    fixture *fx = *state;
    write_text(fx->path, "old content\n");
    nn_mat w = nn_net_weights(fx->net, 1);
    double keep = w.data[w.ld + 2];
    w.data[w.ld + 2] = NAN;
    ts_assert_status(nn_net_export_c(fx->net, fx->path, NULL), NN_ENUMERIC);
    assert_error_has("layer 1 weight (1, 2) is nan");
    w.data[w.ld + 2] = 1e39; /* a double, not a float */
    ts_assert_status(nn_net_export_c(fx->net, fx->path,
                                     &(nn_export_c_options){"m", true}),
                     NN_ENUMERIC);
    assert_error_has("does not fit in a float");
    char *h = slurp(fx->path, NULL);
    assert_string_equal(h, "old content\n");
    free(h);
    ts_ok(nn_net_export_c(fx->net, fx->path, NULL));
    w.data[w.ld + 2] = keep;
    assert_int_equal(count_entries(fx->dir, ""), 1);
}

/* A successful export replaces the old file in one step and leaves no
 * temporary file; a new file gets the mode 0666 minus the umask. */
static void test_atomic_replace(void **state)
{
    fixture *fx = *state;
    write_text(fx->path, "old content\n");
    ts_ok(nn_net_export_c(fx->net, fx->path, NULL));
    char *h = slurp(fx->path, NULL);
    assert_non_null(strstr(h, "model_predict"));
    free(h);
    assert_int_equal(count_entries(fx->dir, ""), 1);
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/fresh.h", fx->dir);
    mode_t old = umask(022);
    ts_ok(nn_net_export_c(fx->net, fresh, NULL));
    umask(old);
    struct stat st;
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

/* ---- ONNX ---------------------------------------------------------------------- */

static void test_onnx_errors(void **state)
{
    fixture *fx = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/model.onnx", fx->dir);
    ts_assert_status(nn_net_export_onnx(NULL, path), NN_EINVAL);
    assert_error_has("net is NULL");
    ts_assert_status(nn_net_export_onnx(fx->net, NULL), NN_EINVAL);
#if defined(NN_HAVE_ONNX)
    ts_assert_status(nn_net_export_onnx(fx->net, "/nonexistent-dir/m.onnx"), NN_EIO);
    assert_error_has("/nonexistent-dir/m.onnx");
    nn_mat b = nn_net_bias(fx->net, 0);
    b.data[1] = INFINITY;
    ts_assert_status(nn_net_export_onnx(fx->net, path), NN_ENUMERIC);
    assert_error_has("layer 0 bias (0, 1) is inf");
    b.data[1] = 0.0;
    assert_int_equal(count_entries(fx->dir, ""), 0);
#else
    ts_assert_status(nn_net_export_onnx(fx->net, path), NN_EINVAL);
    assert_error_has("built without ONNX support");
#endif
}

#if defined(NN_HAVE_ONNX)
/* Whether the n bytes at m hold the string s. */
static int contains(const char *m, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(m + i, s, k) == 0)
            return 1;
    return 0;
}

/* The file is a protobuf ModelProto: field 1 (ir_version) = 7 comes first,
 * and the names of the graph are in it. */
static void test_onnx_bytes(void **state)
{
    fixture *fx = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/model.onnx", fx->dir);
    ts_ok(nn_net_export_onnx(fx->net, path));
    size_t n;
    char *m = slurp(path, &n);
    assert_non_null(m);
    assert_true(n > 100);
    assert_int_equal((unsigned char)m[0], 0x08); /* field 1, varint */
    assert_int_equal((unsigned char)m[1], 7);
    static const char *const want[] = {"libnn", "Gemm", "Softmax", "Sigmoid", "W0", "b1", "task"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(contains(m, n, want[i]));
    free(m);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_c_null_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_bad_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_unwritable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_f32_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_nonfinite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_onnx_errors, setup, teardown),
#if defined(NN_HAVE_ONNX)
        cmocka_unit_test_setup_teardown(test_onnx_bytes, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
