/* Save and load: round trip, atomic replacement, every corruption detected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/nn_test_io.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static nn_net *sample_net(uint64_t seed)
{
    size_t hidden[2] = {7, 5};
    nn_net_config cfg = {.n_inputs = 3,
                         .n_classes = 4,
                         .n_hidden_layers = 2,
                         .hidden = hidden,
                         .init = NN_INIT_NORMAL,
                         .seed = seed};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

static void assert_same_net(nn_net *a, nn_net *b)
{
    assert_int_equal(nn_net_n_layers(a), nn_net_n_layers(b));
    assert_int_equal(nn_net_n_params(a), nn_net_n_params(b));
    for (size_t l = 0; l < nn_net_n_layers(a); l++) {
        nn_mat wa = nn_net_weights(a, l), wb = nn_net_weights(b, l);
        assert_true(wa.rows == wb.rows && wa.cols == wb.cols);
        assert_memory_equal(wa.data, wb.data, wa.rows * wa.cols * sizeof(double));
        nn_mat ba = nn_net_bias(a, l), bb = nn_net_bias(b, l);
        assert_memory_equal(ba.data, bb.data, ba.cols * sizeof(double));
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "a.nnet");
    nn_net *net = sample_net(1), *back = NULL;
    ts_ok(nn_net_save(net, p));
    ts_ok(nn_net_load(&back, p));
    assert_same_net(net, back);
    /* The loaded net computes the same probabilities, bit for bit. */
    double x[6] = {0.1, -0.2, 0.3, 1.5, 0.0, -2.0}, pa[8], pb[8];
    ts_ok(nn_net_forward(net, nn_mat_view(x, 2, 3, 3), nn_mat_view(pa, 2, 4, 4)));
    ts_ok(nn_net_forward(back, nn_mat_view(x, 2, 3, 3), nn_mat_view(pb, 2, 4, 4)));
    assert_memory_equal(pa, pb, sizeof pa);
    nn_net_free(back);
    /* Saving over an existing file replaces it and leaves no temporary. */
    nn_net *other = sample_net(2);
    ts_ok(nn_net_save(other, p));
    ts_ok(nn_net_load(&back, p));
    assert_same_net(other, back);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0);
    nn_net_free(back);
    nn_net_free(other);
    nn_net_free(net);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void flip_byte(const char *p, long at)
{
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

/* Every single-byte corruption and every truncation of net's file is
 * NN_EFORMAT, and *out is never written. */
static void check_corruption(nn_net *net)
{
    char p[128], q[128];
    path_of(p, sizeof p, "good.nnet");
    path_of(q, sizeof q, "bad.nnet");
    ts_ok(nn_net_save(net, p));
    long n = file_size(p);
    char cmd[512];
    nn_net *sentinel = (nn_net *)(uintptr_t)0x1234, *out;
    for (long at = 0; at < n; at += (at < 80 ? 1 : 37)) {
        snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
        assert_int_equal(system(cmd), 0);
        flip_byte(q, at);
        out = sentinel;
        nn_status s = nn_net_load(&out, q);
        assert_int_equal(s, NN_EFORMAT);
        assert_true(out == sentinel);
        assert_non_null(strstr(nn_last_error(), "bad.nnet"));
    }
    for (long keep = 0; keep < n; keep += (keep < 80 ? 3 : 101)) {
        snprintf(cmd, sizeof cmd, "head -c %ld %s > %s", keep, p, q);
        assert_int_equal(system(cmd), 0);
        out = sentinel;
        ts_assert_status(nn_net_load(&out, q), NN_EFORMAT);
        assert_true(out == sentinel);
    }
    /* Trailing garbage. */
    snprintf(cmd, sizeof cmd, "cp %s %s && printf x >> %s", p, q, q);
    assert_int_equal(system(cmd), 0);
    ts_assert_status(nn_net_load(&out, q), NN_EFORMAT);
}

static void test_corruption_detected(void **state)
{
    (void)state;
    nn_net *net = sample_net(3);
    check_corruption(net);
    nn_net_free(net);
}

static void test_io_errors(void **state)
{
    (void)state;
    nn_net *net = sample_net(4), *out = NULL;
    char p[128];
    path_of(p, sizeof p, "missing.nnet");
    ts_assert_status(nn_net_load(&out, p), NN_EIO);
    assert_null(out);
    ts_assert_status(nn_net_save(net, "/nonexistent-dir/x.nnet"), NN_EIO);
    ts_assert_status(nn_net_save(NULL, p), NN_EINVAL);
    ts_assert_status(nn_net_save(net, NULL), NN_EINVAL);
    ts_assert_status(nn_net_save(net, ""), NN_EINVAL);
    ts_assert_status(nn_net_load(NULL, p), NN_EINVAL);
    ts_assert_status(nn_net_load(&out, NULL), NN_EINVAL);
    /* A directory is not a net file. */
    ts_assert_status(nn_net_load(&out, dir), NN_EIO);
    nn_net_free(net);
}

/* A net with every version 2 feature: activations, a task, scalers and
 * class names. */
static nn_net *rich_net(nn_task task)
{
    size_t hidden[3] = {6, 5, 4};
    nn_activation acts[3] = {NN_ACT_GELU, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID};
    nn_net_config cfg = {.n_inputs = 3,
                         .n_classes = 3,
                         .n_hidden_layers = 3,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = 17,
                         .activations = acts,
                         .leaky_slope = 0.2,
                         .task = task};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    double m[3] = {1, 2, 3}, sc[3] = {0.5, 4, 9};
    nn_scaler s = {3, m, sc};
    ts_ok(nn_net_set_scaler(net, &s));
    if (task == NN_TASK_REGRESS)
        ts_ok(nn_net_set_target_scaler(net, &s));
    else {
        const char *names[3] = {"Iris-setosa", "Iris versicolor", "\"virginica\""};
        ts_ok(nn_net_set_class_names(net, names));
    }
    return net;
}

/* Version 2 round trip: the loaded net has the same parameters, task,
 * activations, slope, scalers and names, and the same outputs. */
static void test_v2_round_trip(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "v2.nnet");
    for (int task = 0; task < 3; task++) {
        nn_net *net = rich_net((nn_task)task), *back;
        ts_ok(nn_net_save(net, p));
        ts_ok(nn_net_load(&back, p));
        assert_same_net(net, back);
        assert_int_equal(nn_net_task(back), task);
        assert_int_equal(nn_net_activation(back, 0), NN_ACT_GELU);
        assert_int_equal(nn_net_activation(back, 2), NN_ACT_SIGMOID);
        assert_true(nn_net_leaky_slope(back) == 0.2);
        assert_memory_equal(nn_net_scaler(back)->scale, nn_net_scaler(net)->scale,
                            3 * sizeof(double));
        if (task == NN_TASK_REGRESS)
            assert_memory_equal(nn_net_target_scaler(back)->mean,
                                nn_net_target_scaler(net)->mean, 3 * sizeof(double));
        else
            assert_string_equal(nn_net_class_name(back, 2), "\"virginica\"");
        double x[6] = {1, -2, 3, 0.5, 7, -1}, o1[6], o2[6];
        ts_ok(nn_net_forward(net, nn_mat_view(x, 2, 3, 3), nn_mat_view(o1, 2, 3, 3)));
        ts_ok(nn_net_forward(back, nn_mat_view(x, 2, 3, 3), nn_mat_view(o2, 2, 3, 3)));
        assert_memory_equal(o1, o2, sizeof o1);
        if (task == NN_TASK_CLASSIFY)
            check_corruption(net);
        nn_net_free(back);
        nn_net_free(net);
    }
}

