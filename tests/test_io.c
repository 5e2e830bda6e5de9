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

/* Every single-byte corruption and every truncation is NN_EFORMAT, and *out
 * is never written. */
static void test_corruption_detected(void **state)
{
    (void)state;
    char p[128], q[128];
    path_of(p, sizeof p, "good.nnet");
    path_of(q, sizeof q, "bad.nnet");
    nn_net *net = sample_net(3);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_io_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