/* A file written by libnn 0.1.0 (format version 1, tests/data) still loads
 * and predicts as it did then: the same classes, and the same probabilities
 * (bit for bit on the kernel path that wrote the fixture, AVX-512; within
 * 1e-13 on another path, whose exp may round differently). */
static void test_v1_file_loads(void **state)
{
    (void)state;
    const char *data = getenv("NN_TEST_DATA");
    assert_non_null(data);
    char p[512];
    snprintf(p, sizeof p, "%s/v1_moons.nnet", data);
    nn_net *net;
    ts_ok(nn_net_load(&net, p));
    assert_int_equal(nn_net_task(net), NN_TASK_CLASSIFY);
    assert_int_equal(nn_net_activation(net, 0), NN_ACT_RELU);
    assert_null(nn_net_scaler(net));
    snprintf(p, sizeof p, "%s/v1_moons_probs.txt", data);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f)); /* comment */
    size_t rows = 0;
    double v[4];
    while (fscanf(f, "%la %la %la %la", &v[0], &v[1], &v[2], &v[3]) == 4) {
        double prob[2];
        ts_ok(nn_net_forward(net, nn_mat_view(v, 1, 2, 2), nn_mat_view(prob, 1, 2, 2)));
        assert_true(ts_close(prob[0], v[2], 1e-300, 1e-13));
        assert_true(ts_close(prob[1], v[3], 1e-300, 1e-13));
        assert_int_equal(prob[1] > prob[0], v[3] > v[2]);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 16);
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_v2_round_trip),
        cmocka_unit_test(test_v1_file_loads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
